// What removing the selected rows means, decided before anything is deleted.
//
// A row that is one name of an image that keeps other names: remove that name (the engine
// untags). Every name of an image selected (or an image with no name): remove the image — by ID,
// or, when it has several names and "force" is off, name by name, because engines refuse to
// delete by ID an image with several names without force (Podman always, Docker across
// repositories); the last name going deletes the image.
import type { TagRow } from './rows';

export interface RemoveItem {
  key: string;
  id: string;
  /** `repo:tag`, null for an image without names. */
  name: string | null;
  repository: string;
  tag: string;
  size: number | null;
  containers: number | null;
  /** The image itself goes, not only this name. */
  imageDeleted: boolean;
  /** What is sent to the engine for this item. */
  reference: string;
}

export interface RemovePlan {
  items: RemoveItem[];
  /** Distinct references, in order. */
  references: string[];
  /** Images that will be deleted. */
  imagesDeleted: number;
}

export function planRemoval(selected: readonly TagRow[], force: boolean): RemovePlan {
  const byImage = new Map<string, TagRow[]>();
  for (const r of selected) {
    const list = byImage.get(r.id);
    if (list) list.push(r);
    else byImage.set(r.id, [r]);
  }
  const items: RemoveItem[] = [];
  const references: string[] = [];
  const add = (ref: string) => {
    if (!references.includes(ref)) references.push(ref);
  };
  let imagesDeleted = 0;
  for (const [id, rows] of byImage) {
    const names = rows[0].image.tags;
    const chosen = new Set(rows.map((r) => r.name).filter((n): n is string => n !== null));
    const whole = names.length === 0 || names.every((n) => chosen.has(n));
    if (whole) imagesDeleted++;
    const byId = whole && (force || names.length <= 1);
    if (whole && !byId) {
      for (const n of names) add(n);
    }
    for (const r of rows) {
      const reference = byId ? id : (r.name ?? id);
      if (byId) add(id);
      else if (!whole) add(reference);
      items.push({
        key: r.key,
        id,
        name: r.name,
        repository: r.repository,
        tag: r.tag,
        size: r.size,
        containers: r.containers,
        imageDeleted: whole,
        reference,
      });
    }
  }
  return { items, references, imagesDeleted };
}
