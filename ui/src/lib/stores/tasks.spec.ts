// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { ApiError, type Progress } from '$lib/api';
import { KEEP_FINISHED, TasksStore, type RunOptions } from './tasks.svelte';
import { toasts } from './toasts.svelte';
import { deferred, mockApi } from '$test/mock-api';

const notice = { done: 'Done', failed: 'Failed', cancelled: 'Stopped' };

function pull(start: RunOptions<string>['start']): RunOptions<string> {
  return { kind: 'pull', title: 'Pull app:1', start, describe: (r) => r, notice };
}

describe('TasksStore', () => {
  it('shows a running task with live progress, then its result, and keeps it', async () => {
    const store = new TasksStore();
    const finish = deferred<string>();
    let report: (p: Progress) => void = () => {};
    const running = store.run(
      pull((_id, onProgress) => {
        report = onProgress;
        return finish.promise;
      }),
    );
    expect(store.running).toBe(1);
    report({ kind: 'layer', layer: 'a1', status: 'Downloading', current: 5, total: 10 });
    expect(store.items[0].progress.layers).toHaveLength(1);
    finish.resolve('sha256:abc');
    await running;
    expect(store.items[0]).toMatchObject({ state: 'done', result: 'sha256:abc' });
    expect(store.running).toBe(0);
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'success', title: 'Done' });
    await Promise.resolve();
    expect(mockApi.taskHistoryRecord).toHaveBeenCalledWith(
      expect.objectContaining({ id: store.items[0].id, state: 'done', kind: 'pull' }),
    );
  });

  it('keeps a failure with its error and log, and says so', async () => {
    const store = new TasksStore();
    await expect(
      store.run(
        pull(async (_id, onProgress) => {
          onProgress({ kind: 'message', line: 'Trying to pull' });
          throw new ApiError(404, 'manifest unknown');
        }),
      ),
    ).rejects.toMatchObject({ code: 404 });
    expect(store.items[0]).toMatchObject({
      state: 'failed',
      error: { code: 404, message: 'manifest unknown' },
    });
    expect(store.items[0].progress.log).toEqual(['Trying to pull']);
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'error', detail: 'manifest unknown' });
  });

  it('cancels through the backend and records the task as cancelled, not failed', async () => {
    const store = new TasksStore();
    const finish = deferred<string>();
    mockApi.taskCancel.mockImplementation(async () => {
      finish.reject(new ApiError(499, 'Pulling was cancelled.'));
      return true;
    });
    const running = store.run(pull(() => finish.promise));
    const id = store.items[0].id;
    await store.cancel(id);
    await expect(running).rejects.toMatchObject({ code: 499 });
    expect(mockApi.taskCancel).toHaveBeenCalledWith(id);
    expect(store.items[0].state).toBe('cancelled');
  });

  it('shows the finished tasks of earlier runs', async () => {
    mockApi.taskHistory.mockResolvedValue([
      {
        id: 'old',
        kind: 'push',
        title: 'Push app:1',
        engine: 'Docker unix:///x',
        state: 'failed',
        started_at: 1,
        finished_at: 2,
        error: { code: 401, message: 'unauthorized' },
        result: null,
        log: ['denied'],
      },
    ]);
    const store = new TasksStore();
    await store.loadHistory();
    expect(store.items[0]).toMatchObject({ id: 'old', state: 'failed', title: 'Push app:1' });
    expect(store.items[0].progress.log).toEqual(['denied']);
  });

  it(`keeps running tasks and the last ${KEEP_FINISHED} finished ones`, async () => {
    const store = new TasksStore();
    for (let i = 0; i < KEEP_FINISHED + 3; i++) {
      await store.run(pull(async () => `r${i}`));
    }
    expect(store.items).toHaveLength(KEEP_FINISHED);
    expect(store.items[0].result).toBe(`r${KEEP_FINISHED + 2}`);
  });
});
