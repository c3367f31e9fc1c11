// Which grid rows are selected and which one has the keyboard focus. Rows are identified by
// their key (image ID + name), so a selection survives refreshes of the list.
export interface ClickModifiers {
  /** Shift: select the range from the anchor. */
  range?: boolean;
  /** Ctrl/Cmd: add or remove one row. */
  toggle?: boolean;
}

export class SelectionStore {
  /** Replaced, never mutated: cheap to compare, fine for 10,000 keys. */
  keys = $state.raw<ReadonlySet<string>>(new Set());
  focused = $state<string | null>(null);
  anchor = $state<string | null>(null);

  size = $derived(this.keys.size);

  has(key: string): boolean {
    return this.keys.has(key);
  }

  /**
   * A click on a row: plain selects only it, ctrl/cmd toggles it, shift selects the range from
   * the anchor to it in `order` (the rows as displayed).
   */
  click(key: string, mods: ClickModifiers, order: readonly string[]): void {
    if (mods.range && this.anchor !== null) {
      const a = order.indexOf(this.anchor);
      const b = order.indexOf(key);
      if (a >= 0 && b >= 0) {
        const [from, to] = a <= b ? [a, b] : [b, a];
        const range = order.slice(from, to + 1);
        const next = mods.toggle ? new Set(this.keys) : new Set<string>();
        for (const k of range) next.add(k);
        this.keys = next;
        this.focused = key;
        return;
      }
    }
    if (mods.toggle) {
      this.toggle(key);
    } else {
      this.keys = new Set([key]);
    }
    this.focused = key;
    this.anchor = key;
  }

  toggle(key: string): void {
    const next = new Set(this.keys);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    this.keys = next;
    this.anchor = key;
  }

  /** Select or unselect several rows at once (a group, or all). */
  setMany(keys: readonly string[], selected: boolean): void {
    const next = new Set(this.keys);
    for (const k of keys) {
      if (selected) next.add(k);
      else next.delete(k);
    }
    this.keys = next;
  }

  set(keys: Iterable<string>): void {
    this.keys = new Set(keys);
  }

  focus(key: string | null): void {
    this.focused = key;
  }

  clear(): void {
    this.keys = new Set();
    this.anchor = null;
  }

  /** Drop keys of rows that no longer exist. */
  prune(existing: ReadonlySet<string>): void {
    let changed = false;
    const next = new Set<string>();
    for (const k of this.keys) {
      if (existing.has(k)) next.add(k);
      else changed = true;
    }
    if (changed) this.keys = next;
    if (this.focused !== null && !existing.has(this.focused)) this.focused = null;
    if (this.anchor !== null && !existing.has(this.anchor)) this.anchor = null;
  }
}

export const selection = new SelectionStore();
