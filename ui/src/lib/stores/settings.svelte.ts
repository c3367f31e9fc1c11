// The app's settings: a projection of settings.json, which the backend keeps (and applies:
// a new stall timeout reaches the connected engine at once). The limits come from the
// backend too, so the form checks against the backend's rule, not a copy of it.
import { api, type AppSettings } from '$lib/api';

export class SettingsStore {
  current = $state.raw<AppSettings | null>(null);

  async load(): Promise<void> {
    this.current = await api.settingsGet();
  }

  /** Keeps the stall timeout; throws the backend's error (its sentence) when refused. */
  async setStallTimeout(seconds: number): Promise<void> {
    this.current = await api.settingsSetStallTimeout(seconds);
  }

  /** A form value the backend would take (`null`) or why not (an i18n key). */
  stallProblem(n: number | null): 'settings.stallNotNumber' | 'settings.stallOutOfRange' | null {
    if (n === null || !Number.isInteger(n)) return 'settings.stallNotNumber';
    const s = this.current;
    if (s && (n < s.stall_timeout_min || n > s.stall_timeout_max))
      return 'settings.stallOutOfRange';
    return null;
  }

  reset(): void {
    this.current = null;
  }
}

export const settings = new SettingsStore();
