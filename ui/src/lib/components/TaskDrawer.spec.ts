import { describe, expect, it, vi } from 'vitest';
import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import TaskDrawer from './TaskDrawer.svelte';
import { ApiError, type Progress } from '$lib/api';
import { tasks } from '$lib/stores/tasks.svelte';
import { deferred, mockApi } from '$test/mock-api';

const notice = { done: 'Done', failed: 'Failed', cancelled: 'Stopped' };

describe('TaskDrawer', () => {
  it('says when there is nothing to show', async () => {
    render(TaskDrawer);
    expect(await screen.findByTestId('tasks-empty')).toBeInTheDocument();
  });

  it('shows a running pull with one row per layer, updated in place, and cancels it', async () => {
    const finish = deferred<string>();
    let report: (p: Progress) => void = () => {};
    mockApi.taskCancel.mockImplementation(async () => {
      finish.reject(new ApiError(499, 'cancelled'));
      return true;
    });
    const running = tasks.run({
      kind: 'pull',
      title: 'Pull app:1',
      start: (_id, onProgress) => {
        report = onProgress;
        return finish.promise;
      },
      describe: (r: string) => r,
      notice,
      show: true,
    });
    // Hold on to the outcome now: the rejection comes during the click below.
    const outcome = running.catch((e: unknown) => e);
    render(TaskDrawer);
    report({ kind: 'layer', layer: 'a1', status: 'Downloading', current: 1, total: 4 });
    report({ kind: 'layer', layer: 'a1', status: 'Downloading', current: 3, total: 4 });
    report({ kind: 'layer', layer: 'b2', status: 'Waiting', current: null, total: null });
    const item = await screen.findByTestId('task');
    await vi.waitFor(() => expect(within(item).getAllByTestId('task-layer')).toHaveLength(2));
    expect(within(item).getAllByTestId('task-layer')[0]).toHaveTextContent('3 B / 4 B');
    expect(within(item).getByTestId('task-state')).toHaveTextContent('Running');
    await userEvent.click(within(item).getByTestId('task-cancel'));
    expect(await outcome).toMatchObject({ code: 499 });
    await vi.waitFor(() =>
      expect(within(item).getByTestId('task-state')).toHaveTextContent('Cancelled'),
    );
  });

  it('keeps a failure with its message', async () => {
    await tasks
      .run({
        kind: 'push',
        title: 'Push app:1',
        start: async () => {
          throw new ApiError(401, 'unauthorized: authentication required');
        },
        describe: (r: string) => r,
        notice,
      })
      .catch(() => {});
    render(TaskDrawer);
    expect(await screen.findByTestId('task-error')).toHaveTextContent('authentication required');
  });
});
