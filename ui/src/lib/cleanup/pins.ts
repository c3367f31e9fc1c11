// Pins as the core reads them (crates/slipway-core/src/protection.rs), so dialogs can say
// "kept: pinned" before asking the backend, which refuses pinned images anyway.

/** `myapp`, `myapp:1.*`, `team/*`, `*` or 12+ hex digits of an image ID. */
export function validatePin(pattern: string): 'empty' | 'invalid' | null {
  const p = pattern.trim();
  if (p === '') return 'empty';
  return /^[A-Za-z0-9._\-/:@*]{1,255}$/.test(p) ? null : 'invalid';
}

/** `repo:tag` → `repo`; a `:` before the last `/` is a registry port. */
export function repositoryOf(tag: string): string {
  const i = tag.lastIndexOf(':');
  return i >= 0 && !tag.slice(i).includes('/') ? tag.slice(0, i) : tag;
}

/** Podman's `docker.io/library/x` is the `x` users write. */
export function shortName(tag: string): string {
  for (const prefix of ['docker.io/library/', 'docker.io/', 'localhost/']) {
    if (tag.startsWith(prefix)) return tag.slice(prefix.length);
  }
  return tag;
}

/** Docker's short names in full (`x` → `docker.io/library/x`), as Podman spells them. */
export function qualifiedName(tag: string): string {
  const slash = tag.indexOf('/');
  if (slash < 0) return `docker.io/library/${tag}`;
  const first = tag.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost') return tag;
  return `docker.io/${tag}`;
}

/** `*` matches any run of characters, everything else itself (dots too). */
function globRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

type Test = (id: string, tags: readonly string[]) => boolean;

function compile(pattern: string): Test {
  const hex = pattern.replace(/^sha256:/, '');
  const isId = hex.length >= 12 && /^[0-9a-f]+$/i.test(hex);
  const last = pattern.split('/').pop() ?? pattern;
  const namesRepository = !last.includes(':');
  const re = globRegExp(pattern);
  return (id, tags) =>
    (isId && id.replace(/^sha256:/, '').startsWith(hex)) ||
    tags.some((t) =>
      [t, shortName(t), qualifiedName(t)].some((name) =>
        re.test(namesRepository ? repositoryOf(name) : name),
      ),
    );
}

/** A matcher for these pins, compiled once: the grid asks it for every visible row. */
export function pinMatcher(
  patterns: readonly string[],
): (id: string, tags: readonly string[]) => string | null {
  const tests = patterns.map((p) => [p, compile(p)] as const);
  return (id, tags) => tests.find(([, test]) => test(id, tags))?.[0] ?? null;
}

/** The first pin that protects this image, or null. */
export function pinnedBy(
  patterns: readonly string[],
  id: string,
  tags: readonly string[],
): string | null {
  return pinMatcher(patterns)(id, tags);
}
