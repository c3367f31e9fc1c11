// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { SelectionStore } from './selection.svelte';

const order = ['a', 'b', 'c', 'd', 'e'];
const keys = (s: SelectionStore) => [...s.keys].sort();

describe('SelectionStore', () => {
  it('a click selects only that row', () => {
    const s = new SelectionStore();
    s.click('b', {}, order);
    s.click('d', {}, order);
    expect(keys(s)).toEqual(['d']);
    expect(s.focused).toBe('d');
  });

  it('ctrl/cmd-click toggles rows', () => {
    const s = new SelectionStore();
    s.click('a', {}, order);
    s.click('c', { toggle: true }, order);
    expect(keys(s)).toEqual(['a', 'c']);
    s.click('a', { toggle: true }, order);
    expect(keys(s)).toEqual(['c']);
  });

  it('shift-click selects the range from the anchor, either way', () => {
    const s = new SelectionStore();
    s.click('b', {}, order);
    s.click('d', { range: true }, order);
    expect(keys(s)).toEqual(['b', 'c', 'd']);
    s.click('a', { range: true }, order);
    expect(keys(s)).toEqual(['a', 'b']);
  });

  it('ctrl+shift-click adds the range to the selection', () => {
    const s = new SelectionStore();
    s.click('a', {}, order);
    s.click('c', { toggle: true }, order);
    s.click('e', { range: true, toggle: true }, order);
    expect(keys(s)).toEqual(['a', 'c', 'd', 'e']);
  });

  it('forgets rows that are gone', () => {
    const s = new SelectionStore();
    s.set(['a', 'b']);
    s.focus('b');
    s.prune(new Set(['a']));
    expect(keys(s)).toEqual(['a']);
    expect(s.focused).toBeNull();
  });
});
