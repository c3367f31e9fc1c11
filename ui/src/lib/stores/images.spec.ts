// @vitest-environment node
import { describe, expect, it, vi } from 'vitest';
import { ApiError, type ImageSummary } from '$lib/api';
import { ImagesStore } from './images.svelte';
import { deferred, emitImagesChanged, mockApi } from '$test/mock-api';
import { diskUsage, hexId, image } from '$test/fixtures';

const one = [image({ id: hexId('a1'), tags: ['demo/app:1', 'demo/app:latest'], size: 5 })];
const two = [...one, image({ id: hexId('b2'), tags: [], size: 7 })];

describe('ImagesStore quick first paint', () => {
  const quick = [image({ id: hexId('a1'), tags: ['demo/app:1'], size: 5 })];

  it('paints the quick rows while the list is on its way, then shows the list', async () => {
    const list = deferred<ImageSummary[]>();
    mockApi.imagesQuickList.mockResolvedValue(quick);
    mockApi.imagesList.mockReturnValue(list.promise);
    const store = new ImagesStore();
    const running = store.refresh();
    await vi.waitFor(() => expect(store.loaded).toBe(true));
    expect(store.images).toEqual(quick);
    // Still listing: the grid says so until the list is in.
    expect(store.loading).toBe(true);
    list.resolve(two);
    await running;
    expect(store.images).toEqual(two);
    expect(store.loading).toBe(false);
    // Later loads have rows to show meanwhile: no quick answer asked.
    await store.refresh();
    expect(mockApi.imagesQuickList).toHaveBeenCalledTimes(1);
  });

  it('asks for the list once the quick answer is in, and without one', async () => {
    const quickAnswer = deferred<ImageSummary[] | null>();
    mockApi.imagesQuickList.mockReturnValue(quickAnswer.promise);
    mockApi.imagesList.mockResolvedValue(two);
    const store = new ImagesStore();
    const running = store.refresh();
    await Promise.resolve();
    // The df first: beside the list it answered in 3 s instead of 0.6 s.
    expect(mockApi.imagesList).not.toHaveBeenCalled();
    quickAnswer.reject(new ApiError(500, 'no df here'));
    await running;
    expect(store.images).toEqual(two);
    expect(store.error).toBeNull();
  });

  it('does not leave quick rows beside a list that failed', async () => {
    const list = deferred<ImageSummary[]>();
    mockApi.imagesQuickList.mockResolvedValue(quick);
    mockApi.imagesList.mockReturnValue(list.promise);
    const store = new ImagesStore();
    const running = store.refresh();
    await vi.waitFor(() => expect(store.images).toEqual(quick));
    list.reject(new ApiError(502, 'engine went away'));
    await running;
    expect(store.images).toEqual([]);
    expect(store.error?.message).toBe('engine went away');
  });
});

describe('ImagesStore.refresh', () => {
  it('loads the list and builds one row per tag', async () => {
    mockApi.imagesList.mockResolvedValue(one);
    const store = new ImagesStore();
    expect(store.loaded).toBe(false);
    await store.refresh();
    expect(store.loaded).toBe(true);
    expect(store.images).toEqual(one);
    expect(store.rows.map((r) => r.tag)).toEqual(['1', 'latest']);
    expect(store.totals).toEqual({ count: 1, size: 5, exact: false });
  });

  it('fills in unique sizes and the disk total after the list, without holding the grid', async () => {
    const id = hexId('a1');
    const usage = deferred<unknown>();
    mockApi.imagesList.mockResolvedValue(one);
    mockApi.usageSnapshot.mockReturnValue(usage.promise);
    const store = new ImagesStore();
    const running = store.refresh();
    await vi.waitFor(() => expect(store.loaded).toBe(true));
    expect(store.rows[0].unique).toBeNull();
    usage.resolve({
      disk: diskUsage(4),
      images: [{ id, size: 5, unique_size: 3, shared_size: 2 }],
    });
    await running;
    expect(store.rows.map((r) => r.unique)).toEqual([3, 3]);
    expect(store.totals).toEqual({ count: 1, size: 4, exact: true });
    // Asked once: Docker refuses a second df while one runs.
    expect(mockApi.usageSnapshot).toHaveBeenCalledTimes(1);
  });

  it('keeps the list, and the last numbers, when the usage request fails', async () => {
    const id = hexId('a1');
    mockApi.imagesList.mockResolvedValue(one);
    mockApi.usageSnapshot.mockResolvedValueOnce({
      disk: diskUsage(4),
      images: [{ id, size: 5, unique_size: 3, shared_size: 2 }],
    });
    mockApi.usageSnapshot.mockRejectedValue(
      new ApiError(500, 'a disk usage operation is already running'),
    );
    const store = new ImagesStore();
    await store.refresh();
    await store.refresh();
    expect(store.images).toEqual(one);
    expect(store.error).toBeNull();
    expect(store.rows[0].unique).toBe(3);
    expect(store.totals.exact).toBe(true);
  });

  it('turns events during a refresh into exactly one more refresh', async () => {
    const first = deferred<ImageSummary[]>();
    mockApi.imagesList.mockReturnValueOnce(first.promise).mockResolvedValue(two);
    const store = new ImagesStore();
    await store.listen();

    const running = store.refresh();
    emitImagesChanged({ actions: ['tag'] });
    emitImagesChanged({ actions: ['untag'] });
    emitImagesChanged({ actions: ['delete'] });
    await vi.waitFor(() => expect(mockApi.imagesList).toHaveBeenCalledTimes(1));

    first.resolve(one);
    await running;
    expect(mockApi.imagesList).toHaveBeenCalledTimes(2);
    expect(store.images).toEqual(two);
  });

  it('reads the disk usage again only when the backend says bytes may have changed', async () => {
    mockApi.imagesList.mockResolvedValue(one);
    const store = new ImagesStore();
    await store.listen();
    await store.refresh();
    expect(mockApi.usageSnapshot).toHaveBeenCalledTimes(1);

    emitImagesChanged({ actions: ['tag'], sizes: false });
    await vi.waitFor(() => expect(mockApi.imagesList).toHaveBeenCalledTimes(2));
    await vi.waitFor(() => expect(store.loading).toBe(false));
    expect(mockApi.usageSnapshot).toHaveBeenCalledTimes(1);

    emitImagesChanged({ actions: ['delete'], sizes: true });
    await vi.waitFor(() => expect(mockApi.usageSnapshot).toHaveBeenCalledTimes(2));
  });

  it('a names-only event folded into a load that wants sizes still reads them', async () => {
    const first = deferred<ImageSummary[]>();
    mockApi.imagesList.mockReturnValueOnce(first.promise).mockResolvedValue(two);
    const store = new ImagesStore();
    await store.listen();
    const running = store.refresh(undefined, false);
    emitImagesChanged({ actions: ['tag'], sizes: false });
    emitImagesChanged({ actions: ['pull'], sizes: true });
    first.resolve(one);
    await running;
    expect(mockApi.imagesList).toHaveBeenCalledTimes(2);
    expect(mockApi.usageSnapshot).toHaveBeenCalledTimes(1);
  });

  it('runs one refresh per event when they come apart', async () => {
    mockApi.imagesList.mockResolvedValue(one);
    const store = new ImagesStore();
    await store.listen();
    emitImagesChanged();
    await vi.waitFor(() => expect(store.loaded).toBe(true));
    emitImagesChanged();
    await vi.waitFor(() => expect(mockApi.imagesList).toHaveBeenCalledTimes(2));
  });

  it('every caller waits for the refresh that includes its request', async () => {
    const first = deferred<ImageSummary[]>();
    mockApi.imagesList.mockReturnValueOnce(first.promise).mockResolvedValue(two);
    const store = new ImagesStore();
    const a = store.refresh();
    const b = store.refresh();
    first.resolve(one);
    await b;
    expect(store.images).toEqual(two);
    await a;
  });

  it('keeps the last list and exposes the error when a refresh fails', async () => {
    mockApi.imagesList.mockResolvedValueOnce(one);
    const store = new ImagesStore();
    const onError = vi.fn();
    store.onError = onError;
    await store.refresh();
    mockApi.imagesList.mockRejectedValueOnce(new ApiError(503, 'No container engine'));
    await store.refresh();
    expect(store.images).toEqual(one);
    expect(store.error?.message).toBe('No container engine');
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: 503 }));
    expect(store.loading).toBe(false);
  });

  it('stops listening', async () => {
    const store = new ImagesStore();
    await store.listen();
    store.stop();
    emitImagesChanged();
    expect(mockApi.imagesList).not.toHaveBeenCalled();
  });
});

describe('ImagesStore actions', () => {
  it('tags and refreshes', async () => {
    const store = new ImagesStore();
    await store.tag(hexId('a1'), 'demo/app:2');
    expect(mockApi.imageTag).toHaveBeenCalledWith(hexId('a1'), 'demo/app:2', null, null);
    await vi.waitFor(() => expect(mockApi.imagesList).toHaveBeenCalled());
  });

  it('hands back a name another image holds without refreshing (nothing changed)', async () => {
    const holder = { id: hexId('b2'), tags: ['y:1'], keeps: [] };
    mockApi.imageTag.mockResolvedValue({ status: 'conflict', name: 'y:1', holder });
    const store = new ImagesStore();
    await expect(store.tag(hexId('a1'), 'y:1')).resolves.toMatchObject({ holder });
    await store.tag(hexId('a1'), 'y:1', hexId('b2'));
    expect(mockApi.imageTag).toHaveBeenLastCalledWith(hexId('a1'), 'y:1', hexId('b2'), null);
    expect(mockApi.imagesList).not.toHaveBeenCalled();
  });

  it('rejects with ApiError when tagging fails', async () => {
    mockApi.imageTag.mockRejectedValue({ code: 409, message: 'conflict' });
    const store = new ImagesStore();
    await expect(store.tag('x', 'y:1')).rejects.toMatchObject({ name: 'ApiError', code: 409 });
  });

  it('removes as the backend planned, passes the agreed containers, and refreshes', async () => {
    const store = new ImagesStore();
    const plan = await store.removePlan(['a:1'], true);
    expect(plan.images[0].requested).toEqual(['a:1']);
    const report = await store.remove(['a:1'], true, ['c1']);
    expect(report.complete).toBe(true);
    expect(mockApi.imagesRemove).toHaveBeenCalledWith(['a:1'], true, ['c1'], null);
    await vi.waitFor(() => expect(mockApi.imagesList).toHaveBeenCalled());
  });
});

describe('ImagesStore with several engines', () => {
  const onDesk = [image({ id: hexId('a1'), tags: ['desk/app:1'], size: 5 })];
  const onLab = [image({ id: hexId('a1'), tags: ['lab/app:1'], size: 5 })];

  function store(targets: string[]) {
    mockApi.imagesList.mockImplementation(async (engine: string | null) =>
      engine === 'lab' ? onLab : onDesk,
    );
    return new ImagesStore(() => targets);
  }

  it('loads every engine shown, each row naming its engine, totals added up', async () => {
    const s = store(['desk', 'lab']);
    await s.refresh();
    expect(mockApi.imagesList.mock.calls.map((c) => c[0]).sort()).toEqual(['desk', 'lab']);
    expect(s.rows.map((r) => [r.engine, r.name])).toEqual([
      ['desk', 'desk/app:1'],
      ['lab', 'lab/app:1'],
    ]);
    expect(s.totals.count).toBe(2);
    expect(s.imageOf('lab', hexId('a1'))?.tags).toEqual(['lab/app:1']);
  });

  it('reloads only the engine an event names', async () => {
    const s = store(['desk', 'lab']);
    await s.listen();
    await s.refresh();
    mockApi.imagesList.mockClear();
    emitImagesChanged({ engine: 'lab', actions: ['tag'] });
    await vi.waitFor(() => expect(mockApi.imagesList).toHaveBeenCalledTimes(1));
    expect(mockApi.imagesList).toHaveBeenCalledWith('lab');
    // An engine not shown is not asked.
    emitImagesChanged({ engine: 'elsewhere', actions: ['tag'] });
    await new Promise((r) => setTimeout(r, 10));
    expect(mockApi.imagesList).toHaveBeenCalledTimes(1);
    s.stop();
  });

  it('drops a lost engine’s rows and keeps the others', async () => {
    const s = store(['desk', 'lab']);
    await s.refresh();
    s.retain(['desk']);
    expect(s.rows.map((r) => r.engine)).toEqual(['desk']);
    expect(s.loaded).toBe(true);
  });

  it('is not ready on the answer for an engine no longer shown (the list came in meanwhile)', async () => {
    // At start the store asks "the current engine" (null) before the engine list is known;
    // the list then names it. The late answer for null must not show an empty, "ready" grid.
    const early = deferred<ImageSummary[]>();
    const named = deferred<ImageSummary[]>();
    mockApi.imagesList.mockImplementation((engine: string | null) =>
      engine === null ? early.promise : named.promise,
    );
    let targets: (string | null)[] = [null];
    const s = new ImagesStore(() => targets);
    const first = s.refresh();
    targets = ['desk'];
    s.retain(targets);
    const second = s.refresh();
    early.resolve(onLab);
    await first;
    expect(s.loaded).toBe(false);
    expect(s.rows).toEqual([]);
    named.resolve(onDesk);
    await second;
    expect(s.loaded).toBe(true);
    expect(s.rows.map((r) => r.name)).toEqual(['desk/app:1']);
  });

  it('sends actions to the engine of the row', async () => {
    const s = store(['desk', 'lab']);
    await s.tag(hexId('a1'), 'lab/app:2', null, 'lab');
    expect(mockApi.imageTag).toHaveBeenCalledWith(hexId('a1'), 'lab/app:2', null, 'lab');
    await s.removePlan(['lab/app:1'], false, 'lab');
    expect(mockApi.imagesRemovePlan).toHaveBeenCalledWith(['lab/app:1'], false, 'lab');
  });
});
