// The image lists and disk usage of the engines shown (one, or every reachable one in All
// engines), kept per engine. Refreshed when an engine says its images or their containers
// changed (the backend follows each engine and names it), and by anything else that knows
// they may have: `refresh()` is the one entry point (the disk view's button, a task that ended).
// A refresh of one engine in flight absorbs every call for it that arrives meanwhile into
// exactly one more refresh.
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
import { engine as engineStore } from './engine.svelte';

/** An engine as the image store names it: its key, or null for "the current one" (the
 *  backend's list of engines is not known). */
export type EngineKey = string | null;
/** Map key of the current engine when its key is not known. */
const CURRENT = '';

const slot = (engine: EngineKey): string => engine ?? CURRENT;
const unslot = (k: string): EngineKey => (k === CURRENT ? null : k);

interface Running {
  promise: Promise<void>;
  again: boolean;
  /** The next load reads the disk usage too (some call for it wanted it). */
  sizes: boolean;
}

export class ImagesStore {
  /** Each engine's list. Raw: thousands of rows are replaced, never mutated in place. */
  lists = $state.raw<ReadonlyMap<string, ImageSummary[]>>(new Map());
  /** Each engine's unique/shared bytes per image ID; filled in after its list. */
  usages = $state.raw<ReadonlyMap<string, ReadonlyMap<string, ImageUsage>>>(new Map());
  /** Each engine's disk usage: its image total counts shared layers once. */
  disks = $state.raw<ReadonlyMap<string, DiskUsage>>(new Map());
  /** Each engine's last list error. */
  errors = $state.raw<ReadonlyMap<string, ApiError>>(new Map());
  loading = $state(false);
  /** The first load finished (with or without error). */
  loaded = $state(false);

  #flat: ImageSummary[] = $derived([...this.lists.values()].flat());
  rows: TagRow[] = $derived(
    [...this.lists].flatMap(([k, list]) => buildRows(list, this.usages.get(k), unslot(k))),
  );
  byId: Map<string, ImageSummary> = $derived(new Map(this.#flat.map((i) => [i.id, i])));
  totals = $derived(sumTotals([...this.lists].map(([k, l]) => totals(l, this.disks.get(k)))));
  error: ApiError | null = $derived(this.errors.values().next().value ?? null);

  /** Every image of every engine shown (one engine: its list). Setting it: one engine's. */
  get images(): ImageSummary[] {
    return this.#flat;
  }
  set images(list: ImageSummary[]) {
    this.lists = new Map([[CURRENT, list]]);
  }

  /** Unique/shared bytes per image ID (every engine shown). Setting it: one engine's. */
  get usage(): ReadonlyMap<string, ImageUsage> {
    const merged = new Map<string, ImageUsage>();
    for (const m of this.usages.values()) for (const [id, u] of m) merged.set(id, u);
    return merged;
  }
  set usage(map: ReadonlyMap<string, ImageUsage>) {
    this.usages = new Map([[CURRENT, map]]);
  }

  /** The first engine's disk usage (the disk view shows one engine). */
  get disk(): DiskUsage | null {
    return this.disks.values().next().value ?? null;
  }
  set disk(d: DiskUsage | null) {
    this.disks = d ? new Map([[CURRENT, d]]) : new Map();
  }

  /** Called with the error of a failed refresh (the app shows a toast). */
  onError: ((e: ApiError) => void) | null = null;

  readonly #targets: () => readonly EngineKey[];
  #running = new Map<string, Running>();
  /** Engines whose shown list is a quick answer the list has not replaced yet. */
  #quick = new Set<string>();
  /** List requests in flight (`loading`); usage requests do not count. */
  #listing = 0;
  #unlisten: Unlisten | null = null;

  /** `targets`: the engines to show (default: the current one). */
  constructor(targets: () => readonly EngineKey[] = () => [null]) {
    this.#targets = targets;
  }

  /** The image `id` of `engine` (null: any engine shown). */
  imageOf(engine: EngineKey, id: string): ImageSummary | undefined {
    if (engine === null) return this.byId.get(id);
    return (this.lists.get(slot(engine)) ?? this.lists.get(CURRENT))?.find((i) => i.id === id);
  }

  /** Reload the list and (unless `sizes` is false: the backend said no bytes changed) the
   *  disk usage of `engine`, or of every engine shown. While one load of an engine runs,
   *  further calls for it ask for one more after it. */
  refresh(engine?: EngineKey, sizes = true): Promise<void> {
    const targets = engine === undefined ? this.#targets() : [engine];
    return Promise.all(targets.map((t) => this.#refreshOne(t, sizes))).then(() => undefined);
  }

  #refreshOne(engine: EngineKey, sizes: boolean): Promise<void> {
    const k = slot(engine);
    const running = this.#running.get(k);
    if (running) {
      running.again = true;
      running.sizes ||= sizes;
      return running.promise;
    }
    const entry: Running = { promise: Promise.resolve(), again: false, sizes };
    entry.promise = (async () => {
      try {
        do {
          const withSizes = entry.sizes;
          entry.again = false;
          entry.sizes = false;
          await this.#loadOnce(engine, withSizes);
        } while (entry.again);
      } finally {
        this.#running.delete(k);
      }
    })();
    this.#running.set(k, entry);
    return entry.promise;
  }

  /** Keep only these engines' images (another engine chosen, or one lost). */
  retain(engines: readonly EngineKey[]): void {
    const keep = new Set(engines.map(slot));
    const pick = <V>(m: ReadonlyMap<string, V>) => new Map([...m].filter(([k]) => keep.has(k)));
    this.lists = pick(this.lists);
    this.usages = pick(this.usages);
    this.disks = pick(this.disks);
    this.errors = pick(this.errors);
    if (this.lists.size === 0) this.loaded = false;
  }

  #shown(k: string): boolean {
    return this.#targets().some((t) => slot(t) === k);
  }

  async #loadOnce(engine: EngineKey, sizes: boolean): Promise<void> {
    const k = slot(engine);
    this.#listing++;
    this.loading = true;
    // An engine's first load paints the rows of its quick answer first where it has one
    // (Podman: its df in ~0.6 s where its list takes ~10 s at 1,000 images). Asked before
    // the list, not beside it: the two at once slowed the df to 3 s on a 2-core machine.
    if (!this.lists.has(k)) await this.#paintQuick(engine);
    try {
      const list = await api.imagesList(engine);
      // Switched away meanwhile: an answer for an engine no longer shown is dropped.
      if (!this.#shown(k)) return;
      this.lists = new Map(this.lists).set(k, list);
      if (this.errors.has(k)) {
        const errors = new Map(this.errors);
        errors.delete(k);
        this.errors = errors;
      }
    } catch (e) {
      const err = toApiError(e);
      // Quick rows the list could not confirm are not shown beside its error.
      if (this.#quick.delete(k)) {
        const lists = new Map(this.lists);
        lists.delete(k);
        this.lists = lists;
      }
      if (this.#shown(k)) this.errors = new Map(this.errors).set(k, err);
      this.onError?.(err);
      return;
    } finally {
      this.#quick.delete(k);
      this.#listing--;
      this.loading = this.#listing > 0;
      // Only an answer for an engine shown makes the grid ready: a late one for an engine
      // switched away from (or for "current" before the list named it) shows nothing.
      if (this.#shown(k)) this.loaded = true;
    }
    if (sizes) await this.#loadUsage(engine);
  }

  /** Show `engine`'s quick rows, if it has a quick answer and nothing is shown for it yet;
   *  the list replaces them. `loading` stays on until the list is in. */
  async #paintQuick(engine: EngineKey): Promise<void> {
    const k = slot(engine);
    try {
      const quick = await api.imagesQuickList(engine);
      if (quick === null || this.lists.has(k) || !this.#shown(k)) return;
      this.#quick.add(k);
      this.lists = new Map(this.lists).set(k, quick);
      this.loaded = true;
    } catch {
      // Nothing to paint early: the list says what is wrong, if anything is.
    }
  }

  /** Sizes that need more than the list: shown when they arrive, the grid does not wait.
   *  One request for both (Docker runs one df at a time). A failure keeps the last numbers
   *  (the list itself is fine). */
  async #loadUsage(engine: EngineKey): Promise<void> {
    const k = slot(engine);
    try {
      const snapshot = await api.usageSnapshot(engine);
      if (!this.#shown(k)) return;
      this.usages = new Map(this.usages).set(k, new Map(snapshot.images.map((u) => [u.id, u])));
      this.disks = new Map(this.disks).set(k, snapshot.disk);
    } catch (e) {
      console.warn('disk usage unavailable', e);
    }
  }

  /** What removing these names/IDs of `engine` would do, decided by the backend. */
  async removePlan(
    references: string[],
    force: boolean,
    engine: EngineKey = null,
  ): Promise<RemovalPlan> {
    try {
      return await api.imagesRemovePlan(references, force, engine);
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
    engine: EngineKey = null,
  ): Promise<RemovalReport> {
    try {
      return await api.imagesRemove(references, force, acceptContainers, engine);
    } catch (e) {
      throw toApiError(e);
    } finally {
      void this.refresh(engine ?? undefined);
    }
  }

  /** Give image `source` of `engine` the name `target`. A name another image holds comes
   *  back as a conflict (nothing changed) unless `moveFrom` is that image's ID. */
  async tag(
    source: string,
    target: string,
    moveFrom: string | null = null,
    engine: EngineKey = null,
  ): Promise<TagOutcome> {
    let outcome: TagOutcome;
    try {
      outcome = await api.imageTag(source, target, moveFrom, engine);
    } catch (e) {
      throw toApiError(e);
    }
    if (outcome.status === 'tagged') void this.refresh(engine ?? undefined);
    return outcome;
  }

  /** Follow the engines' image events: only the engine that changed is reloaded. */
  async listen(): Promise<void> {
    if (this.#unlisten) return;
    try {
      this.#unlisten = await api.onImagesChanged((change) => {
        const named = change.engine ?? null;
        const shown = this.#targets();
        // The current engine (key unknown) stands for any engine's events.
        const sizes = change.sizes;
        if (named !== null && shown.includes(named)) void this.refresh(named, sizes);
        else if (named === null || shown.includes(null)) void this.refresh(undefined, sizes);
      });
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
    this.lists = new Map();
    this.usages = new Map();
    this.disks = new Map();
    this.errors = new Map();
    this.loaded = false;
    this.#running.clear();
    this.#listing = 0;
    this.loading = false;
  }
}

function sumTotals(parts: { count: number; size: number; exact: boolean }[]) {
  return parts.reduce(
    (a, b) => ({ count: a.count + b.count, size: a.size + b.size, exact: a.exact && b.exact }),
    { count: 0, size: 0, exact: parts.length > 0 },
  );
}

// The app's store follows the engines the engine store says are shown.
export const images = new ImagesStore(() => engineStore.targets);
