// svelte-i18n setup. Messages are bundled (no loading state); components call `$_` with a message key.
import { _, addMessages, init, locale } from 'svelte-i18n';
import { get } from 'svelte/store';
import en from './en.json';
import zhCN from './zh-CN.json';

export const LANGUAGES = [
  { code: 'en', label: 'English' },
  { code: 'zh-CN', label: '简体中文' },
] as const;

export type Language = (typeof LANGUAGES)[number]['code'];
export type MessageKey = keyof typeof en;

export const MESSAGES: Record<Language, Record<string, string>> = { en, 'zh-CN': zhCN };

export function isLanguage(value: unknown): value is Language {
  return LANGUAGES.some((l) => l.code === value);
}

/** `zh`, `zh-CN`, `zh-Hans-…` → Chinese; everything else English. */
export function detectLanguage(tag: string | undefined | null): Language {
  return tag && tag.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

let ready = false;

export function setupI18n(initial: Language): void {
  if (!ready) {
    addMessages('en', en);
    addMessages('zh-CN', zhCN);
    ready = true;
  }
  init({ fallbackLocale: 'en', initialLocale: initial });
  locale.set(initial);
}

/** Marks a string as a message key to translate later (the i18n test checks it exists). */
export function tk(key: MessageKey): MessageKey {
  return key;
}

type Values = Record<string, string | number | boolean | Date | null | undefined>;

/** Translate outside components (stores), in the current language. */
export function t(key: MessageKey, values?: Values): string {
  return get(_)(key, values ? { values } : undefined);
}
