// Vitest setup: the backend replaced by `mockApi`, DOM matchers, English messages, and a clean
// slate for every test.
import '@testing-library/jest-dom/vitest';
import { afterEach, beforeEach, vi } from 'vitest';
import { locale } from 'svelte-i18n';
import { setupI18n } from '$lib/i18n';
import { prefs } from '$lib/stores/prefs.svelte';
import { resetMockApi } from './mock-api';
import { resetStores } from './stores';

// No IPC in tests: every store talks to the mock. (api.spec.ts tests the real wrapper.)
vi.mock('$lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('$lib/api')>()),
  api: (await import('./mock-api')).mockApi,
}));

// jsdom has no layout, hence no ResizeObserver (Svelte's bind:clientHeight uses it).
globalThis.ResizeObserver ??= class {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
};

setupI18n('en');

beforeEach(() => {
  globalThis.localStorage?.clear();
  prefs.language = 'en';
  locale.set('en');
  resetMockApi();
  resetStores();
});

afterEach(() => {
  resetStores();
});
