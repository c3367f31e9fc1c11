// The user's pins (protected images): a projection of the pins file the backend keeps (shared
// with the CLI). While that file is damaged, `damaged` says where it was kept and clean-up and
// delete are off — the backend refuses them anyway; the UI only shows it.
import { api, type DamagedPins, type PinsState } from '$lib/api';
import { pinMatcher } from '$lib/cleanup/pins';

export class PinsStore {
  patterns = $state.raw<string[]>([]);
  /** What protects now (the backend's answer: while damaged, the recovered pins too). */
  protecting = $state.raw<string[]>([]);
  damaged = $state.raw<DamagedPins | null>(null);
  /** Where the pins file lives. */
  file = $state('');
  #match = $derived(pinMatcher(this.protecting));

  /** Clean-up and delete are off until the user answers the damage. */
  get blocked(): boolean {
    return this.damaged !== null;
  }

  apply(state: PinsState): void {
    this.patterns = state.pins;
    this.protecting = state.protecting;
    this.damaged = state.damaged;
    this.file = state.file;
  }

  async load(): Promise<void> {
    try {
      this.apply(await api.pinsGet());
    } catch (e) {
      console.warn('pins unavailable', e);
    }
  }

  /** Saves the new list; the backend checks each pattern and answers with what it kept. */
  async set(patterns: string[]): Promise<void> {
    this.apply(await api.pinsSet(patterns));
  }

  add(pattern: string): Promise<void> {
    const p = pattern.trim();
    return this.set(this.patterns.includes(p) ? this.patterns : [...this.patterns, p]);
  }

  remove(pattern: string): Promise<void> {
    return this.set(this.patterns.filter((p) => p !== pattern));
  }

  /** The user's answer to a damaged pins file. */
  async resolve(keepRecovered: boolean): Promise<void> {
    this.apply(await api.pinsResolve(keepRecovered));
  }

  pinnedBy(id: string, tags: readonly string[]): string | null {
    return this.#match(id, tags);
  }

  reset(): void {
    this.patterns = [];
    this.protecting = [];
    this.damaged = null;
    this.file = '';
  }
}

export const pins = new PinsStore();
