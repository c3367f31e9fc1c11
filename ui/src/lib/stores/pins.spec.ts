import { beforeEach, describe, expect, it } from 'vitest';
import { mockApi } from '../../test/mock-api';
import { pins } from './pins.svelte';

describe('pins store', () => {
  beforeEach(() => {
    pins.patterns = [];
  });

  it('loads the saved pins and answers which pin protects an image', async () => {
    mockApi.pinsGet.mockResolvedValue(['db', 'team/*']);
    await pins.load();
    expect(pins.pinnedBy('x', ['team/api:1'])).toBe('team/*');
    expect(pins.pinnedBy('x', ['web:1'])).toBeNull();
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
    pins.patterns = ['db'];
    mockApi.pinsSet.mockRejectedValue({ code: 400, message: 'not a pin' });
    await expect(pins.add('bad pin')).rejects.toBeTruthy();
    expect(pins.patterns).toEqual(['db']);
  });
});
