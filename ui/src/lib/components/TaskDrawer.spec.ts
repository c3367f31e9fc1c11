import { describe, expect, it, vi } from 'vitest';
import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import TaskDrawer from './TaskDrawer.svelte';
import { ApiError, type TaskOutput } from '$lib/api';
import { tasks } from '$lib/stores/tasks.svelte';
import { deferred, mockApi, taskCommand, taskSummary, type Report } from '$test/mock-api';

describe('TaskDrawer', () => {
  it('says when there is nothing to show', async () => {
    render(TaskDrawer);
    expect(await screen.findByTestId('tasks-empty')).toBeInTheDocument();
  });

  it('shows a running pull with one row per layer, updated in place, and cancels it', async () => {
    const finish = deferred<TaskOutput>();
    let report: Report = () => {};
    mockApi.imagePull.mockImplementation(
      taskCommand('pull', async (r) => {
        report = r;
        return finish.promise;
      }),
    );
    mockApi.taskCancel.mockImplementation(async () => {
      finish.reject(new ApiError(499, 'cancelled'));
      return true;
    });
    const running = tasks.run({
      kind: 'pull',
      start: () => mockApi.imagePull('Pull app:1', 'app:1', null, false),
      show: true,
    });
    // Hold on to the outcome now: the rejection comes during the click below.
    const outcome = running.catch((e: unknown) => e);
    render(TaskDrawer);
    const item = await screen.findByTestId('task');
    report({ kind: 'layer', layer: 'a1', status: 'Downloading', current: 1, total: 4 });
    report({ kind: 'layer', layer: 'a1', status: 'Downloading', current: 3, total: 4 });
    report({ kind: 'layer', layer: 'b2', status: 'Waiting', current: null, total: null });
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
    mockApi.imagePush.mockImplementation(
      taskCommand('push', async () => {
        throw new ApiError(401, 'unauthorized: authentication required');
      }),
    );
    await tasks
      .run({ kind: 'push', start: () => mockApi.imagePush('Push app:1', 'app:1', null) })
      .catch(() => {});
    render(TaskDrawer);
    expect(await screen.findByTestId('task-error')).toHaveTextContent('authentication required');
  });

  it('opened after a reload, lists the running task the backend still has, with Cancel', async () => {
    const task = taskSummary({ kind: 'pull', title: 'Pull big:1' });
    mockApi.tasksList.mockResolvedValue([
      {
        task,
        progress: [
          {
            at: Date.now(),
            progress: { kind: 'layer', layer: 'a1', status: 'Downloading', current: 2, total: 4 },
          },
        ],
        log: ['a1: Downloading'],
      },
    ]);
    render(TaskDrawer);
    const item = await screen.findByTestId('task');
    expect(item.dataset.id).toBe(task.id);
    expect(item).toHaveTextContent('Pull big:1');
    await userEvent.click(within(item).getByTestId('task-toggle'));
    expect(within(item).getByTestId('task-layer')).toHaveTextContent('2 B / 4 B');
    await userEvent.click(within(item).getByTestId('task-cancel'));
    expect(mockApi.taskCancel).toHaveBeenCalledWith(task.id);
  });
});
