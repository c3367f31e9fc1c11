// Engines as `engines_known` lists them, for specs.
import type { KnownEngine } from '$lib/api';

export function knownEngine(p: Partial<KnownEngine> & { name: string }): KnownEngine {
  return {
    host: `unix:///run/${p.name}.sock`,
    source: 'docker_context',
    connected: false,
    reachable: true,
    kind: 'docker',
    version: '20.10.24',
    error: null,
    tls: null,
    identity: null,
    ...p,
  };
}
