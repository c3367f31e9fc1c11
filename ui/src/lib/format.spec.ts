// @vitest-environment node
import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  formatExact,
  formatRelative,
  formatSize,
  historyCommand,
  parseTime,
  shortId,
  splitName,
} from './format';

describe('formatSize', () => {
  it('uses decimal units with three significant digits, like docker', () => {
    expect(formatSize(0)).toBe('0 B');
    expect(formatSize(999)).toBe('999 B');
    expect(formatSize(1000)).toBe('1 kB');
    expect(formatSize(1234)).toBe('1.23 kB');
    expect(formatSize(1_985_000)).toBe('1.99 MB');
    expect(formatSize(123_456_789)).toBe('123 MB');
    expect(formatSize(5_000_000_000)).toBe('5 GB');
  });

  it('rounds up into the next unit instead of showing 1000', () => {
    expect(formatSize(999_999)).toBe('1 MB');
  });

  it('shows a dash for unknown sizes', () => {
    expect(formatSize(null)).toBe('—');
    expect(formatSize(-1)).toBe('—');
  });
});

describe('formatRelative', () => {
  const now = Date.UTC(2024, 4, 3, 12, 0, 0);
  const ago = (seconds: number) => Math.floor(now / 1000) - seconds;

  it('says how long ago in English', () => {
    expect(formatRelative(ago(3 * 3600), 'en', now)).toBe('3 hours ago');
    expect(formatRelative(ago(5 * 60), 'en', now)).toBe('5 minutes ago');
    expect(formatRelative(ago(3 * 86400), 'en', now)).toBe('3 days ago');
    expect(formatRelative(ago(3 * 7 * 86400), 'en', now)).toBe('3 weeks ago');
    expect(formatRelative(ago(400 * 86400), 'en', now)).toBe('1 year ago');
  });

  it('says it in Chinese with the Chinese locale', () => {
    expect(formatRelative(ago(3 * 3600), 'zh-CN', now)).toMatch(/^3\s?小时前$/);
  });

  it('treats the last minute and clock skew as now', () => {
    expect(formatRelative(ago(10), 'en', now)).toBe('now');
    expect(formatRelative(ago(-60), 'en', now)).toBe('now');
  });

  it('shows a dash for unknown times', () => {
    expect(formatRelative(null, 'en', now)).toBe('—');
    expect(formatRelative(0, 'en', now)).toBe('—');
  });
});

describe('formatExact and parseTime', () => {
  it('formats unix seconds and RFC3339 to the same instant', () => {
    const rfc = '2024-05-03T14:05:09Z';
    const secs = parseTime(rfc);
    expect(secs).toBe(Date.UTC(2024, 4, 3, 14, 5, 9) / 1000);
    expect(formatExact(secs, 'en')).toBe(formatExact(rfc, 'en'));
    expect(formatExact(secs, 'en')).toMatch(/2024/);
    expect(formatExact(secs, 'en')).toMatch(/\d\d:05:09/);
  });

  it('handles what does not parse', () => {
    expect(parseTime('garbage')).toBeNull();
    expect(formatExact(null, 'en')).toBe('—');
    expect(formatExact('not a date', 'en')).toBe('not a date');
  });
});

describe('shortId', () => {
  it('shows 12 hex digits without the algorithm', () => {
    expect(shortId('sha256:6324cc359f0ff7d3b22edb08a9790955182fe5587f43807b4c663c88e5185dac')).toBe(
      '6324cc359f0f',
    );
    expect(shortId('6324cc359f0ff7d3')).toBe('6324cc359f0f');
  });
});

describe('splitName', () => {
  it('splits repository and tag', () => {
    expect(splitName('demo/app:1.0')).toEqual({ repository: 'demo/app', tag: '1.0' });
    expect(splitName('busybox:latest')).toEqual({ repository: 'busybox', tag: 'latest' });
  });

  it('does not mistake a registry port for a tag', () => {
    expect(splitName('127.0.0.1:5000/a/b:1')).toEqual({
      repository: '127.0.0.1:5000/a/b',
      tag: '1',
    });
    expect(splitName('localhost:5000/a')).toEqual({
      repository: 'localhost:5000/a',
      tag: '<none>',
    });
  });

  it('gives <none> when there is no tag', () => {
    expect(splitName('demo/app')).toEqual({ repository: 'demo/app', tag: '<none>' });
  });

  it('drops digests', () => {
    expect(splitName('127.0.0.1:5000/a@sha256:abc')).toEqual({
      repository: '127.0.0.1:5000/a',
      tag: '<none>',
    });
    expect(splitName('a/b:2@sha256:abc')).toEqual({ repository: 'a/b', tag: '2' });
  });
});

describe('historyCommand', () => {
  it('reads like a Dockerfile', () => {
    expect(historyCommand('/bin/sh -c #(nop)  CMD ["sh"]')).toBe('CMD ["sh"]');
    expect(historyCommand('/bin/sh -c apk add   curl')).toBe('RUN apk add curl');
    expect(historyCommand('RUN /bin/sh -c echo hi # buildkit')).toBe(
      'RUN /bin/sh -c echo hi # buildkit',
    );
  });
});

describe('formatDuration', () => {
  it('reads like a stopwatch', () => {
    expect(formatDuration(7_400)).toBe('0:07');
    expect(formatDuration(185_000)).toBe('3:05');
    expect(formatDuration(3_723_000)).toBe('1:02:03');
    expect(formatDuration(null)).toBe('—');
  });
});
