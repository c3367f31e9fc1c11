import { describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import ImagesLoadDialog from './ImagesLoadDialog.svelte';
import { tasks } from '$lib/stores/tasks.svelte';
import { mockApi, taskCommand } from '$test/mock-api';

describe('ImagesLoadDialog', () => {
  it('starts with a dropped path and loads it as a task', async () => {
    mockApi.imagesLoad.mockImplementation(
      taskCommand('load', async () => ({ kind: 'load', value: { loaded: ['app:1', 'app:2'] } })),
    );
    const onclose = vi.fn();
    render(ImagesLoadDialog, { path: '/tmp/two.tar', onclose });
    expect(screen.getByTestId('load-path')).toHaveValue('/tmp/two.tar');
    await userEvent.click(screen.getByTestId('confirm-load'));
    await vi.waitFor(() =>
      expect(mockApi.imagesLoad).toHaveBeenCalledWith('Load two.tar', '/tmp/two.tar'),
    );
    expect(onclose).toHaveBeenCalled();
    await vi.waitFor(() => expect(tasks.items[0].result).toBe('app:1, app:2'));
  });

  it('needs a path', () => {
    render(ImagesLoadDialog, { onclose: vi.fn() });
    expect(screen.getByTestId('confirm-load')).toBeDisabled();
  });

  it('imports a root filesystem tarball under a checked name', async () => {
    mockApi.imageImport.mockImplementation(
      taskCommand('import', async () => ({
        kind: 'import',
        value: { id: 'sha256:new', tag: ['team/rootfs:1'], digest: null },
      })),
    );
    render(ImagesLoadDialog, { path: '/tmp/rootfs.tar', onclose: vi.fn() });
    await userEvent.click(screen.getByTestId('load-mode-import'));
    await userEvent.type(screen.getByTestId('import-name'), 'Team/Rootfs');
    expect(screen.getByTestId('import-name-error')).toBeInTheDocument();
    expect(screen.getByTestId('confirm-load')).toBeDisabled();
    await userEvent.clear(screen.getByTestId('import-name'));
    await userEvent.type(screen.getByTestId('import-name'), 'team/rootfs:1');
    await userEvent.click(screen.getByTestId('confirm-load'));
    await vi.waitFor(() =>
      expect(mockApi.imageImport).toHaveBeenCalledWith(
        expect.any(String),
        '/tmp/rootfs.tar',
        'team/rootfs:1',
      ),
    );
    await vi.waitFor(() => expect(tasks.items[0].image).toBe('sha256:new'));
  });
});
