/**
 * The app's local storage: JSON values under `herald.` keys in localStorage. A failure to save
 * (storage full, storage disabled) is reported to `onStorageError` listeners so the screen can
 * say it in words instead of losing data silently.
 */
const PREFIX = 'herald.';

type ErrorListener = (message: string) => void;
const errorListeners = new Set<ErrorListener>();

export function onStorageError(listener: ErrorListener): () => void {
  errorListeners.add(listener);
  return () => errorListeners.delete(listener);
}

function backend(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}

export function readJson<T>(key: string, fallback: T): T {
  try {
    const text = backend()?.getItem(PREFIX + key);
    return text ? (JSON.parse(text) as T) : fallback;
  } catch {
    return fallback;
  }
}

export function writeJson(key: string, value: unknown): boolean {
  const store = backend();
  if (!store) {
    report('This browser does not let the app store anything: subscriptions and notifications will be lost on reload.');
    return false;
  }
  try {
    store.setItem(PREFIX + key, JSON.stringify(value));
    return true;
  } catch (err) {
    const full = (err as DOMException)?.name === 'QuotaExceededError';
    report(full
      ? 'The browser storage is full: recent notifications could not be saved. Delete old ones or shorten "Delete after" in the settings.'
      : `Notifications could not be saved in this browser: ${(err as Error).message}`);
    return false;
  }
}

export function removeKey(key: string): void {
  try {
    backend()?.removeItem(PREFIX + key);
  } catch {
    // Nothing stored means nothing to remove.
  }
}

/** Calls `listener` with the key (without prefix) when another tab changes a value. */
export function onOtherTabChange(listener: (key: string) => void): () => void {
  const handler = (e: StorageEvent) => {
    if (e.key?.startsWith(PREFIX)) listener(e.key.slice(PREFIX.length));
  };
  globalThis.addEventListener?.('storage', handler);
  return () => globalThis.removeEventListener?.('storage', handler);
}

function report(message: string): void {
  for (const listener of errorListeners) listener(message);
}
