// How an engine is named on screen: its key (a context, connection or socket name) as it is;
// an address used as a key (`--host URL`, one typed in) shortened to what tells it apart —
// two sockets under the same folder differ at the end, not at `unix:///tmp/…`.

/** Longer keys are shortened (the whole key stays in the title). */
const MAX = 32;

export function engineLabel(key: string): string {
  const m = /^([a-z]+):\/\/(.*)$/.exec(key);
  if (!m || key.length <= MAX) return key;
  const [, scheme, rest] = m;
  if (scheme === 'unix' || scheme === 'npipe') {
    const parts = rest.split('/').filter(Boolean);
    // The socket's folder and file: `…/f31600/docker/docker.sock` → `…/docker/docker.sock`
    // alone would be the same for every private engine, so keep one more when there is one.
    const tail = parts.slice(-3).join('/');
    return `…/${tail}`;
  }
  // tcp://host:port, ssh://user@host: the address without the scheme.
  return rest.length <= MAX ? rest : `${rest.slice(0, MAX - 1)}…`;
}
