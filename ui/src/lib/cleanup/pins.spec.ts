// @vitest-environment node
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pinnedBy, repositoryOf, validatePin } from './pins';

/** The cases the core's protection.rs tests read too: both answer alike on each. */
const SHARED = join(__dirname, '../../../../crates/slipway-core/tests/fixtures/pin-cases.json');
type PinCase = { pin: string; id: string; tags: string[]; matches: boolean; why: string };
const shared: PinCase[] = JSON.parse(readFileSync(SHARED, 'utf8'));

describe('pin matching, as the core does it', () => {
  it('has the shared cases', () => expect(shared.length).toBeGreaterThan(20));

  it.each(shared)('$pin on $tags: $why', (c) => {
    expect(pinnedBy([c.pin], c.id, c.tags) !== null).toBe(c.matches);
  });
});

describe('pinnedBy', () => {
  it('a bare repository pins all its tags but not lookalikes', () => {
    expect(pinnedBy(['myapp'], 'sha256:1', ['myapp:2'])).toBe('myapp');
    expect(pinnedBy(['myapp'], 'sha256:1', ['myapp2:1'])).toBeNull();
    expect(pinnedBy(['myapp'], 'sha256:1', [])).toBeNull();
  });

  it('globs and tag patterns match what they say, dots literally', () => {
    expect(pinnedBy(['team/*'], 'x', ['team/api:1'])).toBe('team/*');
    expect(pinnedBy(['db:1.*'], 'x', ['db:1.4'])).toBe('db:1.*');
    expect(pinnedBy(['db:1.*'], 'x', ['db:104'])).toBeNull();
  });

  it('matches Podman full names with the short names users write', () => {
    expect(pinnedBy(['busybox'], 'x', ['docker.io/library/busybox:latest'])).toBe('busybox');
  });

  it('pins by ID prefix only when long enough not to be a name', () => {
    const id = 'sha256:4eae18d6b0541fda7dd801fc9bd514c9d5691bc62354a94e5efecc0808ae9589';
    expect(pinnedBy(['4eae18d6b054'], id, [])).toBe('4eae18d6b054');
    expect(pinnedBy(['4eae'], id, [])).toBeNull();
  });
});

describe('validatePin / repositoryOf', () => {
  it('refuses blanks and spaces, accepts names and globs', () => {
    expect(validatePin('  ')).toBe('empty');
    expect(validatePin('my app')).toBe('invalid');
    expect(validatePin('127.0.0.1:5000/team/*')).toBeNull();
  });

  it('keeps a registry port in the repository', () => {
    expect(repositoryOf('127.0.0.1:5000/a')).toBe('127.0.0.1:5000/a');
    expect(repositoryOf('127.0.0.1:5000/a:1')).toBe('127.0.0.1:5000/a');
  });
});
