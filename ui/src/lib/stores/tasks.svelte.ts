// The task centre: a projection of the backend's task manager (src-tauri/src/tasks). Every
// long operation (pull, push, build, save, load, import, prune) runs there; the backend makes
// its ID, decides how it ended and keeps the history. This store follows its events, and on
// (re)load takes its list — running tasks with their progress so far, then finished ones — so
// a reloaded page shows the same tasks, still cancellable. Each end is announced once.
import { get } from 'svelte/store';
import { _ } from 'svelte-i18n';
import {
  api,
  ApiError,
  toApiError,
  type BackendError,
  type TaskOutput,
  type TaskProgressed,
  type TaskSummary,
  type TaskView,
  type Unlisten,
} from '$lib/api';
import {
  applyUpdate,
  emptyProgress,
  finishProgress,
  replayProgress,
  type ProgressState,
} from '$lib/tasks/progress';
import { describeError } from '$lib/errors';
import { toasts } from './toasts.svelte';

export type TaskKind = TaskSummary['kind'];
export type TaskState = TaskSummary['state'];

export interface Task {
  id: string;
  kind: TaskKind;
  title: string;
  engine: string;
  state: TaskState;
  startedAt: number;
  finishedAt: number | null;
  progress: ProgressState;
  error: BackendError | null;
  result: string | null;
  /** A Cancel was asked for and not yet answered. */
  cancelling: boolean;
  /** The image it made (build, pull, import): "Open image" shows it. */
  image: string | null;
  /** The core's result, for the dialog that started it. */
  output: TaskOutput | null;
}

export const KEEP_FINISHED = 50;

/** The code the backend uses for "stopped on request". */
const CANCELLED = 499;

/** Notice titles per kind (message keys). */
const NOTICES: Record<TaskKind, Record<'done' | 'failed' | 'cancelled', string>> = {
  pull: { done: 'pull.done', failed: 'pull.failed', cancelled: 'pull.cancelled' },
  push: { done: 'push.done', failed: 'push.failed', cancelled: 'push.cancelled' },
  build: { done: 'build.done', failed: 'build.failed', cancelled: 'build.cancelled' },
  save: { done: 'save.saved', failed: 'save.failed', cancelled: 'save.cancelled' },
  load: { done: 'load.done', failed: 'load.failed', cancelled: 'load.cancelled' },
  import: { done: 'load.imported', failed: 'load.importFailed', cancelled: 'load.cancelled' },
  prune: { done: 'prune.done', failed: 'prune.failed', cancelled: 'prune.cancelled' },
  copy: { done: 'copy.done', failed: 'copy.failed', cancelled: 'copy.cancelled' },
};

function fromSummary(s: TaskSummary, progress: ProgressState = emptyProgress()): Task {
  return {
    id: s.id,
    kind: s.kind,
    title: s.title,
    engine: s.engine,
    state: s.state,
    startedAt: s.started_at ?? 0,
    finishedAt: s.finished_at ?? null,
    progress,
    error: s.error,
    result: s.result,
    cancelling: s.cancelling,
    image: s.image,
    output: s.output,
  };
}

function fromView(v: TaskView): Task {
  return fromSummary(v.task, replayProgress(v.progress, v.log));
}

export interface StartOptions {
  kind: TaskKind;
  /** The backend command that starts the task and returns it. */
  start: () => Promise<TaskSummary>;
  /** Open the drawer on this task as it starts. */
  show?: boolean;
  /** Called with the (live) task as soon as it exists. */
  started?: (task: Task) => void;
}

type Waiter = (task: Task) => void;

export class TasksStore {
  /** Running and finished, newest first. */
  items = $state<Task[]>([]);
  drawerOpen = $state(false);
  /** The task the drawer shows expanded. */
  focused = $state<string | null>(null);

  running = $derived(this.items.filter((t) => t.state === 'running').length);

  #attached: Promise<void> | null = null;
  #unlisten: Unlisten[] = [];
  #waiters = new Map<string, Waiter[]>();
  #announced = new Set<string>();
  #onFinish = new Set<(task: Task) => void>();

  /** Follow the backend's task events, then take its list. Once per page. */
  attach(): Promise<void> {
    this.#attached ??= this.#attach();
    return this.#attached;
  }

  async #attach(): Promise<void> {
    try {
      this.#unlisten = await Promise.all([
        api.onTaskStarted((s) => void this.#upsert(s)),
        api.onTaskProgressed((u) => this.#progress(u)),
        api.onTaskFinished((s) => this.#finished(s)),
      ]);
    } catch (e) {
      console.warn('task events unavailable', e);
    }
    let views: TaskView[];
    try {
      views = await api.tasksList();
    } catch (e) {
      console.warn('tasks unavailable', e);
      return;
    }
    // What events brought meanwhile is newer than the list: it stays as it is.
    const known = new Set(this.items.map((t) => t.id));
    const fresh = views.filter((v) => !known.has(v.task.id));
    this.items = [...this.items, ...fresh.map(fromView)];
    this.#trim();
    // Ended while no page listened (a reload): announce them now.
    for (const v of fresh) {
      if (v.task.state !== 'running' && !v.task.noticed) this.#announce(this.#find(v.task.id)!);
    }
  }

  /** Start a task; resolves with the live task once the backend has it. */
  async start(o: StartOptions): Promise<Task> {
    // Listening before the task starts: its events must not go by unseen.
    await this.attach();
    let summary: TaskSummary;
    try {
      summary = await o.start();
    } catch (e) {
      // Not even started (the IPC failed): no task to show it, so a notice does.
      const err = toApiError(e);
      toasts.error(get(_)(NOTICES[o.kind].failed), err.message);
      throw err;
    }
    const task = this.#upsert(summary);
    o.started?.(task);
    if (o.show) this.open(task.id);
    return task;
  }

  /** Start a task and wait for its end: resolves with the core's result when done, rejects
   *  with its ApiError (code 499 when cancelled) otherwise. */
  async run(o: StartOptions): Promise<TaskOutput> {
    const task = await this.start(o);
    const ended = await this.ended(task.id);
    if (ended.state === 'done' && ended.output) return ended.output;
    if (ended.state !== 'cancelled' && ended.error) throw toApiError(ended.error);
    // The error's sentence in the current language (kind, context), the engine's detail kept.
    const message = ended.error ? describeError(ended.error).message : '';
    throw new ApiError(ended.state === 'cancelled' ? CANCELLED : (ended.error?.code ?? 0), message);
  }

  /** Start a task from a dialog that closes at once: the drawer opens on it, and its outcome
   *  is the task's to show (state, error, log) and the notice's to announce. */
  launch(o: StartOptions): void {
    this.run({ ...o, show: true }).catch(() => {
      // Kept by the task and announced by a notice: nothing more to do with it here.
    });
  }

  /** The task once it has ended. */
  ended(id: string): Promise<Task> {
    const task = this.#find(id);
    if (task && task.state !== 'running') return Promise.resolve(task);
    return new Promise((resolve) => {
      this.#waiters.set(id, [...(this.#waiters.get(id) ?? []), resolve]);
    });
  }

  /** Call `cb` after every task ends (the image list and disk view refresh). */
  onFinish(cb: (task: Task) => void): Unlisten {
    this.#onFinish.add(cb);
    return () => this.#onFinish.delete(cb);
  }

  async cancel(id: string): Promise<void> {
    const task = this.#find(id);
    if (!task || task.state !== 'running') return;
    task.cancelling = true;
    try {
      await api.taskCancel(id);
    } catch (e) {
      task.cancelling = false;
      throw toApiError(e);
    }
  }

  open(id: string | null = null): void {
    this.drawerOpen = true;
    if (id) this.focused = id;
  }

  close(): void {
    this.drawerOpen = false;
  }

  #find(id: string): Task | undefined {
    return this.items.find((t) => t.id === id);
  }

  /** The task for `s`, added if new; the live (reactive) object either way. */
  #upsert(s: TaskSummary): Task {
    const known = this.#find(s.id);
    if (known) return known;
    this.items.unshift(fromSummary(s));
    this.#trim();
    return this.items[0];
  }

  #progress(u: TaskProgressed): void {
    const task = this.#find(u.id);
    if (task && task.state === 'running') applyUpdate(task.progress, u);
  }

  #finished(s: TaskSummary): void {
    const task = this.#upsert(s);
    if (task.state === 'running') {
      task.state = s.state;
      task.finishedAt = s.finished_at ?? Date.now();
      task.error = s.error;
      task.result = s.result;
      task.image = s.image;
      task.output = s.output;
      task.cancelling = false;
      finishProgress(task.progress, task.finishedAt);
      this.#trim();
    }
    if (!s.noticed) this.#announce(task);
    for (const resolve of this.#waiters.get(s.id) ?? []) resolve(task);
    this.#waiters.delete(s.id);
    for (const cb of this.#onFinish) cb(task);
  }

  /** One notice per ended task, and the backend told so a reloaded page does not repeat it. */
  #announce(task: Task): void {
    if (this.#announced.has(task.id)) return;
    this.#announced.add(task.id);
    const t = get(_);
    const title = t(NOTICES[task.kind][task.state === 'running' ? 'failed' : task.state]);
    if (task.state === 'done') toasts.success(title, task.result ?? undefined);
    else if (task.state === 'cancelled') toasts.info(title, task.title);
    else toasts.error(title, task.error ? describeError(task.error).message : undefined);
    api.taskNoticed(task.id).catch((e: unknown) => console.warn('could not mark notice', e));
  }

  /** Keep every running task and the newest finished ones. */
  #trim(): void {
    let finished = 0;
    const keep = this.items.filter((t) => t.state === 'running' || ++finished <= KEEP_FINISHED);
    if (keep.length !== this.items.length) this.items = keep;
  }

  reset(): void {
    for (const stop of this.#unlisten) stop();
    this.#unlisten = [];
    this.#attached = null;
    this.#waiters.clear();
    this.#announced.clear();
    this.#onFinish.clear();
    this.items = [];
    this.drawerOpen = false;
    this.focused = null;
  }
}

export const tasks = new TasksStore();
