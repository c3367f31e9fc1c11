// What saving the selected rows writes into the tar. A name is saved as that name (the tar
// keeps it, so `load` brings the name back); an image without names by its ID.
import type { TagRow } from './rows';

export interface SavePlan {
  /** Distinct references for the engine, in selection order. */
  references: string[];
  /** Distinct images in the tar. */
  images: number;
  /** Bytes of those images, each counted once (the tar shares layers too). */
  size: number;
}

export function planSave(selected: readonly TagRow[]): SavePlan {
  const references: string[] = [];
  const sizes = new Map<string, number>();
  for (const r of selected) {
    const reference = r.name ?? r.id;
    if (!references.includes(reference)) references.push(reference);
    if (!sizes.has(r.id)) sizes.set(r.id, r.size ?? 0);
  }
  let size = 0;
  for (const s of sizes.values()) size += s;
  return { references, images: sizes.size, size };
}

/** A file name that says what is inside: `app_1.0.tar` for one name, `images-3.tar` else. */
export function suggestedFileName(references: readonly string[]): string {
  if (references.length === 1) {
    const last = references[0].split('/').pop() ?? references[0];
    const safe = last
      .replace(/^sha256:/, '')
      .slice(0, 40)
      .replace(/[^A-Za-z0-9._-]+/g, '_');
    return `${safe || 'image'}.tar`;
  }
  return `images-${references.length}.tar`;
}
