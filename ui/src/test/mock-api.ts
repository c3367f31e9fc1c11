// A stand-in for `api` from `$lib/api` (the IPC to the Rust backend), installed for every test
// by setup.ts. Specs set answers with `mockApi.x.mockResolvedValue(...)` and drive events with
// `emitImagesChanged()` / `emitEngineStatus()`. Commands that start tasks behave like the
// backend's task manager (`taskCommand`): they return the task at once and announce its
// progress and end as task events.
import { vi } from 'vitest';
// Types only: setup.ts mocks `$lib/api` with this file, so a value import from it would wait
// on itself.
import type {
  AppSettings,
  BackendError,
  EngineChoice,
  EnginesList,
  EngineStatus,
  RecentBuild,
  ImagesChanged,
  Progress,
  RemovalPlan,
  TaskOutput,
  TaskProgressed,
  TaskSummary,
} from '$lib/api';
import {
  connectedStatus,
  details,
  diskUsage,
  pinsState,
  removalItem,
  removalPlan,
  reportAsPlanned,
} from './fixtures';

type ImagesCb = (change: ImagesChanged) => void;
type StatusCb = (status: EngineStatus) => void;
type ListCb = (list: EnginesList) => void;
type TaskCb = (task: TaskSummary) => void;
type ProgressCb = (update: TaskProgressed) => void;

const listeners = {
  images: new Set<ImagesCb>(),
  status: new Set<StatusCb>(),
  engines: new Set<ListCb>(),
  started: new Set<TaskCb>(),
  progressed: new Set<ProgressCb>(),
  finished: new Set<TaskCb>(),
};

export const mockApi = {
  engineStatus: vi.fn(),
  engineRetry: vi.fn(),
  engineChoose: vi.fn(),
  engineCandidates: vi.fn(),
  enginesList: vi.fn(),
  engineSelect: vi.fn(),
  onEnginesChanged: vi.fn(),
  imagesList: vi.fn(),
  imagesQuickList: vi.fn(),
  imageGet: vi.fn(),
  imageHistory: vi.fn(),
  imageInspect: vi.fn(),
  imageTag: vi.fn(),
  imagesRemovePlan: vi.fn(),
  imagesRemove: vi.fn(),
  imageContainers: vi.fn(),
  usageSnapshot: vi.fn(),
  enginesKnown: vi.fn(),
  engineAdd: vi.fn(),
  engineEdit: vi.fn(),
  engineRemove: vi.fn(),
  imagesCopy: vi.fn(),
  imagesSaveCheck: vi.fn(),
  imagesSave: vi.fn(),
  taskCancel: vi.fn(),
  tasksList: vi.fn(),
  taskNoticed: vi.fn(),
  onTaskStarted: vi.fn(),
  onTaskProgressed: vi.fn(),
  onTaskFinished: vi.fn(),
  imagePull: vi.fn(),
  imagesSearch: vi.fn(),
  registryTags: vi.fn(),
  imagePush: vi.fn(),
  imagesLoad: vi.fn(),
  imageImport: vi.fn(),
  buildContextSummary: vi.fn(),
  buildReadDockerfile: vi.fn(),
  imageBuild: vi.fn(),
  pinsGet: vi.fn(),
  pinsSet: vi.fn(),
  pinsResolve: vi.fn(),
  filesState: vi.fn(),
  filesDismiss: vi.fn(),
  prunePreview: vi.fn(),
  pruneConfirm: vi.fn(),
  buildCachePreview: vi.fn(),
  buildCachePrune: vi.fn(),
  onImagesChanged: vi.fn(),
  onFileDrop: vi.fn(),
  onEngineStatusChanged: vi.fn(),
  settingsGet: vi.fn(),
  settingsSetStallTimeout: vi.fn(),
  buildsRecent: vi.fn(),
  buildsRemember: vi.fn(),
  buildsForget: vi.fn(),
  buildsMigrate: vi.fn(),
};

/** The recent builds the mocked backend keeps (newest first, like builds.rs). */
export let recentBuilds: RecentBuild[] = [];

/** The settings the mocked backend keeps. */
export function appSettings(stall = 120): AppSettings {
  return {
    stall_timeout_secs: stall,
    stall_timeout_default: 120,
    stall_timeout_min: 1,
    stall_timeout_max: 3600,
  };
}

export function resetMockApi(): void {
  for (const fn of Object.values(mockApi)) fn.mockReset();
  for (const set of Object.values(listeners)) set.clear();
  nextTask = 1;
  mockApi.engineStatus.mockResolvedValue(connectedStatus());
  mockApi.engineRetry.mockResolvedValue(connectedStatus());
  mockApi.engineChoose.mockResolvedValue(connectedStatus());
  mockApi.engineCandidates.mockResolvedValue(['unix:///var/run/docker.sock']);
  mockApi.imagesList.mockResolvedValue([]);
  mockApi.imagesQuickList.mockResolvedValue(null);
  mockApi.pinsGet.mockResolvedValue(pinsState([]));
  mockApi.pinsSet.mockImplementation(async (p: string[]) => pinsState(p));
  mockApi.pinsResolve.mockResolvedValue(pinsState([]));
  mockApi.filesState.mockResolvedValue({ pins: pinsState([]), kept_aside: [] });
  mockApi.filesDismiss.mockResolvedValue([]);
  mockApi.prunePreview.mockResolvedValue({ images: [], kept: [], space_to_reclaim: 0 });
  mockApi.buildCachePreview.mockResolvedValue({ records: [], total: 0, space_to_reclaim: 0 });
  mockApi.imageGet.mockImplementation(async (id: string) => details({ id }));
  mockApi.imageHistory.mockResolvedValue([]);
  mockApi.imageInspect.mockResolvedValue('{\n  "Id": "sha256:x"\n}');
  mockApi.imageTag.mockImplementation(async (_s: string, target: string) => ({
    status: 'tagged',
    name: target,
    moved_from: null,
  }));
  // Each reference its own image, deleted: specs that need the backend's rules set the plan.
  const simplePlan = (refs: string[]): RemovalPlan =>
    removalPlan(refs.map((r) => removalItem({ id: r, requested: [r], delete: true })));
  mockApi.imagesRemovePlan.mockImplementation(async (refs: string[]) => simplePlan(refs));
  mockApi.imagesRemove.mockImplementation(async (refs: string[]) =>
    reportAsPlanned(simplePlan(refs)),
  );
  mockApi.imageContainers.mockResolvedValue([]);
  mockApi.usageSnapshot.mockResolvedValue({ disk: diskUsage(), images: [] });
  mockApi.enginesKnown.mockResolvedValue([]);
  mockApi.engineAdd.mockImplementation(async (engine: unknown) => engine);
  mockApi.engineEdit.mockImplementation(async (_name: string, engine: unknown) => engine);
  mockApi.engineRemove.mockResolvedValue(null);
  mockApi.imagesCopy.mockImplementation(
    taskCommand('copy', async (_report, _title: string, refs: string[], destination: string) => ({
      kind: 'copy',
      value: {
        images: refs.map((r) => ({ id: `sha256:${r}`, tags: [`localhost/${r}`] })),
        bytes: 2048,
        destination,
      },
    })),
  );
  mockApi.imagesSaveCheck.mockImplementation(async (path: string) => ({ path, exists: false }));
  mockApi.imagesSave.mockImplementation(
    taskCommand('save', async (_report, _title: string, refs: string[], path: string) => ({
      kind: 'save',
      value: { path, bytes: refs.length * 1000 },
    })),
  );
  mockApi.taskCancel.mockResolvedValue(true);
  mockApi.tasksList.mockResolvedValue([]);
  mockApi.taskNoticed.mockResolvedValue(undefined);
  mockApi.onTaskStarted.mockImplementation(listen(listeners.started));
  mockApi.onTaskProgressed.mockImplementation(listen(listeners.progressed));
  mockApi.onTaskFinished.mockImplementation(listen(listeners.finished));
  mockApi.imagesSearch.mockResolvedValue([]);
  mockApi.registryTags.mockResolvedValue([]);
  mockApi.buildReadDockerfile.mockResolvedValue('FROM busybox\n');
  mockApi.buildContextSummary.mockResolvedValue({ files: 1, bytes: 100, ignored: 0 });
  mockApi.imagePull.mockImplementation(
    taskCommand('pull', async (_report, _title: string, reference: string) => ({
      kind: 'pull',
      value: { id: 'sha256:pulled', tag: [reference], digest: null },
    })),
  );
  mockApi.imagePush.mockImplementation(
    taskCommand('push', async () => ({
      kind: 'push',
      value: { response: 'pushed', digest: 'sha256:pushed' },
    })),
  );
  mockApi.imagesLoad.mockImplementation(
    taskCommand('load', async () => ({ kind: 'load', value: { loaded: ['loaded:1'] } })),
  );
  mockApi.imageImport.mockImplementation(
    taskCommand('import', async (_report, _title: string, _path: string, ref: string | null) => ({
      kind: 'import',
      value: { id: 'sha256:imported', tag: ref ? [ref] : [], digest: null },
    })),
  );
  mockApi.imageBuild.mockImplementation(
    taskCommand('build', async () => ({ kind: 'build', value: { id: 'sha256:built', tag: [] } })),
  );
  mockApi.pruneConfirm.mockImplementation(
    taskCommand('prune', async () => ({
      kind: 'prune',
      value: {
        images_deleted: [],
        space_reclaimed: 0,
        measured: true,
        predicted: 0,
        skipped: [],
        saved_to: null,
      },
    })),
  );
  let settings = appSettings();
  mockApi.settingsGet.mockImplementation(async () => settings);
  mockApi.settingsSetStallTimeout.mockImplementation(async (seconds: number) => {
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600) {
      throw { code: 400, message: `A stall timeout of ${seconds} seconds is not possible.` };
    }
    settings = appSettings(seconds);
    return settings;
  });
  recentBuilds = [];
  const sameBuild = (a: RecentBuild, b: RecentBuild) =>
    a.form.context === b.form.context &&
    a.form.dockerfile === b.form.dockerfile &&
    a.form.tags === b.form.tags;
  const merge = (entries: RecentBuild[]) => {
    const all = [...entries, ...recentBuilds].sort((a, b) => (b.at ?? 0) - (a.at ?? 0));
    recentBuilds = all.filter((r, i) => all.findIndex((o) => sameBuild(o, r)) === i).slice(0, 10);
    return recentBuilds;
  };
  mockApi.buildsRecent.mockImplementation(async () => recentBuilds);
  mockApi.buildsRemember.mockImplementation(async (form: RecentBuild['form']) =>
    merge([{ form: structuredClone(form), at: Date.now() }]),
  );
  mockApi.buildsForget.mockImplementation(async (at: number | null) => {
    recentBuilds = recentBuilds.filter((r) => r.at !== at);
    return recentBuilds;
  });
  mockApi.buildsMigrate.mockImplementation(async (entries: RecentBuild[]) => merge(entries));
  mockApi.onFileDrop.mockResolvedValue(() => {});
  mockApi.onImagesChanged.mockImplementation(async (cb: ImagesCb) => {
    listeners.images.add(cb);
    return () => listeners.images.delete(cb);
  });
  mockApi.onEngineStatusChanged.mockImplementation(async (cb: StatusCb) => {
    listeners.status.add(cb);
    return () => listeners.status.delete(cb);
  });
  // No engine list unless a spec gives one: the stores fall back to the current engine.
  mockApi.enginesList.mockResolvedValue(null);
  mockApi.engineSelect.mockImplementation(async (choice: EngineChoice) => {
    const list = lastList ?? { engines: [], choice: null, current: null };
    lastList = {
      ...list,
      choice,
      current: choice === 'all' ? list.current : choice.engine,
    };
    return lastList;
  });
  mockApi.onEnginesChanged.mockImplementation(async (cb: ListCb) => {
    listeners.engines.add(cb);
    return () => listeners.engines.delete(cb);
  });
  lastList = null;
}

let lastList: EnginesList | null = null;

/** As if the backend sent its engine list (and answered `enginesList` with it from now on). */
export function emitEngines(list: EnginesList): void {
  lastList = list;
  mockApi.enginesList.mockResolvedValue(list);
  for (const cb of listeners.engines) cb(list);
}

function listen<T>(set: Set<T>): (cb: T) => Promise<() => void> {
  return async (cb: T) => {
    set.add(cb);
    return () => set.delete(cb);
  };
}

let nextTask = 1;

/** A task summary as the backend sends it. */
export function taskSummary(p: Partial<TaskSummary> & Pick<TaskSummary, 'kind'>): TaskSummary {
  return {
    id: `${p.kind}-${nextTask++}`,
    title: `${p.kind} task`,
    engine: 'Docker unix:///var/run/docker.sock',
    state: 'running',
    started_at: Date.now(),
    finished_at: null,
    error: null,
    result: null,
    image: null,
    output: null,
    cancelling: false,
    noticed: false,
    ...p,
  };
}

export function emitTaskStarted(task: TaskSummary): void {
  for (const cb of listeners.started) cb(task);
}

export function emitTaskProgressed(
  id: string,
  progress: Progress,
  log: string | null = null,
): void {
  for (const cb of listeners.progressed) cb({ id, at: Date.now(), progress, log });
}

export function emitTaskFinished(task: TaskSummary): void {
  for (const cb of listeners.finished) cb(task);
}

/** Roughly the backend's result line (src-tauri/src/tasks/output.rs). */
function resultLine(o: TaskOutput): string {
  switch (o.kind) {
    case 'pull':
      return o.value.tag.join(', ') || o.value.id;
    case 'push':
      return o.value.digest ?? o.value.response;
    case 'build':
    case 'import':
      return [o.value.id, ...o.value.tag].join(' · ');
    case 'save':
      return `${o.value.path} · ${o.value.bytes} B`;
    case 'load':
      return o.value.loaded.join(', ');
    case 'prune':
      return `−${o.value.space_reclaimed} B`;
    case 'copy':
      return `${o.value.images.map((i) => i.tags.join(', ') || i.id).join(', ')} → ${o.value.destination}`;
  }
}

/** Report progress from a mocked operation, with the log line the backend would make. */
export type Report = (progress: Progress, log?: string) => void;

/**
 * A start command the way the task manager runs one: the task is announced and returned at
 * once; `operation` runs after that, and the task ends done with what it resolves to, or
 * failed (cancelled for 499) with what it rejects with.
 */
export function taskCommand<A extends unknown[]>(
  kind: TaskSummary['kind'],
  operation: (report: Report, ...args: A) => Promise<TaskOutput>,
): (...args: A) => Promise<TaskSummary> {
  return async (...args: A) => {
    const title = typeof args[0] === 'string' ? args[0] : `${kind} task`;
    const task = taskSummary({ kind, title });
    emitTaskStarted(task);
    const report: Report = (p, log) => emitTaskProgressed(task.id, p, log ?? null);
    void Promise.resolve()
      .then(() => operation(report, ...args))
      .then(
        (output) => {
          const image =
            output.kind === 'pull' || output.kind === 'import' || output.kind === 'build'
              ? output.value.id
              : null;
          emitTaskFinished({
            ...task,
            state: 'done',
            finished_at: Date.now(),
            output,
            result: resultLine(output),
            image,
          });
        },
        (e: unknown) => {
          const err = e as { code?: number; message?: string; backend?: BackendError | null };
          const code = typeof err.code === 'number' ? err.code : 0;
          // A backend error as data (kind, detail, context) goes through as the core sends it.
          const plain = typeof e === 'object' && e !== null && !(e instanceof Error);
          const backend = err.backend ?? (plain ? (e as BackendError) : null);
          emitTaskFinished({
            ...task,
            state: code === 499 ? 'cancelled' : 'failed',
            finished_at: Date.now(),
            error: backend ?? { code, message: String(err.message ?? e) },
          });
        },
      );
    return task;
  };
}

export function emitImagesChanged(change: Partial<ImagesChanged> = {}): void {
  const payload = { engine: '', ids: [], actions: ['tag'], resync: false, sizes: true, ...change };
  for (const cb of listeners.images) cb(payload);
}

export function emitEngineStatus(status: EngineStatus): void {
  for (const cb of listeners.status) cb(status);
}

/** A promise resolved from the outside, for calls that should stay in flight. */
export function deferred<T>(): {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
} {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
