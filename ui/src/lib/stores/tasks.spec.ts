// @vitest-environment node
import { describe, expect, it, vi } from 'vitest';
import { ApiError, type TaskOutput } from '$lib/api';
import { KEEP_FINISHED, TasksStore } from './tasks.svelte';
import { toasts } from './toasts.svelte';
import {
  deferred,
  emitTaskFinished,
  emitTaskProgressed,
  mockApi,
  taskCommand,
  taskSummary,
  type Report,
} from '$test/mock-api';

const pulled: TaskOutput = {
  kind: 'pull',
  value: { id: 'sha256:abc', tag: ['app:1'], digest: null },
};

/** A pull command whose operation the test drives. */
function holdPull() {
  const finish = deferred<TaskOutput>();
  let report: Report = () => {};
  mockApi.imagePull.mockImplementation(
    taskCommand('pull', async (r) => {
      report = r;
      return finish.promise;
    }),
  );
  return { finish, report: (...a: Parameters<Report>) => report(...a) };
}

const startPull = (store: TasksStore) =>
  store.run({ kind: 'pull', start: () => mockApi.imagePull('Pull app:1', 'app:1', null, false) });

describe('TasksStore', () => {
  it('shows the task the backend started, its live progress, then the result the backend sent', async () => {
    const store = new TasksStore();
    const pull = holdPull();
    const running = startPull(store);
    await vi.waitFor(() => expect(store.running).toBe(1));
    const id = store.items[0].id;
    expect(id).toMatch(/^pull-/);
    pull.report(
      { kind: 'layer', layer: 'a1', status: 'Downloading', current: 5, total: 10 },
      'a1: Downloading',
    );
    await vi.waitFor(() => expect(store.items[0].progress.layers).toHaveLength(1));
    expect(store.items[0].progress.log).toEqual(['a1: Downloading']);
    pull.finish.resolve(pulled);
    expect(await running).toEqual(pulled);
    expect(store.items[0]).toMatchObject({
      id,
      state: 'done',
      result: 'app:1',
      image: 'sha256:abc',
    });
    expect(store.running).toBe(0);
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'success', title: 'Pulled' });
    // The backend wrote the history; the page only says it announced the end.
    expect(mockApi.taskNoticed).toHaveBeenCalledWith(id);
  });

  it('keeps a failure with its error and log, and says so', async () => {
    const store = new TasksStore();
    mockApi.imagePull.mockImplementation(
      taskCommand('pull', async (report) => {
        report({ kind: 'message', line: 'Trying to pull' }, 'Trying to pull');
        throw new ApiError(404, 'manifest unknown');
      }),
    );
    await expect(startPull(store)).rejects.toMatchObject({ code: 404 });
    expect(store.items[0]).toMatchObject({
      state: 'failed',
      error: { code: 404, message: 'manifest unknown' },
    });
    expect(store.items[0].progress.log).toEqual(['Trying to pull']);
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'error', detail: 'manifest unknown' });
  });

  it('cancels through the backend, by the ID the backend made', async () => {
    const store = new TasksStore();
    const pull = holdPull();
    mockApi.taskCancel.mockImplementation(async () => {
      pull.finish.reject(new ApiError(499, 'Pulling was cancelled.'));
      return true;
    });
    const running = startPull(store);
    await vi.waitFor(() => expect(store.running).toBe(1));
    const id = store.items[0].id;
    await store.cancel(id);
    await expect(running).rejects.toMatchObject({ code: 499 });
    expect(mockApi.taskCancel).toHaveBeenCalledWith(id);
    expect(store.items[0].state).toBe('cancelled');
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'info', title: 'Pull cancelled' });
  });

  it('a reloaded page shows the running task with its progress so far, still cancellable', async () => {
    const task = taskSummary({ kind: 'pull', title: 'Pull big:1', started_at: 1000 });
    mockApi.tasksList.mockResolvedValue([
      {
        task,
        progress: [
          {
            at: 2000,
            progress: { kind: 'layer', layer: 'a1', status: 'Downloading', current: 5, total: 10 },
          },
          {
            at: 2000,
            progress: {
              kind: 'overall',
              bytes_done: 5,
              bytes_total: 10,
              layers_done: 0,
              layers_total: 1,
            },
          },
        ],
        log: ['a1: Pulling fs layer', 'a1: Downloading'],
      },
    ]);
    const store = new TasksStore();
    await store.attach();
    expect(store.items[0]).toMatchObject({ id: task.id, title: 'Pull big:1', state: 'running' });
    expect(store.items[0].progress.layers).toEqual([
      { id: 'a1', status: 'Downloading', current: 5, total: 10 },
    ]);
    expect(store.items[0].progress.overall?.bytes_done).toBe(5);
    expect(store.items[0].progress.log).toHaveLength(2);
    // Live updates carry on from there.
    emitTaskProgressed(task.id, {
      kind: 'layer',
      layer: 'a1',
      status: 'Downloading',
      current: 8,
      total: 10,
    });
    expect(store.items[0].progress.layers[0].current).toBe(8);
    await store.cancel(task.id);
    expect(mockApi.taskCancel).toHaveBeenCalledWith(task.id);
    emitTaskFinished({
      ...task,
      state: 'cancelled',
      finished_at: 3000,
      error: { code: 499, message: 'Pulling was cancelled.' },
    });
    expect(store.items[0]).toMatchObject({ state: 'cancelled', cancelling: false });
  });

  it('announces each end once, also one that came while the page was reloading', async () => {
    const ended = taskSummary({
      kind: 'build',
      title: 'Build app:1',
      state: 'done',
      result: 'sha256:b · app:1',
      image: 'sha256:b',
    });
    const announced = { ...taskSummary({ kind: 'push', state: 'failed' }), noticed: true };
    mockApi.tasksList.mockResolvedValue([
      { task: ended, progress: [], log: [] },
      { task: announced, progress: [], log: ['denied'] },
    ]);
    const store = new TasksStore();
    await store.attach();
    expect(toasts.items.map((t) => t.title)).toEqual(['Built']);
    expect(mockApi.taskNoticed).toHaveBeenCalledWith(ended.id);
    expect(mockApi.taskNoticed).not.toHaveBeenCalledWith(announced.id);
    // "Open image" still works after the reload.
    expect(store.items[0].image).toBe('sha256:b');
    // The same end again (an event racing the list) is not a second notice.
    emitTaskFinished(ended);
    expect(toasts.items).toHaveLength(1);
  });

  it('calls the finish hooks after every task (the grid and disk view refresh)', async () => {
    const store = new TasksStore();
    const refreshed = vi.fn();
    store.onFinish(refreshed);
    await startPull(store);
    mockApi.imagePull.mockImplementation(
      taskCommand('pull', async () => {
        throw new ApiError(500, 'boom');
      }),
    );
    await startPull(store).catch(() => {});
    expect(refreshed).toHaveBeenCalledTimes(2);
  });

  it('says so when a task could not even be started', async () => {
    const store = new TasksStore();
    mockApi.imagePull.mockRejectedValue(new ApiError(0, 'IPC failed'));
    await expect(startPull(store)).rejects.toMatchObject({ message: 'IPC failed' });
    expect(store.items).toHaveLength(0);
    expect(toasts.items.at(-1)).toMatchObject({ kind: 'error', title: 'Pull failed' });
  });

  it(`keeps running tasks and the last ${KEEP_FINISHED} finished ones`, async () => {
    const store = new TasksStore();
    for (let i = 0; i < KEEP_FINISHED + 3; i++) {
      mockApi.imagePull.mockImplementation(
        taskCommand('pull', async () => ({
          kind: 'pull',
          value: { id: `sha256:${i}`, tag: [`r${i}`], digest: null },
        })),
      );
      await startPull(store);
    }
    expect(store.items).toHaveLength(KEEP_FINISHED);
    expect(store.items[0].result).toBe(`r${KEEP_FINISHED + 2}`);
  });
});
