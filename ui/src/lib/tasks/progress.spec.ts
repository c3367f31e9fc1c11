// @vitest-environment node
import { describe, expect, it } from 'vitest';
import type { Progress } from '$lib/api';
import {
  LOG_LIMIT,
  applyProgress,
  applyUpdate,
  replayProgress,
  emptyProgress,
  etaSeconds,
  finishProgress,
  fraction,
  layerFraction,
} from './progress';

function fold(updates: Progress[], times?: number[]) {
  const s = emptyProgress();
  updates.forEach((p, i) => applyProgress(s, p, times?.[i] ?? i * 1000));
  return s;
}

const layer = (id: string, status: string, current?: number, total?: number): Progress => ({
  kind: 'layer',
  layer: id,
  status,
  current: current ?? null,
  total: total ?? null,
});

describe('layer rows', () => {
  it('update in place: one row per layer however many updates come', () => {
    const s = fold([
      layer('a1', 'Pulling fs layer'),
      layer('b2', 'Pulling fs layer'),
      layer('a1', 'Downloading', 10, 100),
      layer('a1', 'Downloading', 60, 100),
      layer('a1', 'Pull complete'),
    ]);
    expect(s.layers).toEqual([
      { id: 'a1', status: 'Pull complete', current: null, total: null },
      { id: 'b2', status: 'Pulling fs layer', current: null, total: null },
    ]);
    // The log is the backend's: it sends the lines beside the updates.
    expect(s.log).toEqual([]);
  });
});

describe('fraction and ETA', () => {
  it('go by bytes where the engine counts them', () => {
    const s = fold([
      { kind: 'overall', bytes_done: 25, bytes_total: 100, layers_done: 0, layers_total: 2 },
    ]);
    expect(fraction(s)).toBe(0.25);
    // 25 bytes in 5 s: 75 more take 15 s.
    expect(etaSeconds(s, 0, 5000)).toBe(15);
  });

  it('go by layers done of total on Podman, which sends no byte counts', () => {
    const s = fold([
      { kind: 'overall', bytes_done: 0, bytes_total: 0, layers_done: 1, layers_total: 4 },
    ]);
    expect(fraction(s)).toBe(0.25);
    expect(etaSeconds(s, 0, 5000)).toBeNull();
  });

  it('is unknown (indeterminate) with nothing to go by', () => {
    expect(fraction(emptyProgress())).toBeNull();
  });
});

describe('build steps', () => {
  it('get a row each with the time they took', () => {
    const step = (n: number, line: string): Progress => ({
      kind: 'build',
      step: n,
      total_steps: 3,
      line,
    });
    const s = fold(
      [
        step(1, 'Step 1/3 : FROM base'),
        step(1, ' ---> abc'),
        step(2, 'Step 2/3 : RUN make'),
        step(3, 'Step 3/3 : CMD run'),
      ],
      [0, 100, 1000, 4000],
    );
    finishProgress(s, 4500);
    expect(s.steps.map((x) => [x.step, x.endedAt! - x.startedAt])).toEqual([
      [1, 1000],
      [2, 3000],
      [3, 500],
    ]);
    expect(fraction(s)).toBe(1);
  });

  it("get one row each when BuildKit's steps interleave", () => {
    const step = (n: number, line: string): Progress => ({
      kind: 'build',
      step: n,
      total_steps: 5,
      line,
    });
    const s = fold(
      [
        step(4, '#4 [stage-0 1/2] FROM base'),
        step(5, '#5 [stage-0 2/2] RUN make'),
        step(4, '#4 DONE 0.0s'),
        step(5, '#5 CACHED'),
      ],
      [0, 10, 20, 30],
    );
    expect(s.steps.map((x) => [x.step, x.line])).toEqual([
      [4, '#4 [stage-0 1/2] FROM base'],
      [5, '#5 [stage-0 2/2] RUN make'],
    ]);
    expect(s.steps[1].endedAt).toBeNull();
  });
});

describe('log', () => {
  it('keeps the last lines of a very long operation', () => {
    const s = emptyProgress();
    for (let i = 0; i < LOG_LIMIT + 5; i++) {
      applyUpdate(s, {
        id: 't',
        at: i,
        progress: { kind: 'message', line: `l${i}` },
        log: `l${i}`,
      });
    }
    expect(s.log).toHaveLength(LOG_LIMIT);
    expect(s.log.at(-1)).toBe(`l${LOG_LIMIT + 4}`);
  });
});

describe('a reloaded page', () => {
  it('rebuilds the same rows, totals and step times from the compacted replay of the backend', () => {
    const overall = (done: number): Progress => ({
      kind: 'overall',
      bytes_done: done,
      bytes_total: 100,
      layers_done: 0,
      layers_total: 2,
    });
    const step = (n: number, line: string): Progress => ({
      kind: 'build',
      step: n,
      total_steps: 3,
      line,
    });
    const stream: [Progress, number][] = [
      [layer('a1', 'Pulling fs layer'), 0],
      [layer('b2', 'Waiting'), 10],
      [layer('a1', 'Downloading', 10, 100), 20],
      [overall(10), 20],
      [step(1, 'Step 1/3 : FROM base'), 30],
      [step(1, ' ---> abc'), 40],
      [step(2, 'Step 2/3 : RUN make'), 1000],
      [layer('a1', 'Downloading', 60, 100), 1500],
      [overall(60), 1500],
    ];
    const live = emptyProgress();
    for (const [p, at] of stream) applyProgress(live, p, at);
    // What src-tauri/src/tasks/replay.rs keeps: the latest per layer (first-seen order),
    // each step's first line, the last totals.
    const replay = [
      { at: 1500, progress: layer('a1', 'Downloading', 60, 100) },
      { at: 10, progress: layer('b2', 'Waiting') },
      { at: 30, progress: step(1, 'Step 1/3 : FROM base') },
      { at: 1000, progress: step(2, 'Step 2/3 : RUN make') },
      { at: 1500, progress: overall(60) },
    ];
    const rebuilt = replayProgress(replay, ['a1: Pulling fs layer']);
    expect(rebuilt.layers).toEqual(live.layers);
    expect(rebuilt.overall).toEqual(live.overall);
    expect(rebuilt.steps).toEqual(live.steps);
    expect(fraction(rebuilt)).toBe(fraction(live));
    expect(etaSeconds(rebuilt, 0, 2000)).toBe(etaSeconds(live, 0, 2000));
    expect(rebuilt.log).toEqual(['a1: Pulling fs layer']);
  });
});

describe('layerFraction', () => {
  it('is full for a layer that is done or was already there, partial by bytes otherwise', () => {
    const row = (status: string, current: number | null = null, total: number | null = null) => ({
      id: 'x',
      status,
      current,
      total,
    });
    expect(layerFraction(row('Pull complete'))).toBe(1);
    expect(layerFraction(row('Already exists'))).toBe(1);
    expect(layerFraction(row('Pushed'))).toBe(1);
    expect(layerFraction(row('Downloading', 25, 100))).toBe(0.25);
    expect(layerFraction(row('Waiting'))).toBe(0);
  });
});
