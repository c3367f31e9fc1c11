// User preferences that outlive the window: the UI language.
import { locale } from 'svelte-i18n';
import { detectLanguage, isLanguage, type Language } from '$lib/i18n';

export const LANGUAGE_KEY = 'slipway.language';

function readSaved(): Language | null {
  try {
    const v = globalThis.localStorage?.getItem(LANGUAGE_KEY);
    return isLanguage(v) ? v : null;
  } catch {
    return null;
  }
}

export class PrefsStore {
  language = $state<Language>('en');

  /** The saved choice, else the system language. */
  initialLanguage(): Language {
    return (
      readSaved() ?? detectLanguage(typeof navigator === 'undefined' ? null : navigator.language)
    );
  }

  load(): Language {
    this.apply(this.initialLanguage(), false);
    return this.language;
  }

  setLanguage(value: string): void {
    if (isLanguage(value)) this.apply(value, true);
  }

  private apply(lang: Language, persist: boolean): void {
    this.language = lang;
    locale.set(lang);
    if (typeof document !== 'undefined') document.documentElement.lang = lang;
    if (persist) {
      try {
        globalThis.localStorage?.setItem(LANGUAGE_KEY, lang);
      } catch {
        // Private mode or storage disabled: the choice lasts for this session.
      }
    }
  }
}

export const prefs = new PrefsStore();
