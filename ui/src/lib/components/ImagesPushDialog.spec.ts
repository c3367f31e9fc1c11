import { describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import ImagesPushDialog from './ImagesPushDialog.svelte';
import { buildRows } from '$lib/grid/rows';
import { tasks } from '$lib/stores/tasks.svelte';
import { mockApi, taskCommand } from '$test/mock-api';
import { hexId, image } from '$test/fixtures';

const rows = buildRows([
  image({ id: hexId('a1'), tags: ['127.0.0.1:5000/team/app:1', '127.0.0.1:5000/team/app:latest'] }),
  image({ id: hexId('b2'), tags: [] }),
]);

describe('ImagesPushDialog', () => {
  it('pushes the chosen name with saved credentials, as a task', async () => {
    mockApi.imagePush.mockImplementation(
      taskCommand('push', async () => ({
        kind: 'push',
        value: { response: 'ok', digest: 'sha256:feed' },
      })),
    );
    const onclose = vi.fn();
    render(ImagesPushDialog, { row: rows[1], onclose });
    expect(screen.getByTestId('push-name')).toHaveValue('127.0.0.1:5000/team/app:latest');
    expect(screen.getByText('Goes to 127.0.0.1:5000')).toBeInTheDocument();
    await userEvent.click(screen.getByTestId('confirm-push'));
    expect(onclose).toHaveBeenCalled();
    await vi.waitFor(() =>
      expect(mockApi.imagePush).toHaveBeenCalledWith(
        'Push 127.0.0.1:5000/team/app:latest',
        '127.0.0.1:5000/team/app:latest',
        null,
        null,
      ),
    );
    await vi.waitFor(() => expect(tasks.items[0].result).toBe('sha256:feed'));
  });

  it('sends a typed login only when complete', async () => {
    render(ImagesPushDialog, { row: rows[0], onclose: vi.fn() });
    await userEvent.click(screen.getByTestId('push-use-login'));
    expect(screen.getByTestId('confirm-push')).toBeDisabled();
    await userEvent.type(screen.getByTestId('push-username'), 'me');
    await userEvent.type(screen.getByTestId('push-password'), 's3cret');
    await userEvent.click(screen.getByTestId('confirm-push'));
    await vi.waitFor(() =>
      expect(mockApi.imagePush).toHaveBeenCalledWith(
        expect.any(String),
        '127.0.0.1:5000/team/app:1',
        { username: 'me', password: 's3cret', remember: false },
        null,
      ),
    );
  });

  it('explains that an image without a name cannot be pushed', () => {
    render(ImagesPushDialog, { row: rows[2], onclose: vi.fn() });
    expect(screen.getByTestId('push-no-name')).toBeInTheDocument();
    expect(screen.getByTestId('confirm-push')).toBeDisabled();
  });
});
