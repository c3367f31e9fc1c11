// The user's pins (protected images), kept by the backend in the app's settings.
import { api } from '$lib/api';
import { pinMatcher } from '$lib/cleanup/pins';

export class PinsStore {
  patterns = $state.raw<string[]>([]);
  #match = $derived(pinMatcher(this.patterns));

  async load(): Promise<void> {
    try {
      this.patterns = await api.pinsGet();
    } catch (e) {
      console.warn('pins unavailable', e);
    }
  }

  /** Saves the new list; the backend checks each pattern and answers with what it kept. */
  async set(patterns: string[]): Promise<void> {
    this.patterns = await api.pinsSet(patterns);
  }

  add(pattern: string): Promise<void> {
    const p = pattern.trim();
    return this.set(this.patterns.includes(p) ? this.patterns : [...this.patterns, p]);
  }

  remove(pattern: string): Promise<void> {
    return this.set(this.patterns.filter((p) => p !== pattern));
  }

  pinnedBy(id: string, tags: readonly string[]): string | null {
    return this.#match(id, tags);
  }
}

export const pins = new PinsStore();
