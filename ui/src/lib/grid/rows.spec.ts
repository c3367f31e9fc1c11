// @vitest-environment node
import { describe, expect, it } from 'vitest';
import {
  buildRows,
  buildView,
  distinctSize,
  filterRows,
  groupKey,
  groupRows,
  searchRows,
  sortRows,
  totals,
  type GroupRow,
  type TagRow,
} from './rows';
import { hexId, image } from '$test/fixtures';

const A = hexId('a1');
const B = hexId('b2');
const C = hexId('c3');
const D = hexId('d4');

const images = [
  image({
    id: A,
    tags: ['demo/app:1.0', 'demo/app:latest'],
    size: 2_000_000,
    created: 300,
    containers: 2,
    labels: { 'org.opencontainers.image.title': 'Web Server' },
  }),
  image({ id: B, tags: ['127.0.0.1:5000/team/api:2'], size: 5_000_000, created: 100 }),
  image({ id: C, tags: [], size: 700_000, created: 200 }),
  image({ id: D, tags: ['demo/app:0.9', 'busybox:latest'], size: 1_000_000, created: 50 }),
];

const rows = buildRows(images);
const names = (r: readonly TagRow[]) => r.map((x) => `${x.repository}:${x.tag}`);

describe('buildRows', () => {
  it('makes one row per image and tag, like docker images', () => {
    expect(names(rows)).toEqual([
      'demo/app:1.0',
      'demo/app:latest',
      '127.0.0.1:5000/team/api:2',
      '<none>:<none>',
      'demo/app:0.9',
      'busybox:latest',
    ]);
    expect(rows.filter((r) => r.id === A)).toHaveLength(2);
  });

  it('shows an untagged image as <none> <none> and marks it dangling', () => {
    const dangling = rows.find((r) => r.id === C)!;
    expect(dangling).toMatchObject({ repository: '<none>', tag: '<none>', dangling: true });
    expect(dangling.name).toBeNull();
  });

  it('shows the repository of an untagged image with a digest, as docker does', () => {
    const [row] = buildRows([image({ id: A, tags: [], digests: ['demo/app@sha256:ff'] })]);
    expect(row).toMatchObject({ repository: 'demo/app', tag: '<none>', dangling: true });
  });

  it('gives every row a unique key', () => {
    expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length);
  });
});

describe('searchRows', () => {
  it('matches repository and tag, ignoring case', () => {
    expect(names(searchRows(rows, 'DEMO/APP'))).toEqual([
      'demo/app:1.0',
      'demo/app:latest',
      'demo/app:0.9',
    ]);
    expect(names(searchRows(rows, 'latest'))).toEqual(['demo/app:latest', 'busybox:latest']);
  });

  it('matches a registry with port', () => {
    expect(names(searchRows(rows, '127.0.0.1:5000'))).toEqual(['127.0.0.1:5000/team/api:2']);
  });

  it('matches an ID prefix with or without sha256:', () => {
    expect(searchRows(rows, 'c3c3c3').map((r) => r.id)).toEqual([C]);
    expect(searchRows(rows, 'sha256:C3C3').map((r) => r.id)).toEqual([C]);
    // Not a prefix: no match.
    expect(searchRows(rows, '3c3c3c')).toEqual([]);
  });

  it('matches label keys and values', () => {
    expect(searchRows(rows, 'web server').map((r) => r.id)).toEqual([A, A]);
    expect(searchRows(rows, 'opencontainers').map((r) => r.id)).toEqual([A, A]);
  });

  it('requires every word to match', () => {
    expect(names(searchRows(rows, 'demo 0.9'))).toEqual(['demo/app:0.9']);
  });

  it('returns everything for an empty query', () => {
    expect(searchRows(rows, '   ')).toHaveLength(rows.length);
  });
});

describe('filterRows', () => {
  it('in use: images with containers', () => {
    expect(new Set(filterRows(rows, 'in-use').map((r) => r.id))).toEqual(new Set([A]));
  });
  it('unused: images without containers', () => {
    expect(new Set(filterRows(rows, 'unused').map((r) => r.id))).toEqual(new Set([B, C, D]));
  });
  it('dangling: images without tags', () => {
    expect(filterRows(rows, 'dangling').map((r) => r.id)).toEqual([C]);
  });
  it('all: everything', () => {
    expect(filterRows(rows, 'all')).toHaveLength(rows.length);
  });
});

describe('sortRows', () => {
  it('sorts by size both ways', () => {
    const asc = sortRows(rows, { key: 'size', dir: 'asc' }).map((r) => r.size);
    expect(asc).toEqual([700_000, 1_000_000, 1_000_000, 2_000_000, 2_000_000, 5_000_000]);
    const desc = sortRows(rows, { key: 'size', dir: 'desc' }).map((r) => r.size);
    expect(desc).toEqual([...asc].reverse());
  });

  it('is stable: equal keys keep their order in both directions', () => {
    const asc = names(sortRows(rows, { key: 'size', dir: 'asc' }));
    expect(asc.slice(1, 3)).toEqual(['demo/app:0.9', 'busybox:latest']);
    expect(asc.slice(3, 5)).toEqual(['demo/app:1.0', 'demo/app:latest']);
    const desc = names(sortRows(rows, { key: 'size', dir: 'desc' }));
    expect(desc.slice(1, 3)).toEqual(['demo/app:1.0', 'demo/app:latest']);
  });

  it('sorts repositories by name with <none> last', () => {
    expect(names(sortRows(rows, { key: 'repository', dir: 'asc' }))).toEqual([
      '127.0.0.1:5000/team/api:2',
      'busybox:latest',
      'demo/app:1.0',
      'demo/app:latest',
      'demo/app:0.9',
      '<none>:<none>',
    ]);
  });

  it('sorts tags naturally (1.10 after 1.9)', () => {
    const r = buildRows([image({ id: A, tags: ['x:1.10', 'x:1.9', 'x:1.2'] })]);
    expect(sortRows(r, { key: 'tag', dir: 'asc' }).map((x) => x.tag)).toEqual([
      '1.2',
      '1.9',
      '1.10',
    ]);
  });

  it('sorts by created, ID and containers', () => {
    expect(sortRows(rows, { key: 'created', dir: 'desc' }).map((r) => r.created)).toEqual([
      300, 300, 200, 100, 50, 50,
    ]);
    expect(sortRows(rows, { key: 'id', dir: 'asc' }).map((r) => r.id)).toEqual([A, A, B, C, D, D]);
    expect(sortRows(rows, { key: 'containers', dir: 'desc' })[0].id).toBe(A);
  });

  it('does not change its input', () => {
    const before = names(rows);
    sortRows(rows, { key: 'size', dir: 'asc' });
    expect(names(rows)).toEqual(before);
  });
});

describe('groupRows', () => {
  const sort = { key: 'repository', dir: 'asc' } as const;

  it('makes one group per repository with its tag count', () => {
    const groups = groupRows(sortRows(rows, sort), sort);
    expect(groups.map((g) => [g.repository, g.count])).toEqual([
      ['127.0.0.1:5000/team/api', 1],
      ['busybox', 1],
      ['demo/app', 3],
      ['<none>', 1],
    ]);
  });

  it('group total counts a shared image ID once', () => {
    const demo = groupRows(rows, sort).find((g) => g.repository === 'demo/app')!;
    // Three tags, two images: A (2 MB, tagged twice) and D (1 MB).
    expect(demo.count).toBe(3);
    expect(demo.images).toBe(2);
    expect(demo.totalSize).toBe(3_000_000);
  });

  it('orders groups by their total size when sorting by size', () => {
    const bySize = { key: 'size', dir: 'desc' } as const;
    const groups = groupRows(sortRows(rows, bySize), bySize);
    expect(groups.map((g) => g.totalSize)).toEqual([5_000_000, 3_000_000, 1_000_000, 700_000]);
  });

  it('keeps groups collapsed unless expanded', () => {
    const groups = groupRows(rows, sort, new Set([groupKey('demo/app')]));
    expect(groups.find((g) => g.repository === 'demo/app')!.expanded).toBe(true);
    expect(groups.find((g) => g.repository === 'busybox')!.expanded).toBe(false);
  });
});

describe('buildView', () => {
  const base = {
    query: '',
    filter: 'all' as const,
    sort: { key: 'repository' as const, dir: 'asc' as const },
    group: false,
    expanded: new Set<string>(),
  };

  it('applies search, filter and sort together', () => {
    const v = buildView(rows, { ...base, query: 'demo', filter: 'in-use' });
    expect(names(v.display as TagRow[])).toEqual(['demo/app:1.0', 'demo/app:latest']);
  });

  it('shows tag rows of expanded groups only, right after their group', () => {
    const v = buildView(rows, { ...base, group: true, expanded: new Set([groupKey('demo/app')]) });
    const shape = v.display.map((r) =>
      r.kind === 'group' ? `[${(r as GroupRow).repository}]` : `${r.repository}:${r.tag}`,
    );
    expect(shape).toEqual([
      '[127.0.0.1:5000/team/api]',
      '[busybox]',
      '[demo/app]',
      'demo/app:1.0',
      'demo/app:latest',
      'demo/app:0.9',
      '[<none>]',
    ]);
    // Collapsed groups' rows still count for selection ranges and bulk actions.
    expect(v.rows).toHaveLength(rows.length);
  });
});

describe('totals', () => {
  it('counts distinct images and, until the engine says, adds their sizes as an estimate', () => {
    expect(totals(images)).toEqual({ count: 4, size: 8_700_000, exact: false });
    expect(distinctSize(rows)).toBe(8_700_000);
  });

  it("takes the engine's disk total, where shared layers count once", () => {
    const row = { count: 4, active: 1, size: 3_100_000, reclaimable: 0 };
    const disk = { images: row, build_cache: row, containers: row, volumes: row, source: 'engine' };
    expect(totals(images, disk)).toEqual({ count: 4, size: 3_100_000, exact: true });
  });
});

describe('unique and shared sizes', () => {
  const usage = new Map([
    [A, { id: A, size: 2_000_000, unique_size: 1_500_000, shared_size: 500_000 }],
    [B, { id: B, size: 5_000_000, unique_size: 5_000_000, shared_size: 0 }],
    [D, { id: D, size: 1_000_000, unique_size: 100_000, shared_size: 900_000 }],
  ]);
  const withUsage = buildRows(images, usage);

  it('come from the usage numbers, per image, on every tag row', () => {
    const a = withUsage.filter((r) => r.id === A);
    expect(a.map((r) => [r.unique, r.shared])).toEqual([
      [1_500_000, 500_000],
      [1_500_000, 500_000],
    ]);
  });

  it('are unknown (not zero) for an image the usage does not cover', () => {
    const c = withUsage.find((r) => r.id === C)!;
    expect(c.unique).toBeNull();
    expect(c.shared).toBeNull();
  });

  it("fall back to the list's shared size where the engine computed it", () => {
    const [r] = buildRows([image({ id: A, size: 10, shared_size: 4 })]);
    expect([r.unique, r.shared]).toEqual([6, 4]);
  });

  it('sort with unknown values last when descending', () => {
    const sorted = sortRows(withUsage, { key: 'unique', dir: 'desc' });
    expect(sorted.map((r) => r.unique)).toEqual([
      5_000_000,
      1_500_000,
      1_500_000,
      100_000,
      100_000,
      null,
    ]);
  });

  it('add up per repository counting each image once, unknown if any is unknown', () => {
    const groups = groupRows(withUsage, { key: 'repository', dir: 'asc' });
    const demo = groups.find((g) => g.repository === 'demo/app')!;
    expect(demo.totalUnique).toBe(1_600_000);
    expect(groups.find((g) => g.repository === '<none>')!.totalUnique).toBeNull();
  });
});

describe('rows of several engines', () => {
  const one = [image({ id: A, tags: ['demo/app:1'], size: 1 })];
  const all = [...buildRows(one, new Map(), 'desktop'), ...buildRows(one, new Map(), 'lab')];

  it('keys rows by engine: the same image on two engines is two rows', () => {
    expect(all.map((r) => r.engine)).toEqual(['desktop', 'lab']);
    expect(new Set(all.map((r) => r.key)).size).toBe(2);
    // One engine whose key is not known keeps the plain keys.
    expect(buildRows(one)[0].key).toBe(`${A}|demo/app:1`);
  });

  it('finds one engine’s rows with engine:NAME, with other words too', () => {
    expect(searchRows(all, 'engine:LAB').map((r) => r.engine)).toEqual(['lab']);
    expect(searchRows(all, 'engine:desk demo').map((r) => r.engine)).toEqual(['desktop']);
    expect(searchRows(all, 'engine:nowhere')).toEqual([]);
  });

  it('sorts by engine, both ways', () => {
    expect(sortRows(all, { key: 'engine', dir: 'desc' }).map((r) => r.engine)).toEqual([
      'lab',
      'desktop',
    ]);
    expect(sortRows(all, { key: 'engine', dir: 'asc' }).map((r) => r.engine)).toEqual([
      'desktop',
      'lab',
    ]);
  });
});
