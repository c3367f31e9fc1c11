// The one place that talks to the backend. Components never call `commands` directly: stores
// call these, catch `ApiError`, and expose what went wrong.
import { getCurrentWebview } from '@tauri-apps/api/webview';
import { commands, events } from './bindings';
import { describeError } from './errors';
import type {
  BuildOptions_Deserialize as BuildOptions,
  Builder,
  BuildCachePlan,
  BuildCachePruneResult,
  KeepReason,
  KeptItem,
  PlanItem,
  PruneOptions_Deserialize as PruneOptions,
  PruneOutcome_Serialize as PruneOutcome,
  PrunePlan,
  SkippedItem,
  BuildResult,
  ContainerRef,
  ContextSummary,
  DiskUsage,
  ImageUsage,
  LoadResult,
  LoginForm,
  Overall,
  Progress,
  PullResult_Serialize as PullResult,
  PushResult_Serialize as PushResult,
  SaveResult,
  SearchOptions_Deserialize as SearchOptions,
  SearchResult,
  DamagedPins,
  FilesState_Serialize as FilesState,
  KeptAside,
  PinsState_Serialize as PinsState,
  TaskOutput_Serialize as TaskOutput,
  TaskProgressed,
  TaskSummary_Serialize as TaskSummary,
  TaskView_Serialize as TaskView,
  TimedProgress,
  UsageSnapshot,
  CopyResult,
  KnownEngine_Serialize as KnownEngine,
  ManualEngine_Deserialize as ManualEngine,
  TlsFiles_Deserialize as TlsFiles,
  EngineStatus,
  EngineChoice,
  EngineState,
  EnginesList_Serialize as EnginesList,
  EngineView_Serialize as EngineView,
  Error_Serialize as BackendError,
  HistoryEntry,
  ImageDetails,
  ImageSummary,
  ImagesChanged,
  ImageOutcome_Serialize as ImageOutcome,
  ImageRemoval_Serialize as ImageRemoval,
  Refusal,
  RemovalPlan_Serialize as RemovalPlan,
  RemovalReport_Serialize as RemovalReport,
  TagHolder,
  TagOutcome_Serialize as TagOutcome,
} from './bindings';
import type {
  AppSettings,
  BuildForm_Deserialize as RecentBuildForm,
  RecentBuild_Serialize as RecentBuild,
  SaveTarget,
} from './bindings';

export type { AppSettings, RecentBuild, RecentBuildForm, SaveTarget };
export type { EngineChoice, EngineState, EnginesList, EngineView };
export type { EngineStatus, HistoryEntry, ImageDetails, ImageSummary, ImagesChanged };
export type { BackendError };
export type { ImageOutcome, ImageRemoval, Refusal, RemovalPlan, RemovalReport };
export type { TagHolder, TagOutcome };
export type { ContainerRef, DiskUsage, ImageUsage, Progress, SaveResult };
export type { Builder, BuildOptions, BuildResult, ContextSummary, LoadResult, LoginForm, Overall };
export type { PullResult, PushResult, SearchOptions, SearchResult, UsageSnapshot };
export type { TaskOutput, TaskProgressed, TaskSummary, TaskView, TimedProgress };
export type { BuildCachePlan, BuildCachePruneResult, KeepReason, KeptItem, PlanItem };
export type { PruneOptions, PruneOutcome, PrunePlan, SkippedItem };
export type { DamagedPins, FilesState, KeptAside, PinsState };
export type { CopyResult, KnownEngine, ManualEngine, TlsFiles };

/**
 * A command failed: the backend's HTTP-like status code and its sentence, translated for the
 * current language (`describeError`); the engine's raw text, if any, is also kept as `detail`.
 */
export class ApiError extends Error {
  readonly code: number;
  /** The engine's raw text (untranslated), also part of `message`. */
  readonly detail: string | null;
  /** The backend's error as it came (kind, context): to keep, and translate again later. */
  readonly backend: BackendError | null;
  constructor(
    code: number,
    message: string,
    detail: string | null = null,
    backend: BackendError | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.detail = detail;
    this.backend = backend;
  }
}

type Result<T> = { status: 'ok'; data: T } | { status: 'error'; error: unknown };

/**
 * Turn the bindings' result into a value or a thrown `ApiError`.
 *
 * The backend's errors are `{code, message}`, but Tauri itself rejects with a bare string when
 * the IPC fails (unknown command, denied permission), and outside Tauri `invoke` throws a
 * TypeError: all of them come out as `ApiError`.
 */
export async function unwrap<T>(call: Promise<Result<T>> | (() => Promise<Result<T>>)): Promise<T> {
  let res: Result<T>;
  try {
    res = await (typeof call === 'function' ? call() : call);
  } catch (e) {
    throw toApiError(e);
  }
  if (res.status === 'ok') return res.data;
  throw toApiError(res.error);
}

/** Any failure as an `ApiError`; the backend's errors in the current language. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e && typeof e === 'object' && 'message' in e) {
    const code = 'code' in e && typeof e.code === 'number' ? e.code : 0;
    if (e instanceof Error) return new ApiError(code, e.message);
    const backend = { ...e, code, message: String(e.message) } as BackendError;
    const text = describeError(backend);
    return new ApiError(code, text.message, text.detail, backend);
  }
  return new ApiError(0, typeof e === 'string' ? e : String(e));
}

/** Unlisten function returned by event subscriptions. */
export type Unlisten = () => void;

export const api = {
  engineStatus: (): Promise<EngineStatus> => unwrap(() => commands.engineStatus()),
  engineRetry: (): Promise<EngineStatus> => unwrap(() => commands.engineRetry()),
  engineChoose: (host: string | null): Promise<EngineStatus> =>
    unwrap(() => commands.engineChoose(host)),
  engineCandidates: async (): Promise<string[]> => {
    try {
      return await commands.engineCandidates();
    } catch (e) {
      throw toApiError(e);
    }
  },
  /** Every engine with its state, and the choice. */
  enginesList: (): Promise<EnginesList> => unwrap(() => commands.enginesList()),
  /** Look at one engine or at all of them (remembered). */
  engineSelect: (choice: EngineChoice): Promise<EnginesList> =>
    unwrap(() => commands.engineSelect(choice)),
  // Commands on images take the engine's key last (null: the current engine).
  imagesList: (engine: string | null = null): Promise<ImageSummary[]> =>
    unwrap(() => commands.imagesList(engine)),
  /** Rows to paint before the list answers where the engine lists slowly (Podman); null
   *  where the list is the quick way. */
  imagesQuickList: (engine: string | null = null): Promise<ImageSummary[] | null> =>
    unwrap(() => commands.imagesQuickList(engine)),
  imageGet: (reference: string, engine: string | null = null): Promise<ImageDetails> =>
    unwrap(() => commands.imageGet(engine, reference)),
  imageContainers: (reference: string, engine: string | null = null): Promise<ContainerRef[]> =>
    unwrap(() => commands.imageContainers(engine, reference)),
  imageHistory: (reference: string, engine: string | null = null): Promise<HistoryEntry[]> =>
    unwrap(() => commands.imageHistory(engine, reference)),
  imageInspect: (reference: string, engine: string | null = null): Promise<string> =>
    unwrap(() => commands.imageInspect(engine, reference)),
  /** Tag; when another image holds the name, a conflict comes back until `moveFrom` names it. */
  imageTag: (
    source: string,
    target: string,
    moveFrom: string | null,
    engine: string | null = null,
  ): Promise<TagOutcome> => unwrap(() => commands.imageTag(engine, source, target, moveFrom)),
  /** What removing these names/IDs would do (the backend's rules and pins); nothing changes. */
  imagesRemovePlan: (
    references: string[],
    force: boolean,
    engine: string | null = null,
  ): Promise<RemovalPlan> => unwrap(() => commands.imagesRemovePlan(engine, references, force)),
  /** Remove as planned; `acceptContainers`: containers Podman's force may delete (shown first). */
  imagesRemove: (
    references: string[],
    force: boolean,
    acceptContainers: string[],
    engine: string | null = null,
  ): Promise<RemovalReport> =>
    unwrap(() => commands.imagesRemove(engine, references, force, acceptContainers)),
  /** Disk figures of the engine `engine` names (its key; `null`: the current one). */
  usageSnapshot: (engine: string | null = null): Promise<UsageSnapshot> =>
    unwrap(() => commands.usageSnapshot(engine)),
  /** Every engine of the app's set (added by hand first) with its state. */
  enginesKnown: (): Promise<KnownEngine[]> => unwrap(() => commands.enginesKnown()),
  engineAdd: (engine: ManualEngine): Promise<ManualEngine> =>
    unwrap(() => commands.engineAdd(engine)),
  engineEdit: (name: string, engine: ManualEngine): Promise<ManualEngine> =>
    unwrap(() => commands.engineEdit(name, engine)),
  engineRemove: (name: string): Promise<null> => unwrap(() => commands.engineRemove(name)),
  /** Copy images from the engine `engine` (`null`: the current one) to `destination` (a task). */
  imagesCopy: (
    title: string,
    references: string[],
    destination: string,
    engine: string | null = null,
  ): Promise<TaskSummary> =>
    unwrap(() => commands.imagesCopy(engine, title, references, destination)),
  // Long operations start a task in the backend's task manager and return it at once;
  // progress and the end arrive as task events (`onTask*`). `title` is the drawer's line.
  /** Where a save would write (`~` expanded) and whether a file is already there. */
  imagesSaveCheck: (path: string): Promise<SaveTarget> =>
    unwrap(() => commands.imagesSaveCheck(path)),
  /** Save images into one tar; a file already at `path` is replaced only with `replace`. */
  imagesSave: (
    title: string,
    references: string[],
    path: string,
    replace: boolean,
    engine: string | null = null,
  ): Promise<TaskSummary> =>
    unwrap(() => commands.imagesSave(engine, title, references, path, replace)),
  imagePull: (
    title: string,
    reference: string,
    platform: string | null,
    allTags: boolean,
    engine: string | null = null,
  ): Promise<TaskSummary> =>
    unwrap(() => commands.imagePull(engine, title, reference, platform, allTags)),
  imagePush: (
    title: string,
    reference: string,
    login: LoginForm | null,
    engine: string | null = null,
  ): Promise<TaskSummary> => unwrap(() => commands.imagePush(engine, title, reference, login)),
  imagesLoad: (title: string, path: string, engine: string | null = null): Promise<TaskSummary> =>
    unwrap(() => commands.imagesLoad(engine, title, path)),
  imageImport: (
    title: string,
    path: string,
    reference: string | null,
    engine: string | null = null,
  ): Promise<TaskSummary> => unwrap(() => commands.imageImport(engine, title, path, reference)),
  buildReadDockerfile: (context: string, dockerfile: string | null): Promise<string> =>
    unwrap(() => commands.buildReadDockerfile(context, dockerfile)),
  buildContextSummary: (context: string, dockerfile: string | null): Promise<ContextSummary> =>
    unwrap(() => commands.buildContextSummary(context, dockerfile)),
  imageBuild: (
    title: string,
    context: string,
    options: BuildOptions,
    engine: string | null = null,
  ): Promise<TaskSummary> => unwrap(() => commands.imageBuild(engine, title, context, options)),
  imagesSearch: (term: string, options: SearchOptions): Promise<SearchResult[]> =>
    unwrap(() => commands.imagesSearch(term, options)),
  registryTags: (repository: string, login: LoginForm | null): Promise<string[]> =>
    unwrap(() => commands.registryTags(repository, login)),
  pinsGet: (): Promise<PinsState> => unwrap(() => commands.pinsGet()),
  pinsSet: (patterns: string[]): Promise<PinsState> => unwrap(() => commands.pinsSet(patterns)),
  /** After a damaged pins file: keep the recovered pins, or start without them. */
  pinsResolve: (keepRecovered: boolean): Promise<PinsState> =>
    unwrap(() => commands.pinsResolve(keepRecovered)),
  /** The app's own files: pins damage (lasting) and files kept aside this run. */
  filesState: (): Promise<FilesState> => unwrap(() => commands.filesState()),
  filesDismiss: async (keptAt: string): Promise<KeptAside[]> => {
    try {
      return await commands.filesDismiss(keptAt);
    } catch (e) {
      throw toApiError(e);
    }
  },
  prunePreview: (options: PruneOptions, engine: string | null = null): Promise<PrunePlan> =>
    unwrap(() => commands.prunePreview(engine, options)),
  pruneConfirm: (
    title: string,
    items: PlanItem[],
    saveTo: string | null,
    engine: string | null = null,
  ): Promise<TaskSummary> => unwrap(() => commands.pruneConfirm(engine, title, items, saveTo)),
  buildCachePreview: (
    keepStorage: number | null,
    all: boolean,
    engine: string | null = null,
  ): Promise<BuildCachePlan> => unwrap(() => commands.buildCachePreview(engine, keepStorage, all)),
  buildCachePrune: (
    keepStorage: number | null,
    all: boolean,
    engine: string | null = null,
  ): Promise<BuildCachePruneResult> =>
    unwrap(() => commands.buildCachePrune(engine, keepStorage, all)),
  taskCancel: (task: string): Promise<boolean> => unwrap(() => commands.taskCancel(task)),
  /** Running tasks with their progress so far, then finished ones, newest first. */
  tasksList: (): Promise<TaskView[]> => unwrap(() => commands.tasksList()),
  /** The notice for this task's end was shown: a reloaded page does not repeat it. */
  taskNoticed: async (task: string): Promise<void> => {
    try {
      await commands.taskNoticed(task);
    } catch (e) {
      throw toApiError(e);
    }
  },
  onTaskStarted: async (cb: (task: TaskSummary) => void): Promise<Unlisten> =>
    events.taskStarted.listen((e) => cb(e.payload)),
  onTaskProgressed: async (cb: (update: TaskProgressed) => void): Promise<Unlisten> =>
    events.taskProgressed.listen((e) => cb(e.payload)),
  onTaskFinished: async (cb: (task: TaskSummary) => void): Promise<Unlisten> =>
    events.taskFinished.listen((e) => cb(e.payload)),

  onImagesChanged: async (cb: (change: ImagesChanged) => void): Promise<Unlisten> =>
    events.imagesChanged.listen((e) => cb(e.payload)),
  /** Files dragged over (`enter`, with their paths), away from (`leave`) or dropped on
   *  (`drop`) the window. */
  onFileDrop: async (
    cb: (what: 'enter' | 'leave' | 'drop', paths: string[]) => void,
  ): Promise<Unlisten> =>
    getCurrentWebview().onDragDropEvent((e) => {
      const p = e.payload;
      if (p.type === 'enter') cb('enter', p.paths);
      else if (p.type === 'leave') cb('leave', []);
      else if (p.type === 'drop') cb('drop', p.paths);
    }),
  onEngineStatusChanged: async (cb: (status: EngineStatus) => void): Promise<Unlisten> =>
    events.engineStatusChanged.listen((e) => cb(e.payload)),
  /** Any engine's state or the choice changed: the whole list. */
  onEnginesChanged: async (cb: (list: EnginesList) => void): Promise<Unlisten> =>
    events.enginesChanged.listen((e) => cb(e.payload)),

  // The app's settings (settings.json, kept by the backend) and recent builds (its data
  // folder: build args never stay in the window's storage).
  settingsGet: (): Promise<AppSettings> => unwrap(() => commands.settingsGet()),
  /** Keep the stall timeout (seconds); the connected engine uses it at once. */
  settingsSetStallTimeout: (seconds: number): Promise<AppSettings> =>
    unwrap(() => commands.settingsSetStallTimeout(seconds)),
  buildsRecent: (): Promise<RecentBuild[]> => unwrap(() => commands.buildsRecent()),
  buildsRemember: (form: RecentBuildForm): Promise<RecentBuild[]> =>
    unwrap(() => commands.buildsRemember(form)),
  buildsForget: (at: number | null): Promise<RecentBuild[]> =>
    unwrap(() => commands.buildsForget(at)),
  /** Once: hand the entries the window kept in localStorage to the backend. */
  buildsMigrate: (entries: RecentBuild[]): Promise<RecentBuild[]> =>
    unwrap(() => commands.buildsMigrate(entries)),
};

export type Api = typeof api;
