// Recent builds (path, tags, options) for one-click rebuild, kept across restarts.
import type { BuildForm } from '$lib/build/form';

const KEY = 'slipway.recentBuilds.v1';
export const KEEP_BUILDS = 10;

export interface RecentBuild {
  form: BuildForm;
  at: number;
}

export class BuildsStore {
  recent = $state<RecentBuild[]>(this.#read());

  #read(): RecentBuild[] {
    try {
      const parsed = JSON.parse(globalThis.localStorage?.getItem(KEY) ?? '[]');
      return Array.isArray(parsed) ? parsed : [];
    } catch {
      return [];
    }
  }

  /** Remember a started build; the same context+Dockerfile+tags replaces its older entry. */
  remember(form: BuildForm): void {
    const same = (f: BuildForm) =>
      f.context === form.context && f.dockerfile === form.dockerfile && f.tags === form.tags;
    this.recent = [
      { form: $state.snapshot(form), at: Date.now() },
      ...this.recent.filter((r) => !same(r.form)),
    ].slice(0, KEEP_BUILDS);
    try {
      globalThis.localStorage?.setItem(KEY, JSON.stringify(this.recent));
    } catch (e) {
      console.warn('recent builds not kept', e);
    }
  }

  reload(): void {
    this.recent = this.#read();
  }
}

export const builds = new BuildsStore();
