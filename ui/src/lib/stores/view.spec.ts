// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { buildRows } from '$lib/grid/rows';
import { SelectionStore } from './selection.svelte';
import { ViewStore } from './view.svelte';
import { hexId, image } from '$test/fixtures';

const rows = buildRows([
  image({ id: hexId('a1'), tags: ['demo/app:1'], size: 1 }),
  image({ id: hexId('b2'), tags: ['other:1'], size: 2 }),
]);

describe('ViewStore', () => {
  it('sorts by a new column in its natural direction, then flips', () => {
    const v = new ViewStore(() => rows, new SelectionStore());
    v.sortBy('repository');
    expect(v.sort).toEqual({ key: 'repository', dir: 'asc' });
    v.sortBy('repository');
    expect(v.sort).toEqual({ key: 'repository', dir: 'desc' });
    v.sortBy('size');
    expect(v.sort).toEqual({ key: 'size', dir: 'desc' });
  });

  it('acts on selected rows that pass the search only', () => {
    const sel = new SelectionStore();
    const v = new ViewStore(() => rows, sel);
    sel.set(rows.map((r) => r.key));
    v.query = 'demo';
    expect(v.selectedRows.map((r) => r.name)).toEqual(['demo/app:1']);
  });

  it('opens the remove dialog for the selection, else the focused row, else not at all', () => {
    const sel = new SelectionStore();
    const v = new ViewStore(() => rows, sel);
    expect(v.openRemove()).toBe(false);
    sel.focus(rows[1].key);
    expect(v.openRemove()).toBe(true);
    expect(v.removeRows?.map((r) => r.name)).toEqual(['other:1']);
    sel.set([rows[0].key]);
    v.openRemove();
    expect(v.removeRows?.map((r) => r.name)).toEqual(['demo/app:1']);
  });

  it('starts on the images page; the prune dialogs count as modal', () => {
    const v = new ViewStore(() => rows, new SelectionStore());
    expect(v.page).toBe('images');
    expect(v.modalOpen).toBe(false);
    v.pruneOpen = true;
    expect(v.modalOpen).toBe(true);
    v.pruneOpen = false;
    v.buildCachePruneOpen = true;
    expect(v.modalOpen).toBe(true);
  });
});

describe('ViewStore with rows of several engines', () => {
  it('refuses a toolbar action on a selection that spans engines', () => {
    const one = [image({ id: hexId('a1'), tags: ['demo/app:1'] })];
    const rows = [...buildRows(one, new Map(), 'desk'), ...buildRows(one, new Map(), 'lab')];
    const selection = new SelectionStore();
    const v = new ViewStore(() => rows, selection);
    selection.setMany([rows[0].key], true);
    expect(v.openRemove()).toBe(true);
    expect(v.removeRows?.map((r) => r.engine)).toEqual(['desk']);
    v.closeRemove();
    selection.setMany([rows[1].key], true);
    expect(v.mixedSelection).toBe(true);
    expect(v.openRemove()).toBe(false);
    expect(v.openSave()).toBe(false);
  });
});
