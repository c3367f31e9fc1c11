// Helpers to put the app's stores into a given state before rendering a component.
import type { EngineStatus, ImageSummary } from '$lib/api';
import { engine } from '$lib/stores/engine.svelte';
import { images } from '$lib/stores/images.svelte';
import { connectedStatus } from './fixtures';

/** As if the backend had answered: engine connected, list loaded. */
export function given(list: ImageSummary[], status: EngineStatus = connectedStatus()): void {
  engine.status = status;
  images.images = list;
  images.loaded = true;
}
