// @vitest-environment node
// Every message exists, non-empty, in every language; every key the code uses exists.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import en from './en.json';
import zhCN from './zh-CN.json';
import { LANGUAGES, MESSAGES } from './index';
import { TAG_ERRORS } from '../tags';

const SRC = join(__dirname, '..', '..');

function files(dir: string, test: (f: string) => boolean): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path, test);
    return test(path) ? [path] : [];
  });
}

/** ICU placeholders (`{count}`, `{count, plural, …}`) a message expects. */
function placeholders(message: string): string[] {
  return [...message.matchAll(/\{\s*(\w+)\s*[,}]/g)].map((m) => m[1]).sort();
}

const locales: Record<string, Record<string, string>> = { en, 'zh-CN': zhCN };

describe('locale files', () => {
  it('exist for every language in the switcher', () => {
    expect(Object.keys(MESSAGES).sort()).toEqual(LANGUAGES.map((l) => l.code).sort());
  });

  it.each(Object.keys(locales))('%s has exactly the English keys, none empty', (lang) => {
    const messages = locales[lang];
    expect(Object.keys(messages).sort()).toEqual(Object.keys(en).sort());
    const empty = Object.entries(messages).filter(([, v]) => typeof v !== 'string' || !v.trim());
    expect(empty).toEqual([]);
  });

  it('zh-CN uses the same placeholders as English', () => {
    const differ = Object.keys(en).filter(
      (k) =>
        JSON.stringify([...new Set(placeholders(en[k as keyof typeof en]))]) !==
        JSON.stringify([...new Set(placeholders(zhCN[k as keyof typeof zhCN]))]),
    );
    expect(differ).toEqual([]);
  });
});

describe('keys used in the code', () => {
  const namespaces = [...new Set(Object.keys(en).map((k) => k.split('.')[0]))];
  const sources = files(
    SRC,
    (f) => /\.(svelte|ts)$/.test(f) && !/\.spec\.ts$|bindings\.ts$/.test(f),
  );

  /** `$_('key')`, `t('key')`, `tk('key')`, and any 'ns.key' string literal of a known namespace. */
  function keysIn(text: string): string[] {
    const found = new Set<string>();
    for (const m of text.matchAll(/(?:\$_|\bt|\btk)\(\s*['"`]([^'"`$]+)['"`]/g)) found.add(m[1]);
    const literal = new RegExp(`['"\`]((?:${namespaces.join('|')})\\.[\\w.]+)['"\`]`, 'g');
    for (const m of text.matchAll(literal)) found.add(m[1]);
    return [...found];
  }

  it('finds the .svelte files and the keys they use', () => {
    const svelte = sources.filter((f) => f.endsWith('.svelte'));
    expect(svelte.length).toBeGreaterThan(10);
    expect(svelte.flatMap((f) => keysIn(readFileSync(f, 'utf8'))).length).toBeGreaterThan(100);
  });

  it('every key used in src/**/*.svelte and src/**/*.ts exists in both languages', () => {
    const missing: string[] = [];
    for (const file of sources) {
      for (const key of keysIn(readFileSync(file, 'utf8'))) {
        for (const [lang, messages] of Object.entries(locales)) {
          if (!(key in messages)) missing.push(`${relative(SRC, file)}: ${key} (${lang})`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('every tag validation message exists', () => {
    for (const key of Object.values(TAG_ERRORS)) {
      expect(en).toHaveProperty([key]);
      expect(zhCN).toHaveProperty([key]);
    }
  });
});

/** The variant names of a generated union (`type: "…"` or `op: "…"`), read from bindings.ts. */
export function variantsOf(type: string, tag: 'type' | 'op'): string[] {
  const bindings = readFileSync(join(SRC, 'lib', 'bindings.ts'), 'utf8');
  const start = bindings.indexOf(`export type ${type} =`);
  if (start < 0) throw new Error(`${type} is not in bindings.ts`);
  const end = bindings.indexOf('\nexport type ', start + 1);
  const block = bindings.slice(start, end < 0 ? undefined : end);
  return [...new Set([...block.matchAll(new RegExp(`\\b${tag}: "(\\w+)"`, 'g'))].map((m) => m[1]))];
}

describe('error kinds from the Rust bindings', () => {
  // A kind added in Rust (then `make bindings`) without a string in each language fails here.
  const unions = [
    { type: 'ErrorKind_Serialize', tag: 'type', ns: 'error.kind', atLeast: 60 },
    { type: 'Operation', tag: 'op', ns: 'error.op', atLeast: 10 },
    { type: 'Peer', tag: 'type', ns: 'error.peer', atLeast: 2 },
    { type: 'ReferenceProblem', tag: 'type', ns: 'error.reference', atLeast: 5 },
    { type: 'PathPurpose', tag: 'type', ns: 'error.purpose', atLeast: 5 },
    { type: 'PatternProblem', tag: 'type', ns: 'error.pattern', atLeast: 3 },
    { type: 'IgnoreProblem', tag: 'type', ns: 'error.ignore', atLeast: 6 },
    { type: 'BuildLimit', tag: 'type', ns: 'error.limit', atLeast: 3 },
    { type: 'Hint', tag: 'type', ns: 'error.hint', atLeast: 2 },
  ] as const;

  it.each(unions)('every $type variant has a message under $ns in every language', (u) => {
    const variants = variantsOf(u.type, u.tag);
    expect(variants.length).toBeGreaterThanOrEqual(u.atLeast);
    const missing = variants.flatMap((v) =>
      Object.entries(locales)
        .filter(([, messages]) => !(`${u.ns}.${v}` in messages))
        .map(([lang]) => `${u.ns}.${v} (${lang})`),
    );
    expect(missing).toEqual([]);
  });

  it.each(unions)('no message under $ns is left over from a variant Rust no longer has', (u) => {
    const variants = new Set(variantsOf(u.type, u.tag));
    const stale = Object.keys(en)
      .filter((k) => k.startsWith(`${u.ns}.`))
      .filter((k) => !variants.has(k.slice(u.ns.length + 1)));
    expect(stale).toEqual([]);
  });

  it('each kind message uses exactly the parameters the Rust kind has', () => {
    const bindings = readFileSync(join(SRC, 'lib', 'bindings.ts'), 'utf8');
    const wrong: string[] = [];
    for (const kind of variantsOf('ErrorKind_Serialize', 'type')) {
      // `({ type: "x"; a: string; b: number })` — or `{ type: "x" } & Struct` for a struct.
      const inline =
        bindings.match(new RegExp(`\\{ type: "${kind}"((?:; \\w+: [^;}]+)*) \\}( & (\\w+))?`)) ??
        bindings.match(new RegExp(`\\{\\s*type: "${kind}",\\s*\\}()( & (\\w+))`));
      if (!inline) {
        wrong.push(`${kind}: not found`);
        continue;
      }
      let fields = [...inline[1].matchAll(/; (\w+):/g)].map((m) => m[1]);
      if (inline[3]) {
        const struct = bindings.match(new RegExp(`export type ${inline[3]} = \\{([^}]*)\\}`));
        fields = [...(struct?.[1] ?? '').matchAll(/(\w+):/g)].map((m) => m[1]);
      }
      // `NAME_count` is the length of the list NAME (errors.ts adds it).
      const used = [
        ...new Set(
          placeholders(en[`error.kind.${kind}` as keyof typeof en] ?? '').map((p) =>
            p.endsWith('_count') && fields.includes(p.slice(0, -6)) ? p.slice(0, -6) : p,
          ),
        ),
      ];
      if (JSON.stringify(used.sort()) !== JSON.stringify([...new Set(fields)].sort())) {
        wrong.push(`${kind}: message uses ${used.join(',')}, kind has ${fields.join(',')}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
