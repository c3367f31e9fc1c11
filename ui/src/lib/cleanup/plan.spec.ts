import { describe, expect, it } from 'vitest';
import type { PlanItem } from '$lib/api';
import { defaultForm, itemName, keptReason, pruneOptions, tickedBytes } from './plan';

function item(id: string, layers: [string, number][]): PlanItem {
  return {
    id,
    tags: [],
    created: 0,
    size: 0,
    unique_size: 0,
    layers: layers.map(([l, size]) => ({ id: l, size })),
  };
}

describe('tickedBytes', () => {
  const items = [
    item('a', [
      ['x', 10],
      ['s', 5],
    ]),
    item('b', [['s', 5]]),
  ];

  it('counts a layer two ticked images share once', () => {
    expect(tickedBytes(items, new Set(['a', 'b']))).toBe(15);
  });

  it('does not count a layer an unticked image keeps', () => {
    expect(tickedBytes(items, new Set(['a']))).toBe(10);
    expect(tickedBytes(items, new Set())).toBe(0);
  });
});

describe('pruneOptions', () => {
  it('sends dangling-only with nothing else by default', () => {
    expect(pruneOptions(defaultForm())).toEqual({
      options: { all: false, until: null, labels: [], keep: null, protect: [] },
    });
  });

  it('reads labels separated by commas or spaces, negations included', () => {
    const r = pruneOptions({ ...defaultForm(), labels: 'env=dev, !keep  team' });
    expect(r).toMatchObject({ options: { labels: ['env=dev', '!keep', 'team'] } });
  });

  it('keeps N only with all unused, and only whole positive numbers', () => {
    expect(pruneOptions({ ...defaultForm(), keep: '2' })).toMatchObject({
      options: { keep: null },
    });
    expect(pruneOptions({ ...defaultForm(), all: true, keep: '2' })).toMatchObject({
      options: { keep: 2 },
    });
    expect(pruneOptions({ ...defaultForm(), all: true, keep: '0' })).toEqual({ error: 'keep' });
    expect(pruneOptions({ ...defaultForm(), all: true, keep: '1.5' })).toEqual({ error: 'keep' });
    expect(pruneOptions({ ...defaultForm(), labels: '=x' })).toEqual({ error: 'labels' });
  });
});

describe('itemName / keptReason', () => {
  it('names untagged images by short ID', () => {
    expect(itemName({ id: 'sha256:0123456789abcdef', tags: [] })).toBe('0123456789ab');
    expect(itemName({ id: 'x', tags: ['a:1', 'b:2'] })).toBe('a:1, b:2');
  });

  it('says which pin or rule keeps an image', () => {
    expect(keptReason({ kind: 'protected', pattern: 'db' })).toEqual({
      key: 'prune.kept.protected',
      values: { pattern: 'db' },
    });
    expect(
      keptReason({ kind: 'keep_newest', repository: 'app', keep: 2, tags: ['app:2', 'app:latest'] })
        .values,
    ).toEqual({
      keep: 2,
      repository: 'app',
      tags: 'app:2, app:latest',
    });
  });
});
