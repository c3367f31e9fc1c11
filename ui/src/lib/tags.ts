// Validate a new image name as the user types it, with Docker's reference grammar:
//   [host[:port]/]component[/component...][:tag]   — no digest.
// Returns null when valid, otherwise the i18n key of the message to show.

export const TAG_ERRORS = {
  empty: 'tags.error.empty',
  whitespace: 'tags.error.whitespace',
  digest: 'tags.error.digest',
  tooLong: 'tags.error.tooLong',
  host: 'tags.error.host',
  emptyComponent: 'tags.error.emptyComponent',
  uppercase: 'tags.error.uppercase',
  component: 'tags.error.component',
  hexName: 'tags.error.hexName',
  tag: 'tags.error.tag',
  tagTooLong: 'tags.error.tagTooLong',
} as const;

export type TagErrorKey = (typeof TAG_ERRORS)[keyof typeof TAG_ERRORS];

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const HOST_LABEL = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST = new RegExp(
  `^(?:${HOST_LABEL}(?:\\.${HOST_LABEL})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?$`,
);
const HEX64 = /^[a-f0-9]{64}$/;
const NAME_MAX = 255;

export interface ParsedName {
  host: string | null;
  path: string;
  tag: string | null;
}

/** Split a reference the way Docker does; does not validate. */
export function parseName(input: string): ParsedName {
  let name = input;
  let tag: string | null = null;
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
  }
  const slash = name.indexOf('/');
  if (slash > 0) {
    const first = name.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      return { host: first, path: name.slice(slash + 1), tag };
    }
  }
  return { host: null, path: name, tag };
}

export function validateTag(input: string): TagErrorKey | null {
  if (input.length === 0) return TAG_ERRORS.empty;
  if (/\s/.test(input)) return TAG_ERRORS.whitespace;
  if (input.includes('@')) return TAG_ERRORS.digest;

  const { host, path, tag } = parseName(input);
  if (tag !== null) {
    if (tag.length > 128) return TAG_ERRORS.tagTooLong;
    if (!TAG.test(tag)) return TAG_ERRORS.tag;
  }
  const name = host ? `${host}/${path}` : path;
  if (name.length > NAME_MAX) return TAG_ERRORS.tooLong;
  if (host !== null && !HOST.test(host)) return TAG_ERRORS.host;

  const components = path.split('/');
  for (const c of components) {
    if (c.length === 0) return TAG_ERRORS.emptyComponent;
    if (/[A-Z]/.test(c) && COMPONENT.test(c.toLowerCase())) return TAG_ERRORS.uppercase;
    if (!COMPONENT.test(c)) return TAG_ERRORS.component;
  }
  if (host === null && HEX64.test(path)) return TAG_ERRORS.hexName;
  return null;
}

/** What the engine will call it: Docker adds `:latest` when no tag is given. */
export function withDefaultTag(input: string): string {
  return parseName(input).tag === null ? `${input}:latest` : input;
}

const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;

/** Validate what to pull: `name[:tag]` or `name@digest`. Null when valid, else an i18n key. */
export function validatePullReference(input: string): TagErrorKey | 'tags.error.badDigest' | null {
  const at = input.indexOf('@');
  if (at < 0) return validateTag(input);
  const digest = input.slice(at + 1);
  const name = validateTag(input.slice(0, at));
  if (name !== null) return name;
  return DIGEST.test(digest) ? null : 'tags.error.badDigest';
}
