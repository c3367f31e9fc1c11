// @vitest-environment node
import { describe, expect, it, vi } from 'vitest';
import { EngineStore } from './engine.svelte';
import { emitEngineStatus, mockApi } from '$test/mock-api';
import { connectedStatus, disconnectedStatus } from '$test/fixtures';

describe('EngineStore', () => {
  it('listens before asking, then shows the status', async () => {
    const store = new EngineStore();
    await store.start();
    expect(mockApi.onEngineStatusChanged.mock.invocationCallOrder[0]).toBeLessThan(
      mockApi.engineStatus.mock.invocationCallOrder[0],
    );
    expect(store.connected).toBe(true);
    expect(store.info?.version).toBe('20.10.24');
    store.stop();
  });

  it('follows status events', async () => {
    const store = new EngineStore();
    await store.start();
    emitEngineStatus(disconnectedStatus('Lost the connection'));
    expect(store.connected).toBe(false);
    expect(store.connecting).toBe(false);
    expect(store.status?.error?.message).toBe('Lost the connection');
    store.stop();
  });

  it('is connecting while the backend reports neither success nor error, and asks again', async () => {
    vi.useFakeTimers();
    try {
      mockApi.engineStatus
        .mockResolvedValueOnce({ ...disconnectedStatus(), error: null })
        .mockResolvedValue(connectedStatus());
      const store = new EngineStore();
      await store.start();
      expect(store.connecting).toBe(true);
      await vi.advanceTimersByTimeAsync(2000);
      expect(store.connected).toBe(true);
      store.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('retries and chooses an engine', async () => {
    mockApi.engineStatus.mockResolvedValue(disconnectedStatus());
    const store = new EngineStore();
    await store.start();
    await store.retry();
    expect(mockApi.engineRetry).toHaveBeenCalled();
    await store.choose('  tcp://127.0.0.1:2375 ');
    expect(mockApi.engineChoose).toHaveBeenCalledWith('tcp://127.0.0.1:2375');
    await store.choose(null);
    expect(mockApi.engineChoose).toHaveBeenLastCalledWith(null);
    expect(store.connected).toBe(true);
    store.stop();
  });

  it('exposes a failing command instead of throwing', async () => {
    mockApi.engineStatus.mockRejectedValue({ code: 0, message: 'not in Tauri' });
    const store = new EngineStore();
    await store.start();
    expect(store.error?.message).toBe('not in Tauri');
    expect(store.connecting).toBe(false);
    store.stop();
  });
});

describe('EngineStore with several engines', () => {
  it('shows the current engine, or every connected one in All engines', async () => {
    const { engineView, enginesList } = await import('$test/fixtures');
    const store = new EngineStore();
    store.status = (await import('$test/fixtures')).connectedStatus();
    expect(store.targets).toEqual([null]);
    const engines = [engineView('desk'), engineView('lab', 'unreachable'), engineView('vm')];
    store.list = enginesList(engines, { engine: 'vm' }, 'vm');
    expect(store.targets).toEqual(['vm']);
    expect(store.unreachable).toEqual([]);
    store.list = enginesList(engines, 'all', 'desk');
    expect(store.all).toBe(true);
    expect(store.targets).toEqual(['desk', 'vm']);
    expect(store.unreachable.map((e) => e.key)).toEqual(['lab']);
    const before = store.connectionKey;
    store.list = enginesList([engineView('desk'), engineView('lab'), engineView('vm')], 'all');
    expect(store.connectionKey).not.toBe(before);
  });

  it('follows the engine list the backend sends', async () => {
    const { emitEngines } = await import('$test/mock-api');
    const { engineView, enginesList } = await import('$test/fixtures');
    const store = new EngineStore();
    await store.start();
    emitEngines(enginesList([engineView('desk')], 'all'));
    expect(store.all).toBe(true);
    expect(store.engines.map((e) => e.key)).toEqual(['desk']);
    store.stop();
  });
});
