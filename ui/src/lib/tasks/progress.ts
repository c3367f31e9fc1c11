// What a long operation's progress stream adds up to, as pure functions: one row per layer
// updated in place (not a new line per update), overall bytes/layers and an ETA, build steps
// with their times, bytes of a save/load, and the log. The one place progress gets its
// meaning: the live stream and a reloaded page's replay (`replayProgress`) both go through
// `applyProgress`. The log lines themselves come from the backend, which keeps the log for
// the history.
import type { Overall, Progress, TaskProgressed, TimedProgress } from '$lib/api';

export interface LayerRow {
  id: string;
  status: string;
  current: number | null;
  total: number | null;
}

export interface StepRow {
  step: number;
  of: number;
  /** The `Step i/N : …` line. */
  line: string;
  startedAt: number;
  /** When the next step (or the end) came; null while it runs. */
  endedAt: number | null;
}

export interface ProgressState {
  layers: LayerRow[];
  overall: Overall | null;
  steps: StepRow[];
  bytes: { done: number; total: number | null } | null;
  log: string[];
}

/** Lines kept in memory per task: enough to scroll back through a long build. */
export const LOG_LIMIT = 2000;

export function emptyProgress(): ProgressState {
  return { layers: [], overall: null, steps: [], bytes: null, log: [] };
}

/** Add a log line the backend sent with an update. */
export function appendLog(state: ProgressState, line: string): void {
  state.log.push(line);
  if (state.log.length > LOG_LIMIT) state.log.splice(0, state.log.length - LOG_LIMIT);
}

/** Fold one update into `state` (mutated: the task store's state is deeply reactive). */
export function applyProgress(state: ProgressState, p: Progress, now: number): void {
  switch (p.kind) {
    case 'layer': {
      const row = state.layers.find((l) => l.id === p.layer);
      const next = {
        id: p.layer,
        status: p.status,
        current: p.current ?? null,
        total: p.total ?? null,
      };
      if (row) Object.assign(row, next);
      else state.layers.push(next);
      break;
    }
    case 'overall':
      state.overall = {
        bytes_done: p.bytes_done,
        bytes_total: p.bytes_total,
        layers_done: p.layers_done,
        layers_total: p.layers_total,
      };
      break;
    case 'build': {
      const last = state.steps.at(-1);
      // BuildKit runs steps side by side: a later line of a step that has its row already
      // (`#4 DONE 0.1s` after `#5 …`) adds no row and ends nothing.
      const known = state.steps.some((x) => x.step === p.step);
      if (p.step > 0 && !known) {
        if (last && last.endedAt === null) last.endedAt = now;
        state.steps.push({
          step: p.step,
          of: p.total_steps,
          line: p.line,
          startedAt: now,
          endedAt: null,
        });
      }
      break;
    }
    case 'message':
      break;
    case 'bytes':
      state.bytes = { done: p.done ?? 0, total: p.total ?? null };
      break;
  }
}

/** Fold in one task event: its update, then the log line it made. */
export function applyUpdate(state: ProgressState, u: TaskProgressed): void {
  applyProgress(state, u.progress, u.at ?? Date.now());
  if (u.log != null) appendLog(state, u.log);
}

/** A running task's state rebuilt from the backend's snapshot: its compacted updates, each
 *  at the time it came, and the end of its log. */
export function replayProgress(updates: TimedProgress[], log: string[]): ProgressState {
  const state = emptyProgress();
  for (const u of updates) applyProgress(state, u.progress, u.at ?? 0);
  state.log = log.slice(-LOG_LIMIT);
  return state;
}

/** Close the running step when the task ends. */
export function finishProgress(state: ProgressState, now: number): void {
  const last = state.steps.at(-1);
  if (last && last.endedAt === null) last.endedAt = now;
}

/** 0..1 where it can be told, else null (an indeterminate bar). */
export function fraction(state: ProgressState): number | null {
  const o = state.overall;
  if (o && o.bytes_total && o.bytes_total > 0)
    return Math.min(1, (o.bytes_done ?? 0) / o.bytes_total);
  // Podman sends no byte counts: layers done of total.
  if (o && o.layers_total > 0) return o.layers_done / o.layers_total;
  const last = state.steps.at(-1);
  if (last && last.of > 0) return (last.step - (last.endedAt === null ? 1 : 0)) / last.of;
  if (state.bytes?.total) return Math.min(1, state.bytes.done / state.bytes.total);
  return null;
}

/** Seconds left at the average rate so far; null until there is a rate to go by. */
export function etaSeconds(state: ProgressState, startedAt: number, now: number): number | null {
  const o = state.overall;
  if (!o || !o.bytes_total || !o.bytes_done) return null;
  const elapsed = (now - startedAt) / 1000;
  if (elapsed < 1 || o.bytes_done >= o.bytes_total) return null;
  const rate = o.bytes_done / elapsed;
  return Math.ceil((o.bytes_total - o.bytes_done) / rate);
}

/** How far one layer is: by bytes while they move, full once the engine says it is there. */
export function layerFraction(l: LayerRow): number {
  if (/complete|already exists|pushed|layer already/i.test(l.status)) return 1;
  if (l.current !== null && l.total) return Math.min(1, l.current / l.total);
  return 0;
}
