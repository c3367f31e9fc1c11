// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { buildRows } from '$lib/grid/rows';
import {
  ellipsize,
  imageUsage,
  percent,
  repoUsage,
  systemUsage,
  textUnits,
  UNTAGGED,
} from './usage';
import { diskUsage, hexId, image } from '$test/fixtures';

const A = hexId('a1');
const B = hexId('b2');
const C = hexId('c3');
const D = hexId('d4');
const E = hexId('e5');

const list = [
  // Two tags in one repository: one image, counted once.
  image({ id: A, tags: ['demo/app:1', 'demo/app:latest'], size: 2_000_000 }),
  image({ id: B, tags: ['demo/app:0.9', 'busybox:latest'], size: 1_000_000 }),
  image({ id: C, tags: ['big:1'], size: 5_000_000 }),
  // Dangling, one of them with a digest naming a repository: both are "untagged".
  image({ id: D, tags: [], size: 300_000 }),
  image({ id: E, tags: [], digests: ['demo/app@sha256:ff'], size: 400_000 }),
];

const usage = new Map([
  [A, { id: A, size: 2_000_000, unique_size: 500_000, shared_size: 1_500_000 }],
  [B, { id: B, size: 1_000_000, unique_size: 100_000, shared_size: 900_000 }],
  [C, { id: C, size: 5_000_000, unique_size: 5_000_000, shared_size: 0 }],
]);

describe('systemUsage', () => {
  it('adds up the categories and reads negative numbers as unknown', () => {
    const disk = diskUsage(7_000_000);
    disk.images.reclaimable = 1_000_000;
    disk.images.count = 5;
    disk.build_cache = { count: 3, active: 0, size: 2_500_000, reclaimable: 2_500_000 };
    disk.volumes = { count: -1, active: null, size: -1, reclaimable: null };
    const s = systemUsage(disk);
    expect(s.categories.map((c) => c.category)).toEqual([
      'images',
      'build_cache',
      'containers',
      'volumes',
    ]);
    expect(s.total).toBe(9_500_000);
    expect(s.reclaimable).toBe(3_500_000);
    expect(s.categories[3]).toMatchObject({ size: null, count: null, reclaimable: null });
    expect(s.source).toBe('engine');
    expect(systemUsage({ ...disk, source: 'computed' }).source).toBe('computed');
  });
});

describe('repoUsage', () => {
  it('counts each image once per repository, unique bytes where known, largest first', () => {
    const repos = repoUsage(buildRows(list, usage));
    expect(repos.map((r) => r.repository)).toEqual(['big', UNTAGGED, 'demo/app', 'busybox']);
    const demo = repos.find((r) => r.repository === 'demo/app')!;
    // A (2 tags) + B (1 tag): 3 tags, 2 images.
    expect(demo).toEqual({
      repository: 'demo/app',
      tags: 3,
      images: 2,
      unique: 600_000,
      size: 3_000_000,
      bytes: 600_000,
    });
    const untagged = repos.find((r) => r.repository === UNTAGGED)!;
    // Unique bytes unknown: the sizes stand in for the ranking, the unique column stays unknown.
    expect(untagged).toEqual({
      repository: UNTAGGED,
      tags: 0,
      images: 2,
      unique: null,
      size: 700_000,
      bytes: 700_000,
    });
  });

  it('falls back to sizes before the usage numbers arrive', () => {
    const repos = repoUsage(buildRows(list));
    expect(repos[0]).toMatchObject({ repository: 'big', bytes: 5_000_000 });
    expect(repos.find((r) => r.repository === 'demo/app')!.bytes).toBe(3_000_000);
  });

  it('is empty without images', () => {
    expect(repoUsage([])).toEqual([]);
  });
});

describe('imageUsage', () => {
  it('lists distinct images by size with their unique and shared bytes', () => {
    const items = imageUsage(buildRows(list, usage));
    expect(items.map((i) => i.id)).toEqual([C, A, B, E, D]);
    expect(items[1]).toEqual({
      id: A,
      name: 'demo/app:1',
      tags: 2,
      size: 2_000_000,
      unique: 500_000,
      shared: 1_500_000,
    });
    expect(items[4]).toMatchObject({ name: 'd4d4d4d4d4d4', tags: 0, unique: null });
  });
});

describe('labels', () => {
  it('counts CJK characters double', () => {
    expect(textUnits('abc')).toBe(3);
    expect(textUnits('<未标记>')).toBe(8);
  });

  it('cuts long names in the middle', () => {
    expect(ellipsize('short', 10)).toBe('short');
    expect(ellipsize('registry.example.com/team/app', 12)).toBe('regist…m/app');
    expect(textUnits(ellipsize('镜像仓库名称很长很长', 9))).toBeLessThanOrEqual(9);
  });

  it('formats shares', () => {
    expect(percent(1, 4)).toBe('25%');
    expect(percent(1, 1000)).toBe('<1%');
    expect(percent(0, 0)).toBe('0%');
  });
});
