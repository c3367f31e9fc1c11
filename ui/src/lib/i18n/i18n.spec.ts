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
