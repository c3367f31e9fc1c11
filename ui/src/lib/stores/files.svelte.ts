// The app's own files as the backend reports them: settings or history kept aside this run
// (news until dismissed), and the pins state, handed to the pins store.
import { api, type KeptAside } from '$lib/api';
import { pins } from './pins.svelte';

export class FilesStore {
  keptAside = $state.raw<KeptAside[]>([]);

  async load(): Promise<void> {
    try {
      const state = await api.filesState();
      pins.apply(state.pins);
      this.keptAside = state.kept_aside;
    } catch (e) {
      console.warn('file state unavailable', e);
    }
  }

  async dismiss(keptAt: string): Promise<void> {
    this.keptAside = await api.filesDismiss(keptAt);
  }

  reset(): void {
    this.keptAside = [];
  }
}

export const files = new FilesStore();
