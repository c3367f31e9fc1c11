// @vitest-environment node
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type * as ApiModule from './api';

// Tauri's IPC, under the generated bindings: answers like the Rust side would.
const tauri = vi.hoisted(() => ({ invoke: vi.fn(), listen: vi.fn() }));

// setup.ts replaces `api` for every other test; this file loads the real one, over the real
// bindings, with only Tauri's invoke/listen faked.
vi.resetModules();
vi.doMock('@tauri-apps/api/core', () => ({ invoke: tauri.invoke }));
vi.doMock('@tauri-apps/api/event', () => ({ listen: tauri.listen }));
const { api, ApiError, unwrap } = await vi.importActual<typeof ApiModule>('./api');

beforeEach(() => {
  vi.clearAllMocks();
});

describe('unwrap', () => {
  it('returns the data of an ok result', async () => {
    await expect(unwrap(Promise.resolve({ status: 'ok', data: [1, 2] }))).resolves.toEqual([1, 2]);
  });

  it('throws the backend error as ApiError with its code and message', async () => {
    const failing = unwrap(
      Promise.resolve({ status: 'error', error: { code: 409, message: 'image is in use' } }),
    );
    await expect(failing).rejects.toBeInstanceOf(ApiError);
    await expect(failing).rejects.toMatchObject({ code: 409, message: 'image is in use' });
  });

  it('turns a bare IPC string rejection into an ApiError', async () => {
    const failing = unwrap({
      then: (_ok: unknown, fail: (e: unknown) => void) => fail('command images_list not found'),
    } as unknown as Promise<never>);
    await expect(failing).rejects.toMatchObject({
      code: 0,
      message: 'command images_list not found',
    });
  });

  it('turns a thrown TypeError (no Tauri) into an ApiError', async () => {
    await expect(
      unwrap(() => {
        throw new TypeError("Cannot read properties of undefined (reading 'invoke')");
      }),
    ).rejects.toMatchObject({ name: 'ApiError', code: 0 });
  });
});

describe('api over the generated bindings', () => {
  it('lists images with the images_list command', async () => {
    tauri.invoke.mockResolvedValue([{ id: 'sha256:1' }]);
    await expect(api.imagesList()).resolves.toEqual([{ id: 'sha256:1' }]);
    expect(tauri.invoke).toHaveBeenCalledWith('images_list', { engine: null });
    // A row of another engine: its key goes with the command.
    await api.imagesList('podman');
    expect(tauri.invoke).toHaveBeenLastCalledWith('images_list', { engine: 'podman' });
  });

  it('sends the arguments by their Rust names and rejects with the engine error', async () => {
    tauri.invoke.mockRejectedValue({ code: 400, message: 'invalid reference format' });
    await expect(api.imageTag('sha256:1', 'Bad', null)).rejects.toMatchObject({
      code: 400,
      message: 'invalid reference format',
    });
    expect(tauri.invoke).toHaveBeenCalledWith('image_tag', {
      engine: null,
      source: 'sha256:1',
      target: 'Bad',
      moveFrom: null,
    });
  });

  it('plans, then removes several references with force and the containers agreed to', async () => {
    tauri.invoke.mockResolvedValue({});
    await api.imagesRemovePlan(['a:1', 'sha256:2'], true, 'lab');
    expect(tauri.invoke).toHaveBeenCalledWith('images_remove_plan', {
      engine: 'lab',
      references: ['a:1', 'sha256:2'],
      force: true,
    });
    await api.imagesRemove(['a:1', 'sha256:2'], true, ['c1'], 'lab');
    expect(tauri.invoke).toHaveBeenCalledWith('images_remove', {
      engine: 'lab',
      references: ['a:1', 'sha256:2'],
      force: true,
      acceptContainers: ['c1'],
    });
  });

  it('hands event payloads to the callback', async () => {
    const unlisten = vi.fn();
    tauri.listen.mockImplementation(async (name: string, cb: (e: unknown) => void) => {
      expect(name).toBe('images-changed');
      cb({ event: name, id: 1, payload: { ids: ['x'], actions: ['tag'], resync: false } });
      return unlisten;
    });
    const seen: unknown[] = [];
    const stop = await api.onImagesChanged((p) => seen.push(p));
    expect(seen).toEqual([{ ids: ['x'], actions: ['tag'], resync: false }]);
    expect(stop).toBe(unlisten);
  });
});
