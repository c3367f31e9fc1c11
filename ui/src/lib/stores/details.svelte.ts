// The details panel's data for one image: summary, history and raw inspect, each loaded when
// first needed. Answers for an image no longer shown are dropped.
import {
  api,
  toApiError,
  type ApiError,
  type ContainerRef,
  type HistoryEntry,
  type ImageDetails,
} from '$lib/api';

interface Slot<T> {
  data: T | null;
  loading: boolean;
  error: ApiError | null;
}

function empty<T>(): Slot<T> {
  return { data: null, loading: false, error: null };
}

export class DetailsStore {
  id = $state<string | null>(null);
  /** The engine the image is on (null: the current engine). */
  engine = $state<string | null>(null);
  summary = $state<Slot<ImageDetails>>(empty());
  history = $state<Slot<HistoryEntry[]>>(empty());
  inspect = $state<Slot<string>>(empty());
  containers = $state<Slot<ContainerRef[]>>(empty());

  /** Show `id` of `engine`: forget what was loaded for another image. */
  show(id: string | null, engine: string | null = null): void {
    if (this.id === id && this.engine === engine) return;
    this.id = id;
    this.engine = engine;
    this.summary = empty();
    this.history = empty();
    this.inspect = empty();
    this.containers = empty();
  }

  loadSummary(force = false): Promise<void> {
    return this.#load('summary', (id) => api.imageGet(id, this.engine), force);
  }

  loadHistory(force = false): Promise<void> {
    return this.#load('history', (id) => api.imageHistory(id, this.engine), force);
  }

  loadInspect(force = false): Promise<void> {
    return this.#load('inspect', (id) => api.imageInspect(id, this.engine), force);
  }

  loadContainers(force = false): Promise<void> {
    return this.#load('containers', (id) => api.imageContainers(id, this.engine), force);
  }

  async #load<K extends 'summary' | 'history' | 'inspect' | 'containers'>(
    slot: K,
    call: (id: string) => Promise<NonNullable<this[K]['data']>>,
    force: boolean,
  ): Promise<void> {
    const id = this.id;
    if (id === null) return;
    const current = this[slot];
    if (current.loading || (!force && (current.data !== null || current.error !== null))) return;
    this[slot] = { ...current, loading: true, error: null } as this[K];
    try {
      const data = await call(id);
      if (this.id === id) this[slot] = { data, loading: false, error: null } as this[K];
    } catch (e) {
      if (this.id === id)
        this[slot] = { data: null, loading: false, error: toApiError(e) } as this[K];
    }
  }
}

export const details = new DetailsStore();
