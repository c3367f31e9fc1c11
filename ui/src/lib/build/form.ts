// The build form's fields → the backend's BuildOptions, with each problem named (and nothing
// sent while there is one).
import type { BuildOptions, Builder } from '$lib/api';
import { validateTag, type TagErrorKey } from '$lib/tags';

export interface BuildForm {
  context: string;
  dockerfile: string;
  /** Names separated by spaces or commas. */
  tags: string;
  target: string;
  /** Values of the Dockerfile's ARGs, by name (empty: use the Dockerfile's default). */
  args: Record<string, string>;
  /** More `KEY=VALUE` lines: build args the Dockerfile does not declare. */
  extraArgs: string;
  /** `KEY=VALUE` lines. */
  labels: string;
  platform: string;
  noCache: boolean;
  pull: boolean;
  /** '' (the engine's default), `host`, `none`. */
  network: string;
  /** MiB; '' for no limit. */
  memoryMiB: string;
  /** Relative weight; '' for the default. */
  cpuShares: string;
  /** `buildkit` only where the engine has it (its info says so). */
  builder: Builder;
}

export function emptyForm(): BuildForm {
  return {
    context: '',
    dockerfile: '',
    tags: '',
    target: '',
    args: {},
    extraArgs: '',
    labels: '',
    platform: '',
    noCache: false,
    pull: false,
    network: '',
    memoryMiB: '',
    cpuShares: '',
    builder: 'classic',
  };
}

export type FormProblem =
  | { field: 'tags'; key: TagErrorKey; value: string }
  | { field: 'extraArgs' | 'labels'; key: 'build.error.keyValue'; value: string }
  | { field: 'memoryMiB' | 'cpuShares'; key: 'build.error.number'; value: string }
  | { field: 'context'; key: 'build.error.context'; value: string };

export function splitTags(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((t) => t.trim())
    .filter(Boolean);
}

function keyValues(
  text: string,
  field: 'extraArgs' | 'labels',
  problems: FormProblem[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) {
      problems.push({ field, key: 'build.error.keyValue', value: line });
      continue;
    }
    out[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  return out;
}

function count(text: string, field: 'memoryMiB' | 'cpuShares', problems: FormProblem[]) {
  const t = text.trim();
  if (!t) return null;
  const n = Number(t);
  if (!Number.isInteger(n) || n <= 0) {
    problems.push({ field, key: 'build.error.number', value: t });
    return null;
  }
  return n;
}

export function toBuildOptions(form: BuildForm): {
  options: BuildOptions;
  problems: FormProblem[];
} {
  const problems: FormProblem[] = [];
  if (!form.context.trim())
    problems.push({ field: 'context', key: 'build.error.context', value: '' });
  const tags = splitTags(form.tags);
  for (const t of tags) {
    const key = validateTag(t);
    if (key) problems.push({ field: 'tags', key, value: t });
  }
  const buildArgs: Record<string, string> = {};
  for (const [k, v] of Object.entries(form.args)) if (v !== '') buildArgs[k] = v;
  Object.assign(buildArgs, keyValues(form.extraArgs, 'extraArgs', problems));
  const labels = keyValues(form.labels, 'labels', problems);
  const memory = count(form.memoryMiB, 'memoryMiB', problems);
  const cpuShares = count(form.cpuShares, 'cpuShares', problems);
  return {
    problems,
    options: {
      dockerfile: form.dockerfile.trim() || null,
      tags,
      build_args: buildArgs,
      labels,
      target: form.target || null,
      no_cache: form.noCache,
      pull: form.pull,
      platform: form.platform.trim() || null,
      network_mode: form.network || null,
      memory: memory === null ? null : memory * 1024 * 1024,
      cpu_shares: cpuShares,
      cpuset_cpus: null,
      shm_size: null,
      cache_from: [],
      extra_hosts: [],
      squash: false,
      builder: form.builder,
    },
  };
}
