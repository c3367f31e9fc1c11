// Test data shaped like the backend's answers.
import type {
  DamagedPins,
  DiskUsage,
  EngineStatus,
  EnginesList,
  EngineView,
  HistoryEntry,
  ImageDetails,
  ImageRemoval,
  ImageSummary,
  PinsState,
  RemovalPlan,
  RemovalReport,
} from '$lib/api';

/** A 64-hex image ID from a short seed: `hexId('a1')` → `sha256:a1a1a1…`. */
export function hexId(seed: string): string {
  const hex = seed.replace(/[^0-9a-f]/g, '') || '0';
  return `sha256:${hex.repeat(Math.ceil(64 / hex.length)).slice(0, 64)}`;
}

export function image(p: Partial<ImageSummary> & { id: string }): ImageSummary {
  return {
    tags: [],
    digests: [],
    parent_id: '',
    created: 1_700_000_000,
    size: 1_000_000,
    shared_size: -1,
    containers: 0,
    labels: {},
    ...p,
  };
}

export function details(p: Partial<ImageDetails> & { id: string }): ImageDetails {
  return {
    tags: [],
    digests: [],
    parent: '',
    created: '2024-05-03T14:05:09Z',
    author: '',
    comment: '',
    os: 'linux',
    architecture: 'amd64',
    size: 1_985_000,
    labels: {},
    env: ['PATH=/usr/bin'],
    cmd: ['sh'],
    entrypoint: [],
    working_dir: '',
    user: '',
    exposed_ports: [],
    layers: ['sha256:l1'],
    ...p,
  };
}

export function historyEntry(p: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    id: '<missing>',
    created: 1_700_000_000,
    created_by: '/bin/sh -c echo hi',
    size: 0,
    tags: [],
    comment: '',
    empty_layer: false,
    ...p,
  };
}

export function connectedStatus(p: Partial<EngineStatus> = {}): EngineStatus {
  return {
    connected: true,
    info: {
      host: 'unix:///var/run/docker.sock',
      kind: 'docker',
      version: '20.10.24',
      api_version: '1.41',
      os: 'linux',
      arch: 'amd64',
      buildkit: true,
    },
    sandbox: false,
    error: null,
    source: 'auto',
    ...p,
  };
}

export function disconnectedStatus(
  message = 'Tried unix:///var/run/docker.sock: no such file',
): EngineStatus {
  return {
    connected: false,
    info: null,
    sandbox: false,
    error: { code: 503, message },
    source: 'auto',
  };
}

/** The engine's disk usage with `imagesSize` bytes of image layers (shared ones once). */
export function diskUsage(imagesSize: number | null = null): DiskUsage {
  const row = (size: number | null) => ({ count: 0, active: 0, size, reclaimable: 0 });
  return {
    images: row(imagesSize),
    build_cache: row(0),
    containers: row(0),
    volumes: row(0),
    source: 'engine',
  };
}

/** The backend's pins answer: `pins`, and while `damaged`, the recovered ones protect too. */
export function pinsState(pins: string[], damaged: Partial<DamagedPins> | null = null): PinsState {
  const d: DamagedPins | null = damaged && {
    file: '/home/u/.config/slipway/pins.json',
    kept_at: '/home/u/.config/slipway/pins.json.broken-20250101T000000Z',
    reason: 'EOF while parsing a list at line 3 column 9',
    recovered: [],
    at: '2025-01-01T00:00:00Z',
    ...damaged,
  };
  return {
    file: '/home/u/.config/slipway/pins.json',
    pins,
    damaged: d,
    protecting: [...pins, ...(d?.recovered ?? [])],
  };
}

/** One image of a removal plan, as the backend plans it. */
export function removalItem(p: Partial<ImageRemoval> & { id: string }): ImageRemoval {
  return {
    tags: [],
    size: 1_000_000,
    requested: [],
    untag: [],
    delete: false,
    parents_deleted: [],
    containers_deleted: [],
    containers_kept: [],
    kept_for_children: [],
    refusal: null,
    steps: [],
    ...p,
  };
}

/** A removal plan with its totals added up like the backend does. */
export function removalPlan(
  images: ImageRemoval[],
  p: Partial<Omit<RemovalPlan, 'images'>> = {},
): RemovalPlan {
  return {
    engine: 'docker',
    force: false,
    images,
    names_removed: images.reduce((n, i) => n + i.untag.length, 0),
    images_deleted: images.reduce((n, i) => n + (i.delete ? 1 : 0) + i.parents_deleted.length, 0),
    containers_deleted: images.reduce((n, i) => n + i.containers_deleted.length, 0),
    refused: images.filter((i) => i.refusal).length,
    force_would_help: images.some((i) => i.refusal?.forceable),
    ...p,
  };
}

/** What the backend reports after removing `plan` exactly as planned. */
export function reportAsPlanned(plan: RemovalPlan): RemovalReport {
  return {
    plan,
    outcomes: plan.images.map((i) => ({
      id: i.id,
      requested: i.requested,
      untagged: i.refusal ? [] : i.untag,
      names_left: i.refusal ? i.tags : i.tags.filter((t) => !i.untag.includes(t)),
      deleted: !i.refusal && i.delete,
      parents_deleted: i.refusal ? [] : i.parents_deleted,
      containers_deleted: i.refusal ? [] : i.containers_deleted,
      error: null,
      refusal: i.refusal,
      as_planned: true,
    })),
    left: plan.images.filter((i) => i.refusal).flatMap((i) => i.requested),
    complete: plan.images.every((i) => !i.refusal),
  };
}

/** One engine as the backend's list names it. */
export function engineView(
  key: string,
  state: EngineView['state'] = 'connected',
  p: Partial<EngineView> = {},
): EngineView {
  const connected = state === 'connected';
  return {
    key,
    host: key.includes('://') ? key : `unix:///run/${key}.sock`,
    source: 'docker_context',
    state,
    kind: connected ? 'docker' : null,
    version: connected ? '20.10.24' : null,
    info: connected
      ? {
          host: key,
          kind: 'docker',
          version: '20.10.24',
          api_version: '1.41',
          os: 'linux',
          arch: 'amd64',
        }
      : null,
    error:
      state === 'unreachable'
        ? {
            code: 503,
            message: `Lost the connection to ${key}; reconnecting…`,
            kind: { type: 'lost_engine', host: key },
          }
        : null,
    ...p,
  } as EngineView;
}

/** The backend's engine list. */
export function enginesList(
  engines: EngineView[],
  choice: EnginesList['choice'] = null,
  current: string | null = engines[0]?.key ?? null,
): EnginesList {
  return { engines, choice, current };
}
