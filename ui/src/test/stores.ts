// Put the app's singleton stores back to their first state between tests.
import { builds } from '$lib/stores/builds.svelte';
import { clock } from '$lib/stores/clock.svelte';
import { details } from '$lib/stores/details.svelte';
import { engine } from '$lib/stores/engine.svelte';
import { files } from '$lib/stores/files.svelte';
import { images } from '$lib/stores/images.svelte';
import { pins } from '$lib/stores/pins.svelte';
import { selection } from '$lib/stores/selection.svelte';
import { tasks } from '$lib/stores/tasks.svelte';
import { toasts } from '$lib/stores/toasts.svelte';
import { view } from '$lib/stores/view.svelte';

export function resetStores(): void {
  engine.stop();
  engine.status = null;
  engine.error = null;
  engine.busy = false;
  engine.candidates = [];
  images.stop();
  images.reset();
  images.onError = null;
  pins.reset();
  files.reset();
  selection.clear();
  selection.focused = null;
  view.page = 'images';
  view.query = '';
  view.filter = 'all';
  view.sort = { key: 'created', dir: 'desc' };
  view.group = false;
  view.expanded = new Set();
  view.closeDetails();
  view.detailsTab = 'summary';
  view.closeRemove();
  view.closeSave();
  view.pullOpen = false;
  view.pushRow = null;
  view.loadPath = null;
  view.buildSeed = null;
  view.pruneOpen = false;
  view.buildCachePruneOpen = false;
  details.show(null);
  toasts.clear();
  tasks.reset();
  builds.reload();
  clock.stop();
  clock.now = Date.now();
}
