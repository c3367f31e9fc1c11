// The backend's errors in the user's language. Slipway's own sentences come as a typed
// `kind` (with its parameters) and what it was doing as `context`; both are translated from
// the catalogue (`error.kind.*`, `error.op.*`). The engine's raw text (`detail`) is never
// translated: it is shown as it came. Errors without a kind are the engine's text, or a
// sentence the backend has not typed yet, shown as they are.
import { _ } from 'svelte-i18n';
import { get } from 'svelte/store';
import type {
  Attempt,
  Error as BackendError,
  ErrorKind,
  Operation,
  Peer,
  Refusal,
} from './bindings';
import { refusalSentence } from './grid/remove';

/** svelte-i18n's formatter (`$_`), or anything shaped like it. */
export type Translate = (
  key: string,
  options?: { values?: Record<string, string | number | boolean | null | undefined> },
) => string;

/** An error as the UI shows it. */
export interface ErrorText {
  /** The whole text: the translated sentence, with the engine's detail after it. */
  message: string;
  /** The translated sentence without the detail (context included). */
  sentence: string;
  /** The engine's raw text shown beside the sentence, when there is a sentence. */
  detail: string | null;
}

/** What describeError reads: the backend's error, old records included. */
export type ErrorLike = Pick<BackendError, 'code' | 'message'> & {
  kind?: ErrorKind | null;
  detail?: string | null;
  context?: Operation[] | null;
};

type Values = Record<string, string | number>;

function current(): Translate {
  return get(_) as Translate;
}

/**
 * The translated sentence of an error, its context in front, and its detail. A kind this
 * UI has no string for (a newer backend) falls back to the backend's English sentence.
 */
export function describeError(e: ErrorLike, tr?: Translate): ErrorText {
  try {
    return translated(e, tr ?? current());
  } catch {
    return { message: e.message, sentence: e.message, detail: null };
  }
}

/** A message that must exist: a missing key throws (the caller falls back to English). */
function must(tr: Translate, key: string, values?: Values): string {
  const text = tr(key, values ? { values } : undefined);
  if (text === key) throw new Error(`no message ${key}`);
  return text;
}

function translated(e: ErrorLike, tr: Translate): ErrorText {
  const detail = e.detail ?? null;
  let sentence = e.kind ? kindText(e.kind, tr) : (detail ?? e.message);
  for (const op of [...(e.context ?? [])].reverse()) {
    sentence = must(tr, 'error.context', { operation: operationText(op, tr), message: sentence });
  }
  const shownDetail = e.kind && detail ? detail : null;
  const message = shownDetail
    ? must(tr, 'error.withDetail', { message: sentence, detail: shownDetail })
    : sentence;
  return { message, sentence, detail: shownDetail };
}

function list(items: string[], tr: Translate): string {
  return items.join(must(tr, 'error.listSeparator'));
}

/** A kind's parameters as message values: nested types rendered first. */
function values(params: Record<string, unknown>, tr: Translate): Values {
  const out: Values = {};
  for (const [key, value] of Object.entries(params)) {
    if (key === 'type') continue;
    if (key === 'operation') out[key] = operationText(value as Operation, tr);
    else if (key === 'peer') out[key] = peerText(value as Peer, tr);
    else if (key === 'tried') out[key] = attempts(value as Attempt[], tr);
    // An error inside the sentence (what stopped a prune, what a hint is about).
    else if (key === 'cause') out[key] = describeError(value as ErrorLike, tr).message;
    else if (key === 'refusal') out[key] = refusalText(value as Refusal, tr);
    else if (key in NESTED) out[key] = nested(key as keyof typeof NESTED, value, tr);
    else if (Array.isArray(value)) {
      out[key] = list(value.map(String), tr);
      // For plurals and for leaving out an empty list: `{deleted_count, plural, =0 {} …}`.
      out[`${key}_count`] = value.length;
    } else out[key] = value as string | number;
  }
  return out;
}

export function kindText(kind: ErrorKind, tr: Translate): string {
  return must(tr, `error.kind.${kind.type}`, values(kind, tr));
}

export function operationText(op: Operation, tr: Translate): string {
  const { op: name, ...params } = op;
  return must(tr, `error.op.${name}`, values(params, tr));
}

function peerText(peer: Peer, tr: Translate): string {
  return must(tr, `error.peer.${peer.type}`, values(peer, tr));
}

/** Parameters that are small typed unions of their own, and where their messages are. */
const NESTED = {
  /** Why a reference is invalid. */
  problem: 'reference',
  /** What a path is for. */
  purpose: 'purpose',
  /** Why a `reference=` pattern is not one. */
  why: 'pattern',
  /** Why a `.dockerignore` line is not a pattern. */
  issue: 'ignore',
  /** Which build limit. */
  resource: 'limit',
  /** What to do next on the command line. */
  hint: 'hint',
} as const;

function nested(key: keyof typeof NESTED, value: unknown, tr: Translate): string {
  const v = value as { type: string };
  return must(tr, `error.${NESTED[key]}.${v.type}`, values(v, tr));
}

/** The remove dialog's own sentence for a refusal. */
function refusalText(r: Refusal, tr: Translate): string {
  const s = refusalSentence(r);
  return must(tr, s.key, s.values);
}

function attempts(tried: Attempt[], tr: Translate): string {
  return tried
    .map((a) =>
      must(tr, 'error.attempt', { host: a.host, message: describeError(a.error, tr).message }),
    )
    .join('\n');
}
