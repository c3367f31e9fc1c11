// Files dropped on the window: what the user most likely meant. A .tar loads images; a
// Dockerfile sets the build's Dockerfile and its folder as the context; a folder is a build
// context. Only paths are looked at (the backend checks what is really there).

export type DropIntent =
  | { kind: 'load'; path: string }
  | { kind: 'build'; context: string; dockerfile: string | null }
  | { kind: 'none' };

const TAR = /\.(tar|tar\.gz|tgz)$/i;
const DOCKERFILE = /(^|\/)(Dockerfile|Containerfile)([.-][^/]*)?$|\.(dockerfile|containerfile)$/i;

function dirname(path: string): string {
  const i = path.replace(/\/+$/, '').lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** Decide from the first dropped path (several files: the first one that means something). */
export function dropIntent(paths: readonly string[]): DropIntent {
  for (const path of paths) {
    if (TAR.test(path)) return { kind: 'load', path };
    if (DOCKERFILE.test(path)) return { kind: 'build', context: dirname(path), dockerfile: path };
    // No extension: most likely a folder (the build form checks it is one).
    const last = path.replace(/\/+$/, '').split('/').pop() ?? '';
    if (!last.includes('.') || path.endsWith('/')) {
      return { kind: 'build', context: path.replace(/\/+$/, '') || '/', dockerfile: null };
    }
  }
  return { kind: 'none' };
}
