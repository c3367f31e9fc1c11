// Recent builds (path, tags, options) for one-click rebuild: a projection of the list the
// backend keeps in the app's data folder. Build args can be secrets, so the window never
// keeps them in its own storage; an older version did, and `load` hands that copy over to
// the backend once, then deletes it.
import { api, type RecentBuild } from '$lib/api';
import type { BuildForm } from '$lib/build/form';

/** Where an older version kept recent builds (with their build args) in localStorage. */
export const OLD_KEY = 'slipway.recentBuilds.v1';

function readOld(): string | null {
  try {
    return globalThis.localStorage?.getItem(OLD_KEY) ?? null;
  } catch {
    return null;
  }
}

/** What an old entry must have to be worth handing over. */
function isEntry(v: unknown): v is RecentBuild {
  if (!v || typeof v !== 'object' || !('form' in v) || !('at' in v)) return false;
  const form = (v as { form: unknown }).form;
  return (
    typeof (v as { at: unknown }).at === 'number' &&
    !!form &&
    typeof form === 'object' &&
    typeof (form as { context?: unknown }).context === 'string'
  );
}

export class BuildsStore {
  recent = $state.raw<RecentBuild[]>([]);

  /** The backend's list; at the first start after the move, the old copy is handed over. */
  async load(): Promise<void> {
    let moved: RecentBuild[] | null = null;
    try {
      moved = await this.#migrate();
    } catch (e) {
      // The old copy stays for the next start; the backend's list is still shown.
      console.warn('recent builds not moved yet', e);
    }
    try {
      this.recent = moved ?? (await api.buildsRecent());
    } catch (e) {
      console.warn('recent builds unavailable', e);
    }
  }

  /** Hands the old localStorage entries to the backend, then deletes them (only once the
   *  backend has them: a failure leaves them for the next start). Null: nothing to move. */
  async #migrate(): Promise<RecentBuild[] | null> {
    const raw = readOld();
    if (raw === null) return null;
    let parsed: unknown = [];
    try {
      parsed = JSON.parse(raw);
    } catch {
      // Unreadable: nothing to hand over, and nothing worth keeping in the window.
    }
    const entries = Array.isArray(parsed) ? parsed.filter(isEntry) : [];
    const kept = await api.buildsMigrate(entries);
    try {
      globalThis.localStorage?.removeItem(OLD_KEY);
    } catch (e) {
      console.warn('old recent builds not removed', e);
    }
    return kept;
  }

  /** A build was started: the backend puts it first (the same build replaces its entry). */
  async remember(form: BuildForm): Promise<void> {
    this.recent = await api.buildsRemember(form);
  }

  async forget(at: number | null): Promise<void> {
    this.recent = await api.buildsForget(at);
  }

  reset(): void {
    this.recent = [];
  }
}

export const builds = new BuildsStore();
