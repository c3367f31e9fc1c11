// Pure formatting helpers: sizes like `docker images`, times in the user's language,
// short IDs, and splitting image names into repository and tag.

export const NONE = '<none>';

const SIZE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

/** Decimal units with three significant digits, like docker: 1985000 → "1.99 MB". */
export function formatSize(bytes: number | null | undefined): string {
  if (bytes == null || !Number.isFinite(bytes) || bytes < 0) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < SIZE_UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  let rounded = Number(value.toPrecision(3));
  // 999.9 kB rounds to 1000 kB: show 1 MB instead.
  if (rounded >= 1000 && unit < SIZE_UNITS.length - 1) {
    rounded = Number((rounded / 1000).toPrecision(3));
    unit++;
  }
  return `${rounded} ${SIZE_UNITS[unit]}`;
}

// Intl formatters are costly to build and the grid formats every visible row: keep one each.
const formatters = new Map<string, Intl.RelativeTimeFormat | Intl.DateTimeFormat>();

function cached<T extends Intl.RelativeTimeFormat | Intl.DateTimeFormat>(
  key: string,
  make: () => T,
): T {
  let f = formatters.get(key);
  if (!f) {
    f = make();
    formatters.set(key, f);
  }
  return f as T;
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const MONTH = 30 * DAY;
const YEAR = 365 * DAY;

/**
 * "3 hours ago" / "3小时前" for a unix time in seconds, in `locale`, relative to `nowMs`.
 * Under a minute (or in the future, clock skew) it is "now".
 */
export function formatRelative(
  unixSeconds: number | null | undefined,
  locale: string,
  nowMs: number = Date.now(),
): string {
  if (unixSeconds == null || !Number.isFinite(unixSeconds) || unixSeconds <= 0) return '—';
  const elapsed = Math.floor(nowMs / 1000 - unixSeconds);
  const rtf = cached(
    `rel:${locale}`,
    () => new Intl.RelativeTimeFormat(locale, { numeric: 'always', style: 'long' }),
  );
  if (elapsed < MINUTE) {
    return cached(
      `now:${locale}`,
      () => new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }),
    ).format(0, 'second');
  }
  if (elapsed < HOUR) return rtf.format(-Math.floor(elapsed / MINUTE), 'minute');
  if (elapsed < DAY) return rtf.format(-Math.floor(elapsed / HOUR), 'hour');
  if (elapsed < 2 * WEEK) return rtf.format(-Math.floor(elapsed / DAY), 'day');
  if (elapsed < 2 * MONTH) return rtf.format(-Math.floor(elapsed / WEEK), 'week');
  if (elapsed < YEAR) return rtf.format(-Math.floor(elapsed / MONTH), 'month');
  return rtf.format(-Math.floor(elapsed / YEAR), 'year');
}

/** The exact local date and time, e.g. "May 3, 2024, 14:05:09" — for titles and details. */
export function formatExact(time: number | string | null | undefined, locale: string): string {
  if (time == null || time === '') return '—';
  const date = typeof time === 'number' ? new Date(time * 1000) : new Date(time);
  if (Number.isNaN(date.getTime()) || date.getTime() <= 0) {
    return typeof time === 'string' ? time : '—';
  }
  return cached(
    `exact:${locale}`,
    () =>
      new Intl.DateTimeFormat(locale, {
        year: 'numeric',
        month: 'short',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hourCycle: 'h23',
      }),
  ).format(date);
}

/** An RFC3339 timestamp as unix seconds (null when it does not parse). */
export function parseTime(rfc3339: string | null | undefined): number | null {
  if (!rfc3339) return null;
  const ms = Date.parse(rfc3339);
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}

/** The ID without its algorithm. */
export function stripAlgo(id: string): string {
  const i = id.indexOf(':');
  return i >= 0 ? id.slice(i + 1) : id;
}

/** The 12 hex digits `docker images` shows. */
export function shortId(id: string): string {
  return stripAlgo(id).slice(0, 12);
}

export interface SplitName {
  repository: string;
  tag: string;
}

/**
 * Split `repo:tag` into its parts; a registry port is not a tag:
 * `127.0.0.1:5000/a/b:1` → `127.0.0.1:5000/a/b` + `1`, `localhost:5000/a` → tag `<none>`.
 * A digest (`repo@sha256:…`) is dropped: its tag is `<none>` unless one precedes it.
 */
export function splitName(name: string): SplitName {
  let rest = name;
  const at = rest.indexOf('@');
  if (at >= 0) rest = rest.slice(0, at);
  const colon = rest.lastIndexOf(':');
  const slash = rest.lastIndexOf('/');
  if (colon > slash) {
    return { repository: rest.slice(0, colon), tag: rest.slice(colon + 1) || NONE };
  }
  return { repository: rest || NONE, tag: NONE };
}

/**
 * A history step's command the way a Dockerfile reads: `/bin/sh -c #(nop)  CMD ["sh"]` →
 * `CMD ["sh"]`, `/bin/sh -c apk add x` → `RUN apk add x`. BuildKit's `RUN /bin/sh -c …` and
 * anything else is kept as it is, whitespace collapsed.
 */
export function historyCommand(createdBy: string): string {
  let s = createdBy.trim();
  const nop = s.match(/^\/bin\/sh -c #\(nop\)\s*(.*)$/s);
  if (nop) s = nop[1];
  else if (s.startsWith('/bin/sh -c ')) s = `RUN ${s.slice('/bin/sh -c '.length)}`;
  return s.replace(/\s+/g, ' ').trim();
}

/** Elapsed time as a stopwatch shows it: `0:07`, `3:05`, `1:02:03`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms) || ms < 0) return '—';
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}
