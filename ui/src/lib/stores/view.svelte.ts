// How the grid is looked at (search, filter, sort, grouping) and what is open over it
// (details, remove dialog). The rows themselves come from the images store.
import {
  buildView,
  groupKey,
  type Filter,
  type Sort,
  type SortKey,
  type TagRow,
  type View,
} from '$lib/grid/rows';
import type { BuildForm } from '$lib/build/form';
import type { ManualEngine } from '$lib/api';
import { planSave } from '$lib/grid/save';
import { images } from './images.svelte';
import { selection as defaultSelection, type SelectionStore } from './selection.svelte';

export type DetailsTab = 'summary' | 'history' | 'inspect' | 'tags';
export type Page = 'images' | 'disk';

/** Numbers read best largest-first; names A→Z. */
const DEFAULT_DIR: Record<SortKey, Sort['dir']> = {
  repository: 'asc',
  tag: 'asc',
  id: 'asc',
  created: 'desc',
  size: 'desc',
  unique: 'desc',
  containers: 'desc',
  engine: 'asc',
};

export class ViewStore {
  /** The page under the header: the images grid or the disk usage view. */
  page = $state<Page>('images');
  query = $state('');
  filter = $state<Filter>('all');
  sort = $state<Sort>({ key: 'created', dir: 'desc' });
  group = $state(false);
  expanded = $state.raw<ReadonlySet<string>>(new Set());

  /** The image whose details are open. */
  detailsId = $state<string | null>(null);
  /** The name the details were opened from (its row), if any. */
  detailsName = $state<string | null>(null);
  /** The engine of the image whose details are open (null: the current engine). */
  detailsEngine = $state<string | null>(null);
  detailsTab = $state<DetailsTab>('summary');
  /** The remove dialog is open for these rows (as they were when it opened). */
  removeRows = $state.raw<TagRow[] | null>(null);
  /** Rows the save dialog is open for, or null. */
  saveRows = $state.raw<TagRow[] | null>(null);
  pullOpen = $state(false);
  /** The row the push dialog is open for, or null. */
  pushRow = $state.raw<TagRow | null>(null);
  /** The build form is open, prefilled with this (a drop, or nothing), or null. */
  buildSeed = $state.raw<Partial<BuildForm> | null>(null);
  /** The load dialog is open, with this path (possibly dropped), or null. */
  loadPath = $state<string | null>(null);
  /** The image clean-up (prune) dialog is open. */
  pruneOpen = $state(false);
  /** The build cache prune dialog is open. */
  buildCachePruneOpen = $state(false);
  /** The settings dialog is open. */
  settingsOpen = $state(false);
  /** Names or IDs the Copy to engine… dialog is open for, or null. */
  copyRefs = $state.raw<string[] | null>(null);
  /** The engine those images are on (null: the current one). */
  copyEngine = $state.raw<string | null>(null);
  /** The engine dialog: open to add (null) or edit an engine added by hand. */
  engineEdit = $state.raw<{ engine: ManualEngine | null } | null>(null);
  /** A dialog owns the keyboard: the grid's and the app's shortcuts stand aside. */
  modalOpen = $derived(
    this.removeRows !== null ||
      this.saveRows !== null ||
      this.pullOpen ||
      this.pushRow !== null ||
      this.loadPath !== null ||
      this.buildSeed !== null ||
      this.pruneOpen ||
      this.buildCachePruneOpen ||
      this.settingsOpen,
  );

  readonly selection: SelectionStore;
  #source: () => readonly TagRow[] = () => [];

  constructor(source: () => readonly TagRow[], selection: SelectionStore) {
    this.#source = source;
    this.selection = selection;
  }

  view: View = $derived(
    buildView(this.#source(), {
      query: this.query,
      filter: this.filter,
      sort: this.sort,
      group: this.group,
      expanded: this.expanded,
    }),
  );

  /** Tag rows as ordered on screen (inside collapsed groups too): for shift-click ranges. */
  order: string[] = $derived(this.view.rows.map((r) => r.key));
  /** The selected rows that pass the current search and filter. */
  selectedRows: TagRow[] = $derived(this.view.rows.filter((r) => this.selection.keys.has(r.key)));
  filtered = $derived(this.query.trim() !== '' || this.filter !== 'all');
  /** The selection spans several engines: an action goes to one engine at a time. */
  mixedSelection = $derived(new Set(this.selectedRows.map((r) => r.engine)).size > 1);

  sortBy(key: SortKey): void {
    if (this.sort.key === key) {
      this.sort = { key, dir: this.sort.dir === 'asc' ? 'desc' : 'asc' };
    } else {
      this.sort = { key, dir: DEFAULT_DIR[key] };
    }
  }

  toggleExpanded(repository: string, open?: boolean): void {
    const key = groupKey(repository);
    const next = new Set(this.expanded);
    const want = open ?? !next.has(key);
    if (want) next.add(key);
    else next.delete(key);
    this.expanded = next;
  }

  clearFilters(): void {
    this.query = '';
    this.filter = 'all';
  }

  openDetails(id: string, name: string | null = null, engine: string | null = null): void {
    if (this.detailsId !== id || this.detailsEngine !== engine) this.detailsTab = 'summary';
    this.detailsId = id;
    this.detailsName = name;
    this.detailsEngine = engine;
  }

  closeDetails(): void {
    this.detailsId = null;
    this.detailsName = null;
    this.detailsEngine = null;
  }

  /** Open the remove dialog for the selection, or else the focused row. */
  openRemove(): boolean {
    const rows = this.#actionRows();
    if (rows.length === 0) return false;
    this.removeRows = rows;
    return true;
  }

  closeRemove(): void {
    this.removeRows = null;
  }

  /** Open the save dialog for the selected rows (or the focused one). */
  openSave(): boolean {
    const rows = this.#actionRows();
    if (rows.length === 0) return false;
    this.saveRows = rows;
    return true;
  }

  closeSave(): void {
    this.saveRows = null;
  }

  /** Copy the selected (or focused) rows to another engine. */
  openCopy(): boolean {
    const rows = this.#actionRows();
    if (rows.length === 0) return false;
    this.copyRefs = planSave(rows).references;
    this.copyEngine = rows[0].engine;
    return true;
  }

  /** Push the one selected (or focused) row; false when that is not exactly one. */
  openPush(): boolean {
    const rows = this.#actionRows();
    if (rows.length !== 1) return false;
    this.pushRow = rows[0];
    return true;
  }

  /** What a toolbar action applies to: the selection, else the focused row; nothing when
   *  the selection spans several engines. */
  #actionRows(): TagRow[] {
    let rows = this.selectedRows;
    if (rows.length === 0 && this.selection.focused) {
      rows = this.view.rows.filter((r) => r.key === this.selection.focused);
    }
    return this.mixedSelection ? [] : rows;
  }
}

export const view = new ViewStore(() => images.rows, defaultSelection);
