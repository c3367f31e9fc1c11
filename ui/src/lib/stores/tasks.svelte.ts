// The task centre: every long operation (pull, push, build, save, load, import) runs as a task
// with live progress, a log, elapsed time and Cancel. Tasks live here, not in the dialog that
// started them, so they keep running when the user closes it; finished ones are kept (last 50,
// across restarts, through the backend) and announced with a notice.
import { api, toApiError, type BackendError, type Progress, type TaskRecord } from '$lib/api';
import {
  applyProgress,
  emptyProgress,
  finishProgress,
  type ProgressState,
} from '$lib/tasks/progress';
import { engine } from './engine.svelte';
import { toasts } from './toasts.svelte';

export type TaskKind = 'pull' | 'push' | 'build' | 'save' | 'load' | 'import' | 'prune';
export type TaskState = 'running' | 'done' | 'failed' | 'cancelled';

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
  /** The image it made (build, pull): "Open image" shows it. */
  image: string | null;
}

export const KEEP_FINISHED = 50;

/** The code the backend uses for "stopped on request". */
const CANCELLED = 499;

function newTaskId(kind: TaskKind): string {
  return `${kind}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

function fromRecord(r: TaskRecord): Task {
  const progress = emptyProgress();
  progress.log = [...r.log];
  return {
    id: r.id,
    kind: r.kind as TaskKind,
    title: r.title,
    engine: r.engine,
    state: (['done', 'failed', 'cancelled'].includes(r.state) ? r.state : 'failed') as TaskState,
    startedAt: r.started_at ?? 0,
    finishedAt: r.finished_at ?? null,
    progress,
    error: r.error,
    result: r.result,
    cancelling: false,
    image: null,
  };
}

function toRecord(t: Task): TaskRecord {
  return {
    id: t.id,
    kind: t.kind,
    title: t.title,
    engine: t.engine,
    state: t.state,
    started_at: t.startedAt,
    finished_at: t.finishedAt ?? Date.now(),
    error: t.error,
    result: t.result,
    log: t.progress.log.slice(-200),
  };
}

export interface RunOptions<T> {
  kind: TaskKind;
  title: string;
  /** Start the backend call with this task ID and progress callback. */
  start: (id: string, onProgress: (p: Progress) => void) => Promise<T>;
  /** One line on the result, for the drawer and the notice. */
  describe: (result: T) => string;
  /** Translated notice titles. */
  notice: { done: string; failed: string; cancelled: string };
  /** Open the drawer on this task as it starts. */
  show?: boolean;
  /** The image ID the result names, for "Open image". */
  image?: (result: T) => string | null;
}

export class TasksStore {
  /** Running and finished, newest first. */
  items = $state<Task[]>([]);
  drawerOpen = $state(false);
  /** The task the drawer shows expanded. */
  focused = $state<string | null>(null);

  running = $derived(this.items.filter((t) => t.state === 'running').length);

  #loaded = false;

  /** Read the kept history once (finished tasks from earlier runs). */
  async loadHistory(): Promise<void> {
    if (this.#loaded) return;
    this.#loaded = true;
    try {
      const kept = await api.taskHistory();
      const known = new Set(this.items.map((t) => t.id));
      this.items = [...this.items, ...kept.filter((r) => !known.has(r.id)).map(fromRecord)];
    } catch (e) {
      console.warn('task history unavailable', e);
    }
  }

  /** Run a task to its end; resolves with its result, rejects with its ApiError. */
  async run<T>(o: RunOptions<T>): Promise<T> {
    const id = newTaskId(o.kind);
    const info = engine.info;
    this.items.unshift({
      id,
      kind: o.kind,
      title: o.title,
      engine: info ? `${info.kind === 'podman' ? 'Podman' : 'Docker'} ${info.host}` : '',
      state: 'running',
      startedAt: Date.now(),
      finishedAt: null,
      progress: emptyProgress(),
      error: null,
      result: null,
      cancelling: false,
      image: null,
    });
    // The proxied task in the list: updates through it are what the UI sees.
    const task = this.items[0];
    if (o.show) this.open(id);
    try {
      const result = await o.start(id, (p) => applyProgress(task.progress, p, Date.now()));
      task.state = 'done';
      task.result = o.describe(result);
      task.image = o.image?.(result) ?? null;
      toasts.success(o.notice.done, task.result);
      return result;
    } catch (e) {
      const err = toApiError(e);
      // The backend's error as data (kind, detail), so the drawer and history translate it.
      task.error = err.backend ?? { code: err.code, message: err.message };
      task.state = err.code === CANCELLED ? 'cancelled' : 'failed';
      if (task.state === 'cancelled') toasts.info(o.notice.cancelled, o.title);
      else toasts.error(o.notice.failed, err.message);
      throw err;
    } finally {
      task.cancelling = false;
      task.finishedAt = Date.now();
      finishProgress(task.progress, task.finishedAt);
      this.#trim();
      void this.#remember(task);
    }
  }

  /** Start a task from a dialog that closes at once: the drawer opens on it, and its outcome
   *  is the task's to show (state, error, log) and the notice's to announce. */
  launch<T>(o: RunOptions<T>): void {
    this.run({ ...o, show: true }).catch(() => {
      // Kept by the task and announced by a notice: nothing more to do with it here.
    });
  }

  async cancel(id: string): Promise<void> {
    const task = this.items.find((t) => t.id === id);
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

  /** Keep every running task and the newest finished ones. */
  #trim(): void {
    let finished = 0;
    const keep = this.items.filter((t) => t.state === 'running' || ++finished <= KEEP_FINISHED);
    if (keep.length !== this.items.length) this.items = keep;
  }

  async #remember(task: Task): Promise<void> {
    try {
      await api.taskHistoryRecord(toRecord(task));
    } catch (e) {
      console.warn('could not keep the task history', e);
    }
  }

  reset(): void {
    this.items = [];
    this.drawerOpen = false;
    this.focused = null;
    this.#loaded = false;
  }
}

export const tasks = new TasksStore();
