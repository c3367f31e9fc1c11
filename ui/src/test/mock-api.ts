// A stand-in for `api` from `$lib/api` (the IPC to the Rust backend), installed for every test
// by setup.ts. Specs set answers with `mockApi.x.mockResolvedValue(...)` and drive events with
// `emitImagesChanged()` / `emitEngineStatus()`.
import { vi } from 'vitest';
import type { EngineStatus, ImagesChanged, RemovalPlan } from '$lib/api';
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

const listeners = { images: new Set<ImagesCb>(), status: new Set<StatusCb>() };

export const mockApi = {
  engineStatus: vi.fn(),
  engineRetry: vi.fn(),
  engineChoose: vi.fn(),
  engineCandidates: vi.fn(),
  imagesList: vi.fn(),
  imageGet: vi.fn(),
  imageHistory: vi.fn(),
  imageInspect: vi.fn(),
  imageTag: vi.fn(),
  imagesRemovePlan: vi.fn(),
  imagesRemove: vi.fn(),
  imageContainers: vi.fn(),
  usageSnapshot: vi.fn(),
  imagesSave: vi.fn(),
  taskCancel: vi.fn(),
  taskHistory: vi.fn(),
  taskHistoryRecord: vi.fn(),
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
};

export function resetMockApi(): void {
  for (const fn of Object.values(mockApi)) fn.mockReset();
  listeners.images.clear();
  listeners.status.clear();
  mockApi.engineStatus.mockResolvedValue(connectedStatus());
  mockApi.engineRetry.mockResolvedValue(connectedStatus());
  mockApi.engineChoose.mockResolvedValue(connectedStatus());
  mockApi.engineCandidates.mockResolvedValue(['unix:///var/run/docker.sock']);
  mockApi.imagesList.mockResolvedValue([]);
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
  mockApi.imagesSave.mockImplementation(async (_task: string, refs: string[], path: string) => ({
    path,
    bytes: refs.length * 1000,
  }));
  mockApi.taskCancel.mockResolvedValue(true);
  mockApi.taskHistory.mockResolvedValue([]);
  mockApi.imagesSearch.mockResolvedValue([]);
  mockApi.registryTags.mockResolvedValue([]);
  mockApi.buildReadDockerfile.mockResolvedValue('FROM busybox\n');
  mockApi.buildContextSummary.mockResolvedValue({ files: 1, bytes: 100, ignored: 0 });
  mockApi.taskHistoryRecord.mockImplementation(async (r: unknown) => [r]);
  mockApi.imagePull.mockImplementation(async (_t: string, reference: string) => ({
    id: 'sha256:pulled',
    tag: [reference],
    digest: null,
  }));
  mockApi.onFileDrop.mockResolvedValue(() => {});
  mockApi.onImagesChanged.mockImplementation(async (cb: ImagesCb) => {
    listeners.images.add(cb);
    return () => listeners.images.delete(cb);
  });
  mockApi.onEngineStatusChanged.mockImplementation(async (cb: StatusCb) => {
    listeners.status.add(cb);
    return () => listeners.status.delete(cb);
  });
}

export function emitImagesChanged(change: Partial<ImagesChanged> = {}): void {
  const payload = { ids: [], actions: ['tag'], resync: false, ...change };
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
