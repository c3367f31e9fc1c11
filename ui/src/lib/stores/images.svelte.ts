// The image list. Refreshed when the engine says images changed; the backend already
// coalesces bursts, and here a refresh in flight absorbs every event that arrives meanwhile
// into exactly one more refresh.
import {
  api,
  toApiError,
  type ApiError,
  type DiskUsage,
  type ImageSummary,
  type ImageUsage,
  type RemoveOutcome,
  type RemoveResult,
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

  /** Reload the list. While one load runs, further calls ask for one more after it. */
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

  /**
   * Remove images or names; one failure does not stop the rest. Resolves with each
   * reference's outcome, rejects (ApiError) only when nothing could be tried.
   */
  async remove(references: string[], force: boolean): Promise<RemoveOutcome[]> {
    try {
      return await api.imagesRemove(references, force);
    } catch (e) {
      throw toApiError(e);
    } finally {
      void this.refresh();
    }
  }

  /** Give image `source` the name `target`. */
  async tag(source: string, target: string): Promise<void> {
    try {
      await api.imageTag(source, target);
    } catch (e) {
      throw toApiError(e);
    }
    void this.refresh();
  }

  /** Remove one name (the image goes with its last name). */
  async untag(name: string): Promise<RemoveResult> {
    try {
      return await api.imageUntag(name);
    } catch (e) {
      throw toApiError(e);
    } finally {
      void this.refresh();
    }
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
