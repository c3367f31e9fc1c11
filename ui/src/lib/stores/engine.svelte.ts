// The engines: every one the backend knows with its state (connected, connecting,
// unreachable and why), which one the user looks at (one engine or All engines), and the
// current engine's status for the header and the "no engine" screen. A projection of the
// backend's events (`EnginesChanged`, `EngineStatusChanged`).
import {
  api,
  toApiError,
  type ApiError,
  type EngineChoice,
  type EnginesList,
  type EngineStatus,
  type EngineView,
  type Unlisten,
} from '$lib/api';

/** While the backend is still connecting at startup it reports neither success nor error;
 *  ask again this often in case its status event was missed. */
const CONNECTING_POLL_MS = 1500;

export class EngineStore {
  /** null until the first answer. */
  status = $state<EngineStatus | null>(null);
  /** Every engine and the choice; null until the first answer (then: the current engine). */
  list = $state.raw<EnginesList | null>(null);
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

  engines: EngineView[] = $derived(this.list?.engines ?? []);
  /** The user looks at every reachable engine in one grid. */
  all = $derived(this.list?.choice === 'all');
  /** Where a command without an engine goes (pull, build, load). */
  currentKey = $derived(this.list?.current ?? null);
  current: EngineView | null = $derived(
    this.engines.find((e) => e.key === this.currentKey) ?? null,
  );
  /** The engines whose images are shown: null stands for "the current one" while the list
   *  is not known. */
  targets: (string | null)[] = $derived.by(() => {
    if (this.list === null) return [null];
    if (this.all) return this.engines.filter((e) => e.state === 'connected').map((e) => e.key);
    return this.current?.state === 'connected' ? [this.current.key] : [];
  });
  /** `targets` as one value that only changes when they do (the list is replaced on every
   *  engine's state change; effects keyed on this do not re-run for nothing). */
  targetsKey = $derived(this.targets.join('\n'));
  /** In All engines: the engines whose images are not shown because they cannot be reached. */
  unreachable: EngineView[] = $derived(
    this.all ? this.engines.filter((e) => e.state === 'unreachable') : [],
  );
  /** Identifies what is shown: changes when another engine (or set of engines) is. */
  connectionKey = $derived.by(() => {
    if (!this.connected) return null;
    if (this.list === null) return this.info ? this.info.host : null;
    return this.targets.length > 0 ? this.targets.join('\n') : null;
  });

  #unlisten: Unlisten[] = [];
  #poll: ReturnType<typeof setTimeout> | null = null;
  #started = false;
  /** Events received: an answer asked for before the latest event is older than it. */
  #events = 0;
  #listEvents = 0;

  /** Listen first, then ask: an event between the two is not lost. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    try {
      this.#unlisten.push(
        await api.onEngineStatusChanged((s) => {
          this.#events++;
          this.set(s);
        }),
      );
      this.#unlisten.push(
        await api.onEnginesChanged((l) => {
          this.#listEvents++;
          this.list = l;
        }),
      );
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
    for (const u of this.#unlisten) u();
    this.#unlisten = [];
    if (this.#poll) clearTimeout(this.#poll);
    this.#poll = null;
    this.#started = false;
  }

  /** The status and the engine list, asked together and set in one step: a status set
   *  before its list made the window load "the current engine" and then, once the list
   *  named it, the same engine again (every launch listed the images twice). */
  async load(): Promise<void> {
    const seen = this.#events;
    const seenList = this.#listEvents;
    // One after the other, as before: the list is then at least as new as the status.
    const [status] = await Promise.allSettled([api.engineStatus()]);
    const [list] = await Promise.allSettled([api.enginesList()]);
    // An event that came while asking is newer than the answer.
    if (list.status === 'fulfilled' && list.value && seenList === this.#listEvents) {
      this.list = list.value;
    } else if (list.status === 'rejected') {
      console.warn('engine list unavailable', list.reason);
    }
    if (status.status === 'fulfilled') {
      if (seen === this.#events) this.set(status.value);
      this.error = null;
    } else {
      this.error = toApiError(status.reason);
    }
  }

  async loadList(): Promise<void> {
    const seen = this.#listEvents;
    try {
      const l = await api.enginesList();
      if (l && seen === this.#listEvents) this.list = l;
    } catch (e) {
      console.warn('engine list unavailable', e);
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

  /** The engine with this key. */
  byKey(key: string | null): EngineView | null {
    return key === null ? this.current : (this.engines.find((e) => e.key === key) ?? null);
  }

  /** Try every engine again. */
  retry(): Promise<void> {
    return this.#run(() => api.engineRetry());
  }

  /** Connect to `host` and remember it; null goes back to automatic. */
  choose(host: string | null): Promise<void> {
    const h = host?.trim() ? host.trim() : null;
    return this.#run(() => api.engineChoose(h));
  }

  /** Look at one engine (its key) or at all of them; remembered by the backend. */
  async select(choice: EngineChoice): Promise<void> {
    try {
      this.list = await api.engineSelect(choice);
      this.error = null;
      // The current engine's status follows (also sent as an event).
      this.set(await api.engineStatus());
    } catch (e) {
      this.error = toApiError(e);
    }
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
    await this.loadList();
  }
}

export const engine = new EngineStore();
