import { describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import ImagesLoadDialog from './ImagesLoadDialog.svelte';
import { tasks } from '$lib/stores/tasks.svelte';
import { mockApi } from '$test/mock-api';

describe('ImagesLoadDialog', () => {
  it('starts with a dropped path and loads it as a task', async () => {
    mockApi.imagesLoad.mockResolvedValue({ loaded: ['app:1', 'app:2'] });
    const onclose = vi.fn();
    render(ImagesLoadDialog, { path: '/tmp/two.tar', onclose });
    expect(screen.getByTestId('load-path')).toHaveValue('/tmp/two.tar');
    await userEvent.click(screen.getByTestId('confirm-load'));
    expect(mockApi.imagesLoad).toHaveBeenCalledWith(
      expect.stringMatching(/^load-/),
      '/tmp/two.tar',
      expect.any(Function),
    );
    expect(onclose).toHaveBeenCalled();
    await vi.waitFor(() => expect(tasks.items[0].result).toBe('app:1, app:2'));
  });

  it('needs a path', () => {
    render(ImagesLoadDialog, { onclose: vi.fn() });
    expect(screen.getByTestId('confirm-load')).toBeDisabled();
  });
});
