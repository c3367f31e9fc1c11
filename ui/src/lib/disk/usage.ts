// The disk view's model, as pure functions over what the images store already holds: the
// engine's disk usage by category, and the grid's tag rows aggregated per repository and
// per image. Nothing here is kept between refreshes; the view derives it all again.
import type { DiskUsage, UsageRow } from '../bindings';
import { groupRows, type TagRow } from '../grid/rows';
import { shortId } from '../format';

export const CATEGORIES = ['images', 'build_cache', 'containers', 'volumes'] as const;
export type Category = (typeof CATEGORIES)[number];

export interface CategoryUsage {
  category: Category;
  /** Null where the engine did not say. */
  size: number | null;
  reclaimable: number | null;
  count: number | null;
  active: number | null;
}

export interface SystemUsage {
  categories: CategoryUsage[];
  /** Sum of the known sizes. */
  total: number;
  /** Sum of the known reclaimable bytes. */
  reclaimable: number;
  source: 'engine' | 'computed';
}

/** Engines report -1 or nothing for what they did not compute: both read as unknown. */
function known(n: number | null | undefined): number | null {
  return n == null || !Number.isFinite(n) || n < 0 ? null : n;
}

export function systemUsage(disk: DiskUsage): SystemUsage {
  let total = 0;
  let reclaimable = 0;
  const categories = CATEGORIES.map((category) => {
    const row: UsageRow = disk[category];
    const c: CategoryUsage = {
      category,
      size: known(row.size),
      reclaimable: known(row.reclaimable),
      count: known(row.count),
      active: known(row.active),
    };
    total += c.size ?? 0;
    reclaimable += c.reclaimable ?? 0;
    return c;
  });
  return {
    categories,
    total,
    reclaimable,
    source: disk.source === 'computed' ? 'computed' : 'engine',
  };
}

/** The data-repo / data-name of the row gathering every image without a tag. */
export const UNTAGGED = '<untagged>';

export interface RepoUsage {
  /** The repository, or UNTAGGED. */
  repository: string;
  /** Names in the repository (every tag, old ones too); 0 for UNTAGGED. */
  tags: number;
  /** Distinct image IDs. */
  images: number;
  /** Sum of the images' unique bytes; null while any of them is unknown. */
  unique: number | null;
  /** Sum of the images' sizes, each image ID once. */
  size: number;
  /** What the repository is ranked by: per image its unique bytes where known, else its
   *  size (an upper bound), each image ID once. */
  bytes: number;
}

/** An image's weight: the bytes removing it would free where known, else its size. */
function imageBytes(r: TagRow): number {
  return r.unique ?? r.size ?? 0;
}

/**
 * One entry per repository, largest first. Dangling images go to one UNTAGGED entry, even
 * those whose digest names a repository: none of them has a name to remove or keep.
 */
export function repoUsage(rows: readonly TagRow[]): RepoUsage[] {
  const regrouped = rows.map((r) => (r.dangling ? { ...r, repository: UNTAGGED } : r));
  // groupRows already counts each image ID once per repository (an image with two tags in
  // one repository is one image); reuse it rather than a second implementation.
  const groups = groupRows(regrouped, { key: 'size', dir: 'desc' });
  const repos = groups.map((g): RepoUsage => {
    const ids = new Map<string, TagRow>();
    for (const r of g.rows) if (!ids.has(r.id)) ids.set(r.id, r);
    let bytes = 0;
    for (const r of ids.values()) bytes += imageBytes(r);
    return {
      repository: g.repository,
      tags: g.rows.filter((r) => !r.dangling).length,
      images: g.images,
      unique: g.totalUnique,
      size: g.totalSize,
      bytes,
    };
  });
  return repos
    .map((r, i) => ({ r, i }))
    .sort((a, b) => b.r.bytes - a.r.bytes || b.r.size - a.r.size || a.i - b.i)
    .map((x) => x.r);
}

export interface ImageUsageItem {
  id: string;
  /** Its first name, or the short ID when it has none. */
  name: string;
  /** How many names it has. */
  tags: number;
  size: number;
  /** Null until known; unique + shared = size once known. */
  unique: number | null;
  shared: number | null;
}

/** Distinct images, largest (whole size) first. */
export function imageUsage(rows: readonly TagRow[]): ImageUsageItem[] {
  const byId = new Map<string, ImageUsageItem>();
  for (const r of rows) {
    const seen = byId.get(r.id);
    if (seen) {
      if (!r.dangling) seen.tags++;
      continue;
    }
    byId.set(r.id, {
      id: r.id,
      name: r.name ?? shortId(r.id),
      tags: r.dangling ? 0 : 1,
      size: r.size ?? 0,
      unique: r.unique,
      shared: r.shared,
    });
  }
  return [...byId.values()].sort((a, b) => b.size - a.size);
}

/** Bars the "largest" chart draws. */
export const TOP = 10;

/** Width units of a string in a proportional font: wide (CJK, fullwidth) characters
 *  count two, so a Chinese label is cut as early as it needs to be. */
export function textUnits(s: string): number {
  let n = 0;
  for (const ch of s)
    n +=
      /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(
        ch,
      )
        ? 2
        : 1;
  return n;
}

/** `s` cut in the middle to at most `max` units, keeping both ends (a repository's end
 *  is what tells it apart from its siblings). */
export function ellipsize(s: string, max: number): string {
  if (textUnits(s) <= max) return s;
  if (max <= 1) return '…';
  const chars = [...s];
  const budget = max - 1;
  const headUnits = Math.ceil(budget / 2);
  let head = '';
  let used = 0;
  for (const ch of chars) {
    const w = textUnits(ch);
    if (used + w > headUnits) break;
    head += ch;
    used += w;
  }
  let tail = '';
  let tailUsed = 0;
  for (let i = chars.length - 1; i >= 0; i--) {
    const w = textUnits(chars[i]);
    if (used + tailUsed + w > budget) break;
    tail = chars[i] + tail;
    tailUsed += w;
  }
  return `${head}…${tail}`;
}

/** A share as a short percentage: 0.4567 → "46%", tiny but present → "<1%". */
export function percent(part: number, whole: number): string {
  if (whole <= 0 || part <= 0) return '0%';
  const p = (part / whole) * 100;
  return p < 1 ? '<1%' : `${Math.round(p)}%`;
}
