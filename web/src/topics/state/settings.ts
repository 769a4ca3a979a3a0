import { onOtherTabChange, readJson, writeJson } from './storage.js';

/** The app's local settings (kept in this browser only). */
export interface Settings {
  /** Notifications below this priority are hidden and do not alert (1 shows everything). */
  minPriority: 1 | 2 | 3 | 4 | 5;
  sound: boolean;
  deleteAfter: DeleteAfter;
  /** `auto` follows the browser's language. */
  language: 'auto' | string;
  theme: 'system' | 'light' | 'dark';
  /** Browser notifications while the app is open (needs the browser's permission). */
  browserNotifications: boolean;
}

export type DeleteAfter = 'never' | '1d' | '1w' | '1m';

export const DELETE_AFTER_SECONDS: Record<DeleteAfter, number> = { never: 0, '1d': 86_400, '1w': 7 * 86_400, '1m': 30 * 86_400 };

export const DEFAULT_SETTINGS: Settings = {
  minPriority: 1, sound: false, deleteAfter: 'never', language: 'auto', theme: 'system', browserNotifications: false,
};

export class SettingsStore {
  private value: Settings;
  private readonly listeners = new Set<() => void>();

  constructor() {
    this.value = { ...DEFAULT_SETTINGS, ...readJson<Partial<Settings>>('settings', {}) };
    onOtherTabChange((key) => {
      if (key !== 'settings') return;
      this.value = { ...DEFAULT_SETTINGS, ...readJson<Partial<Settings>>('settings', {}) };
      this.notify();
    });
  }

  get(): Settings {
    return this.value;
  }

  set(patch: Partial<Settings>): void {
    this.value = { ...this.value, ...patch };
    writeJson('settings', this.value);
    this.notify();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
