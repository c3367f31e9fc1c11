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
  summary = $state<Slot<ImageDetails>>(empty());
  history = $state<Slot<HistoryEntry[]>>(empty());
  inspect = $state<Slot<string>>(empty());
  containers = $state<Slot<ContainerRef[]>>(empty());

  /** Show `id`: forget what was loaded for another image. */
  show(id: string | null): void {
    if (this.id === id) return;
    this.id = id;
    this.summary = empty();
    this.history = empty();
    this.inspect = empty();
    this.containers = empty();
  }

  loadSummary(force = false): Promise<void> {
    return this.#load('summary', (id) => api.imageGet(id), force);
  }

  loadHistory(force = false): Promise<void> {
    return this.#load('history', (id) => api.imageHistory(id), force);
  }

  loadInspect(force = false): Promise<void> {
    return this.#load('inspect', (id) => api.imageInspect(id), force);
  }

  loadContainers(force = false): Promise<void> {
    return this.#load('containers', (id) => api.imageContainers(id), force);
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
