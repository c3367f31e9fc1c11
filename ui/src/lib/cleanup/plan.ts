// The prune sheet's logic: the options it sends, and what a ticked subset of the preview
// really frees (the same rule as the core's `PrunePlan::space_for`).
import type { KeepReason, PlanItem, PruneOptions } from '$lib/api';
import { shortId } from '$lib/format';

export interface PruneForm {
  all: boolean;
  /** '' (any age) or a Go duration: `24h`, `168h`, `720h`. */
  until: string;
  /** `k=v`, `k`, `!k=v`, separated by commas or spaces. */
  labels: string;
  /** Empty or a whole number ≥ 1; only with `all`. A number input binds numbers. */
  keep: string | number | null;
}

export const UNTIL_CHOICES = ['', '24h', '168h', '720h'] as const;

export function defaultForm(): PruneForm {
  return { all: false, until: '', labels: '', keep: '' };
}

/** Options for the preview, or the form field that is wrong. */
export function pruneOptions(
  form: PruneForm,
): { options: PruneOptions } | { error: 'keep' | 'labels' } {
  const labels = form.labels
    .split(/[\s,]+/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (labels.some((l) => !/^!?[^=!\s]+(=.*)?$/.test(l))) return { error: 'labels' };
  let keep: number | null = null;
  const keepText = String(form.keep ?? '').trim();
  if (form.all && keepText !== '') {
    const n = Number(keepText);
    if (!Number.isInteger(n) || n < 1 || n > 1000) return { error: 'keep' };
    keep = n;
  }
  return {
    options: { all: form.all, until: form.until || null, labels, keep, protect: [] },
  };
}

/** Bytes freed when `ticked` go and every unticked item of the preview stays. */
export function tickedBytes(items: readonly PlanItem[], ticked: ReadonlySet<string>): number {
  const staying = new Set<string>();
  for (const i of items) if (!ticked.has(i.id)) for (const l of i.layers) staying.add(l.id);
  const going = new Map<string, number>();
  for (const i of items) {
    if (!ticked.has(i.id)) continue;
    for (const l of i.layers) if (!staying.has(l.id)) going.set(l.id, l.size ?? 0);
  }
  let sum = 0;
  for (const v of going.values()) sum += v;
  return sum;
}

export function itemName(item: { id: string; tags: readonly string[] }): string {
  return item.tags.length > 0 ? item.tags.join(', ') : shortId(item.id);
}

/** The i18n key and values that say why an image stays. */
export function keptReason(reason: KeepReason): {
  key: string;
  values: Record<string, string | number>;
} {
  switch (reason.kind) {
    case 'protected':
      return { key: 'prune.kept.protected', values: { pattern: reason.pattern } };
    case 'keep_newest':
      return {
        key: 'prune.kept.newest',
        values: { keep: reason.keep, repository: reason.repository, tags: reason.tags.join(', ') },
      };
    case 'in_use':
      return { key: 'prune.kept.inUse', values: { count: reason.containers ?? 0 } };
    default:
      return { key: 'prune.kept.needed', values: {} };
  }
}
