// The image list and disk usage. Refreshed when the engine says images or their containers
// changed (the backend follows both and coalesces bursts), and by anything else that knows
// they may have: `refresh()` is the one entry point (the disk view's button, a task that ended).
// A refresh in flight absorbs every call that arrives meanwhile into exactly one more refresh.
import {
  api,
  toApiError,
  type ApiError,
  type DiskUsage,
  type ImageSummary,
  type ImageUsage,
  type RemovalPlan,
  type RemovalReport,
  type TagOutcome,
  type Unlisten,
} from '$lib/api';
import { buildRows, totals, type TagRow } from '$lib/grid/rows';

export class ImagesStore {
  /** Raw: thousands of rows are replaced, never mutated in place. */
  images = $state.raw<ImageSummary[]>([]);
  loading = $state(false);
  /** The first load finished (with or without error). */
  loaded = $state(false);
  error = $state<ApiError | null>(null);
  /** Unique/shared bytes per image ID; filled in after the list (it can take longer). */
  usage = $state.raw<Map<string, ImageUsage>>(new Map());
  /** The engine's disk usage: its image total counts shared layers once. */
  disk = $state.raw<DiskUsage | null>(null);

  rows: TagRow[] = $derived(buildRows(this.images, this.usage));
  byId: Map<string, ImageSummary> = $derived(new Map(this.images.map((i) => [i.id, i])));
  totals = $derived(totals(this.images, this.disk));

  /** Called with the error of a failed refresh (the app shows a toast). */
  onError: ((e: ApiError) => void) | null = null;

  #running: Promise<void> | null = null;
  #again = false;
  #unlisten: Unlisten | null = null;

  /** Reload the list and disk usage. While one load runs, further calls ask for one more
   *  after it. Call it whenever images may have changed without an engine event. */
  refresh(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      try {
        do {
          this.#again = false;
          await this.#loadOnce();
        } while (this.#again);
      } finally {
        this.#running = null;
      }
    })();
    return this.#running;
  }

  async #loadOnce(): Promise<void> {
    this.loading = true;
    try {
      this.images = await api.imagesList();
      this.error = null;
    } catch (e) {
      const err = toApiError(e);
      this.error = err;
      this.onError?.(err);
      return;
    } finally {
      this.loading = false;
      this.loaded = true;
    }
    await this.#loadUsage();
  }

  /** Sizes that need more than the list: shown when they arrive, the grid does not wait.
   *  One request for both (Docker runs one df at a time). A failure keeps the last numbers
   *  (the list itself is fine). */
  async #loadUsage(): Promise<void> {
    try {
      const snapshot = await api.usageSnapshot();
      this.usage = new Map(snapshot.images.map((u) => [u.id, u]));
      this.disk = snapshot.disk;
    } catch (e) {
      console.warn('disk usage unavailable', e);
    }
  }

  /** What removing these names/IDs would do, decided by the backend. Changes nothing. */
  async removePlan(references: string[], force: boolean): Promise<RemovalPlan> {
    try {
      return await api.imagesRemovePlan(references, force);
    } catch (e) {
      throw toApiError(e);
    }
  }

  /**
   * Remove as planned (the backend plans again first); each image is removed all or nothing.
   * Resolves with what the engine then holds; rejects (ApiError) only when nothing could be tried.
   */
  async remove(
    references: string[],
    force: boolean,
    acceptContainers: string[] = [],
  ): Promise<RemovalReport> {
    try {
      return await api.imagesRemove(references, force, acceptContainers);
    } catch (e) {
      throw toApiError(e);
    } finally {
      void this.refresh();
    }
  }

  /** Give image `source` the name `target`. A name another image holds comes back as a
   *  conflict (nothing changed) unless `moveFrom` is that image's ID. */
  async tag(source: string, target: string, moveFrom: string | null = null): Promise<TagOutcome> {
    let outcome: TagOutcome;
    try {
      outcome = await api.imageTag(source, target, moveFrom);
    } catch (e) {
      throw toApiError(e);
    }
    if (outcome.status === 'tagged') void this.refresh();
    return outcome;
  }

  /** Follow the engine's image events. */
  async listen(): Promise<void> {
    if (this.#unlisten) return;
    try {
      this.#unlisten = await api.onImagesChanged(() => void this.refresh());
    } catch (e) {
      console.warn('image events unavailable', e);
    }
  }

  stop(): void {
    this.#unlisten?.();
    this.#unlisten = null;
  }

  /** Forget everything (another engine, or none). */
  reset(): void {
    this.images = [];
    this.usage = new Map();
    this.disk = null;
    this.loaded = false;
    this.error = null;
  }
}

export const images = new ImagesStore();
