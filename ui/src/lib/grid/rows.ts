// The grid's model, as pure functions: images → one row per (image, tag) like `docker images`,
// then search, filter, sort, and group by repository.
import type { DiskUsage, ImageSummary, ImageUsage } from '../bindings';
import { NONE, splitName, stripAlgo } from '../format';

export interface TagRow {
  kind: 'tag';
  /** Unique and stable across refreshes: engine + image ID + name (the same image on two
   *  engines is two rows). */
  key: string;
  /** The engine's key (null: the current engine, its key not known). */
  engine: string | null;
  id: string;
  repository: string;
  tag: string;
  /** `repo:tag`, or null for a row without a tag (dangling image). */
  name: string | null;
  created: number | null;
  size: number | null;
  /** Bytes only this image holds (removing it frees them); null until known. */
  unique: number | null;
  /** Bytes it shares with other images; null until known. */
  shared: number | null;
  containers: number | null;
  /** The image has no tags at all. */
  dangling: boolean;
  image: ImageSummary;
}

export interface GroupRow {
  kind: 'group';
  key: string;
  repository: string;
  /** Tag rows in the group. */
  count: number;
  /** Bytes of the distinct images in the group (an image with two tags counts once). */
  totalSize: number;
  /** Unique bytes of the distinct images in the group; null while any is unknown. */
  totalUnique: number | null;
  /** Distinct images in the group. */
  images: number;
  containers: number;
  created: number | null;
  expanded: boolean;
  rows: TagRow[];
}

export type DisplayRow = TagRow | GroupRow;

export type Filter = 'all' | 'in-use' | 'unused' | 'dangling';
export const FILTERS: readonly Filter[] = ['all', 'in-use', 'unused', 'dangling'];

export type SortKey =
  'repository' | 'tag' | 'id' | 'created' | 'size' | 'unique' | 'containers' | 'engine';
export const SORT_KEYS: readonly SortKey[] = [
  'repository',
  'tag',
  'id',
  'created',
  'size',
  'unique',
  'containers',
  'engine',
];
export type SortDir = 'asc' | 'desc';
export interface Sort {
  key: SortKey;
  dir: SortDir;
}

export function rowKey(id: string, name: string | null, engine: string | null = null): string {
  const own = name === null ? id : `${id}|${name}`;
  return engine === null ? own : `${engine}#${own}`;
}

/** Unique/shared bytes: from the usage numbers, else from the list when the engine
 *  computed them there (API ≥ 1.42 reports `shared_size`; older ones say -1). */
function sharing(
  image: ImageSummary,
  usage: ReadonlyMap<string, ImageUsage>,
): { unique: number | null; shared: number | null } {
  const u = usage.get(image.id);
  if (u && u.unique_size != null && u.shared_size != null) {
    return { unique: u.unique_size, shared: u.shared_size };
  }
  if (image.shared_size != null && image.shared_size >= 0 && image.size != null) {
    return { unique: image.size - image.shared_size, shared: image.shared_size };
  }
  return { unique: null, shared: null };
}

/** One row per tag; an image without tags is one `<none>:<none>` row (docker shows the
 *  repository of its digest when it has one, and so do we). */
export function buildRows(
  images: readonly ImageSummary[],
  usage: ReadonlyMap<string, ImageUsage> = new Map(),
  engine: string | null = null,
): TagRow[] {
  const rows: TagRow[] = [];
  for (const image of images) {
    const base = {
      kind: 'tag' as const,
      engine,
      id: image.id,
      created: image.created ?? null,
      size: image.size ?? null,
      ...sharing(image, usage),
      containers: image.containers ?? null,
      image,
    };
    if (image.tags.length === 0) {
      const fromDigest = image.digests.length > 0 ? splitName(image.digests[0]).repository : NONE;
      rows.push({
        ...base,
        key: rowKey(image.id, null, engine),
        repository: fromDigest,
        tag: NONE,
        name: null,
        dangling: true,
      });
      continue;
    }
    for (const name of image.tags) {
      const { repository, tag } = splitName(name);
      rows.push({
        ...base,
        key: rowKey(image.id, name, engine),
        repository,
        tag,
        name,
        dangling: false,
      });
    }
  }
  return rows;
}

/** `engine:NAME` in the search: rows of the engines whose key contains NAME. */
export const ENGINE_TERM = 'engine:';

function matchesTerm(row: TagRow, term: string): boolean {
  if (term.startsWith(ENGINE_TERM)) {
    return (row.engine ?? '').toLowerCase().includes(term.slice(ENGINE_TERM.length));
  }
  if (row.repository.toLowerCase().includes(term)) return true;
  if (row.tag.toLowerCase().includes(term)) return true;
  const id = stripAlgo(row.id).toLowerCase();
  const idTerm = term.startsWith('sha256:') ? term.slice(7) : term;
  if (idTerm.length > 0 && id.startsWith(idTerm)) return true;
  for (const [k, v] of Object.entries(row.image.labels ?? {})) {
    if (k.toLowerCase().includes(term) || (v ?? '').toLowerCase().includes(term)) return true;
  }
  return false;
}

/**
 * Case-insensitive search over repository, tag, image ID prefix (with or without `sha256:`)
 * and label keys and values; `engine:NAME` keeps one engine's rows. Several words must all
 * match.
 */
export function searchRows(rows: readonly TagRow[], query: string): TagRow[] {
  const terms = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) return rows.slice();
  return rows.filter((r) => terms.every((t) => matchesTerm(r, t)));
}

export function filterRows(rows: readonly TagRow[], filter: Filter): TagRow[] {
  switch (filter) {
    case 'in-use':
      return rows.filter((r) => (r.containers ?? 0) > 0);
    case 'unused':
      return rows.filter((r) => (r.containers ?? 0) <= 0);
    case 'dangling':
      return rows.filter((r) => r.dangling);
    default:
      return rows.slice();
  }
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** `<none>` sorts after every real name when ascending. */
function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  if (a === NONE) return 1;
  if (b === NONE) return -1;
  return collator.compare(a, b);
}

function compareNumbers(a: number | null, b: number | null): number {
  // Unknown values sort as the smallest.
  const x = a ?? -Infinity;
  const y = b ?? -Infinity;
  return x === y ? 0 : x < y ? -1 : 1;
}

function compareRows(a: TagRow, b: TagRow, key: SortKey): number {
  switch (key) {
    case 'repository':
      return compareNames(a.repository, b.repository);
    case 'tag':
      return compareNames(a.tag, b.tag);
    case 'id':
      return collator.compare(stripAlgo(a.id), stripAlgo(b.id));
    case 'created':
      return compareNumbers(a.created, b.created);
    case 'size':
      return compareNumbers(a.size, b.size);
    case 'unique':
      return compareNumbers(a.unique, b.unique);
    case 'containers':
      return compareNumbers(a.containers, b.containers);
    case 'engine':
      return collator.compare(a.engine ?? '', b.engine ?? '');
  }
}

/** Stable: rows that compare equal keep their order, in both directions. */
export function sortRows(rows: readonly TagRow[], sort: Sort): TagRow[] {
  const sign = sort.dir === 'asc' ? 1 : -1;
  return rows
    .map((row, i) => ({ row, i }))
    .sort((a, b) => sign * compareRows(a.row, b.row, sort.key) || a.i - b.i)
    .map((x) => x.row);
}

/** Sum sizes counting each distinct image ID once. */
export function distinctSize(rows: readonly { id: string; size: number | null }[]): number {
  const seen = new Map<string, number>();
  for (const r of rows) if (!seen.has(r.id)) seen.set(r.id, r.size ?? 0);
  let total = 0;
  for (const s of seen.values()) total += s;
  return total;
}

export function groupKey(repository: string): string {
  return `group:${repository}`;
}

/**
 * One group per repository, in the order of the already sorted `rows`' aggregate for the
 * sort key; each group holds its rows in sorted order.
 */
export function groupRows(
  rows: readonly TagRow[],
  sort: Sort,
  expanded: ReadonlySet<string> = new Set(),
): GroupRow[] {
  const byRepo = new Map<string, TagRow[]>();
  for (const r of rows) {
    const list = byRepo.get(r.repository);
    if (list) list.push(r);
    else byRepo.set(r.repository, [r]);
  }
  const groups: GroupRow[] = [];
  for (const [repository, list] of byRepo) {
    const ids = new Map<string, TagRow>();
    for (const r of list) if (!ids.has(r.id)) ids.set(r.id, r);
    let containers = 0;
    let created: number | null = null;
    let totalUnique: number | null = 0;
    for (const r of ids.values()) {
      containers += Math.max(0, r.containers ?? 0);
      totalUnique = totalUnique === null || r.unique === null ? null : totalUnique + r.unique;
      if (r.created != null && (created === null || r.created > created)) created = r.created;
    }
    const key = groupKey(repository);
    groups.push({
      kind: 'group',
      key,
      repository,
      count: list.length,
      totalSize: distinctSize(list),
      totalUnique,
      images: ids.size,
      containers,
      created,
      expanded: expanded.has(key),
      rows: list,
    });
  }
  const sign = sort.dir === 'asc' ? 1 : -1;
  const cmp = (a: GroupRow, b: GroupRow): number => {
    switch (sort.key) {
      case 'created':
        return compareNumbers(a.created, b.created);
      case 'size':
        return compareNumbers(a.totalSize, b.totalSize);
      case 'unique':
        return compareNumbers(a.totalUnique, b.totalUnique);
      case 'containers':
        return compareNumbers(a.containers, b.containers);
      case 'repository':
        return compareNames(a.repository, b.repository);
      default:
        // Tag or ID: groups keep the order of their first row, which is sorted by it.
        return 0;
    }
  };
  return groups
    .map((g, i) => ({ g, i }))
    .sort((a, b) => sign * cmp(a.g, b.g) || a.i - b.i)
    .map((x) => x.g);
}

export interface ViewOptions {
  query: string;
  filter: Filter;
  sort: Sort;
  group: boolean;
  expanded: ReadonlySet<string>;
}

export interface View {
  /** What the grid shows, in order: tag rows, or group rows each followed by its tag rows
   *  when expanded. */
  display: DisplayRow[];
  /** Every tag row that passed search and filter, in display order (collapsed groups too). */
  rows: TagRow[];
}

export function buildView(all: readonly TagRow[], o: ViewOptions): View {
  const rows = sortRows(filterRows(searchRows(all, o.query), o.filter), o.sort);
  if (!o.group) return { display: rows, rows };
  const groups = groupRows(rows, o.sort, o.expanded);
  const display: DisplayRow[] = [];
  const ordered: TagRow[] = [];
  for (const g of groups) {
    display.push(g);
    if (g.expanded) display.push(...g.rows);
    ordered.push(...g.rows);
  }
  return { display, rows: ordered };
}

/**
 * Distinct images and the bytes they take on disk — the header's summary. Layers shared by
 * several images count once: the engine's disk usage says so; until it has answered, the sum
 * of image sizes (an upper bound) stands in, marked `exact: false`.
 */
export function totals(
  images: readonly ImageSummary[],
  disk: DiskUsage | null = null,
): { count: number; size: number; exact: boolean } {
  const seen = new Map<string, number>();
  for (const i of images) if (!seen.has(i.id)) seen.set(i.id, i.size ?? 0);
  const diskSize = disk?.images.size;
  if (diskSize != null) return { count: seen.size, size: diskSize, exact: true };
  let size = 0;
  for (const s of seen.values()) size += s;
  return { count: seen.size, size, exact: false };
}
