import { describe, expect, it, vi } from 'vitest';
import { get } from 'svelte/store';
import { locale } from 'svelte-i18n';
import { detectLanguage } from '$lib/i18n';
import { LANGUAGE_KEY, PrefsStore } from './prefs.svelte';

describe('language preference', () => {
  it('starts from the system language', () => {
    expect(detectLanguage('zh-CN')).toBe('zh-CN');
    expect(detectLanguage('zh-TW')).toBe('zh-CN');
    expect(detectLanguage('zh')).toBe('zh-CN');
    expect(detectLanguage('en-US')).toBe('en');
    expect(detectLanguage('fr')).toBe('en');
    expect(detectLanguage(undefined)).toBe('en');
  });

  it('uses navigator.language when nothing is saved', () => {
    vi.spyOn(navigator, 'language', 'get').mockReturnValue('zh-CN');
    expect(new PrefsStore().initialLanguage()).toBe('zh-CN');
    vi.restoreAllMocks();
  });

  it('switches the UI language, persists it, and restores it next time', () => {
    const prefs = new PrefsStore();
    prefs.setLanguage('zh-CN');
    expect(get(locale)).toBe('zh-CN');
    expect(document.documentElement.lang).toBe('zh-CN');
    expect(localStorage.getItem(LANGUAGE_KEY)).toBe('zh-CN');
    expect(new PrefsStore().load()).toBe('zh-CN');
    prefs.setLanguage('en');
  });

  it('ignores unknown languages', () => {
    const prefs = new PrefsStore();
    prefs.setLanguage('en');
    prefs.setLanguage('klingon');
    expect(prefs.language).toBe('en');
  });
});
