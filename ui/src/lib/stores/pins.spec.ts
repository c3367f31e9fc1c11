import { beforeEach, describe, expect, it } from 'vitest';
import { mockApi } from '../../test/mock-api';
import { pinsState } from '../../test/fixtures';
import { pins } from './pins.svelte';

describe('pins store', () => {
  beforeEach(() => {
    pins.reset();
  });

  it('loads the saved pins and answers which pin protects an image', async () => {
    mockApi.pinsGet.mockResolvedValue(pinsState(['db', 'team/*']));
    await pins.load();
    expect(pins.pinnedBy('x', ['team/api:1'])).toBe('team/*');
    expect(pins.pinnedBy('x', ['web:1'])).toBeNull();
    expect(pins.blocked).toBe(false);
  });

  it('adds once, removes, and keeps what the backend accepted', async () => {
    await pins.add(' db ');
    await pins.add('db');
    expect(mockApi.pinsSet).toHaveBeenLastCalledWith(['db']);
    expect(pins.patterns).toEqual(['db']);
    await pins.remove('db');
    expect(pins.patterns).toEqual([]);
  });

  it('a refused pin leaves the list as it was', async () => {
    pins.apply(pinsState(['db']));
    mockApi.pinsSet.mockRejectedValue({ code: 400, message: 'not a pin' });
    await expect(pins.add('bad pin')).rejects.toBeTruthy();
    expect(pins.patterns).toEqual(['db']);
  });

  it('while the pins file is damaged, the recovered pins protect and deleting is blocked', async () => {
    mockApi.pinsGet.mockResolvedValue(pinsState([], { recovered: ['db'] }));
    await pins.load();
    expect(pins.blocked).toBe(true);
    expect(pins.pinnedBy('x', ['db:1'])).toBe('db');
    mockApi.pinsResolve.mockResolvedValue(pinsState(['db']));
    await pins.resolve(true);
    expect(mockApi.pinsResolve).toHaveBeenCalledWith(true);
    expect(pins.blocked).toBe(false);
    expect(pins.patterns).toEqual(['db']);
  });
});
