// The engine connection: what the header shows, and the "no engine" screen's actions.
import { api, toApiError, type ApiError, type EngineStatus, type Unlisten } from '$lib/api';

/** While the backend is still connecting at startup it reports neither success nor error;
 *  ask again this often in case its status event was missed. */
const CONNECTING_POLL_MS = 1500;

export class EngineStore {
  /** null until the first answer. */
  status = $state<EngineStatus | null>(null);
  /** A retry/choose is in flight. */
  busy = $state(false);
  /** A command about the engine failed (the status itself names connection errors). */
  error = $state<ApiError | null>(null);
  candidates = $state<string[]>([]);

  connected = $derived(this.status?.connected === true);
  /** Not connected and no reason given yet: the backend is still trying. */
  connecting = $derived(
    !this.error && (this.status === null || (!this.status.connected && !this.status.error)),
  );
  info = $derived(this.status?.info ?? null);
  sandbox = $derived(this.status?.sandbox === true);
  /** Identifies the connection: changes when another engine is connected. */
  connectionKey = $derived(
    this.status?.connected && this.status.info ? `${this.status.info.host}` : null,
  );

  #unlisten: Unlisten | null = null;
  #poll: ReturnType<typeof setTimeout> | null = null;
  #started = false;

  /** Listen first, then ask: a status event between the two is not lost. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    try {
      this.#unlisten = await api.onEngineStatusChanged((s) => this.set(s));
    } catch (e) {
      // Outside Tauri there are no events; the status call below reports the real problem.
      console.warn('engine status events unavailable', e);
    }
    await this.load();
    api
      .engineCandidates()
      .then((c) => (this.candidates = c))
      .catch(() => (this.candidates = []));
  }

  stop(): void {
    this.#unlisten?.();
    this.#unlisten = null;
    if (this.#poll) clearTimeout(this.#poll);
    this.#poll = null;
    this.#started = false;
  }

  async load(): Promise<void> {
    try {
      this.set(await api.engineStatus());
      this.error = null;
    } catch (e) {
      this.error = toApiError(e);
    }
  }

  set(status: EngineStatus): void {
    this.status = status;
    // A status arrived: the backend answers, whatever failed before.
    this.error = null;
    if (this.#poll) clearTimeout(this.#poll);
    this.#poll = null;
    if (this.#started && !status.connected && !status.error) {
      this.#poll = setTimeout(() => void this.load(), CONNECTING_POLL_MS);
    }
  }

  /** Try the current choice again. */
  retry(): Promise<void> {
    return this.#run(() => api.engineRetry());
  }

  /** Connect to `host` and remember it; null goes back to automatic. */
  choose(host: string | null): Promise<void> {
    const h = host?.trim() ? host.trim() : null;
    return this.#run(() => api.engineChoose(h));
  }

  async #run(call: () => Promise<EngineStatus>): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      this.set(await call());
      this.error = null;
    } catch (e) {
      this.error = toApiError(e);
    } finally {
      this.busy = false;
    }
  }
}

export const engine = new EngineStore();
