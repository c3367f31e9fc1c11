// What the remove dialog sends and how it words the backend's answers. The rules — which names
// go, which images are deleted, what is refused and whether Force would help — live in the
// backend's removal plan (slipway-core images/remove_plan.rs); nothing here decides them.
import type { ContainerRef, ImageOutcome, Refusal, RemovalPlan } from '../api';
import { tk, type MessageKey } from '../i18n';
import { shortId } from '../format';
import type { TagRow } from './rows';

/** One reference per selected row: its name, or the image ID for a row without one. */
export function selectionReferences(rows: readonly TagRow[]): string[] {
  const refs: string[] = [];
  for (const r of rows) {
    const ref = r.name ?? r.id;
    if (!refs.includes(ref)) refs.push(ref);
  }
  return refs;
}

/** `web (exited), db (running)`. */
export function containerList(containers: readonly ContainerRef[]): string {
  return containers.map((c) => `${c.name || shortId(c.id)} (${c.state})`).join(', ');
}

export interface Sentence {
  key: MessageKey;
  values: Record<string, string | number>;
}

/** The app's own sentence for why an image is kept. */
export function refusalSentence(r: Refusal): Sentence {
  switch (r.kind) {
    case 'pinned':
      return { key: tk('remove.refused.pinned'), values: { pattern: r.pattern } };
    case 'in_use':
      return {
        key: r.forceable ? tk('remove.refused.inUseForceable') : tk('remove.refused.inUse'),
        values: { count: r.containers.length, containers: containerList(r.containers) },
      };
    case 'running':
      return {
        key: tk('remove.refused.running'),
        values: { count: r.containers.length, containers: containerList(r.containers) },
      };
    case 'has_children':
      return { key: tk('remove.refused.hasChildren'), values: { count: r.children.length } };
    case 'several_names':
      return { key: tk('remove.refused.severalNames'), values: { names: r.names.join(', ') } };
    case 'containers_not_accepted':
      return {
        key: tk('remove.refused.containersNotAccepted'),
        values: { count: r.containers.length, containers: containerList(r.containers) },
      };
    case 'not_found':
      return { key: tk('remove.refused.notFound'), values: {} };
    case 'ambiguous':
      return { key: tk('remove.refused.ambiguous'), values: { count: r.ids.length } };
  }
}

/** Containers a forced plan deletes (Podman): the user must agree to each, by ID. */
export function containersDeleted(plan: RemovalPlan | null): ContainerRef[] {
  if (!plan) return [];
  const seen = new Map<string, ContainerRef>();
  for (const i of plan.images) for (const c of i.containers_deleted) seen.set(c.id, c);
  return [...seen.values()];
}

/** Containers that stay although the image they were made from is deleted (Docker's force). */
export function containersKept(plan: RemovalPlan | null): ContainerRef[] {
  if (!plan) return [];
  const seen = new Map<string, ContainerRef>();
  for (const i of plan.images) for (const c of i.containers_kept) seen.set(c.id, c);
  return [...seen.values()];
}

/** An outcome the user should look at: something asked for did not happen. */
export function fellShort(o: ImageOutcome): boolean {
  return o.error !== null || o.refusal !== null;
}
