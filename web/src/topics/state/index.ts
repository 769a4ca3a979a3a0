import { useSyncExternalStore } from 'react';
import { ConnectionManager } from './connections.js';
import { SettingsStore, type Settings } from './settings.js';
import { SubscriptionStore } from './subscriptions.js';

export * from './types.js';
export { SubscriptionStore, normalizeBaseUrl, subscriptionId, sequenceOf, TOPIC_PATTERN, type StoreChange, type ChangeOrigin, type CredentialsProvider, type NewSubscription } from './subscriptions.js';
export { DELETE_AFTER_SECONDS, type Settings, type DeleteAfter } from './settings.js';
export { onStorageError } from './storage.js';

/** The app's one subscription store, its live connections and its settings. */
export const store = new SubscriptionStore();
export const connections = new ConnectionManager(store);
export const settings = new SettingsStore();

/** Re-renders on every store change; returns the store's version (use it as a memo key). */
export function useStoreVersion(): number {
  return useSyncExternalStore((cb) => store.subscribe(cb), () => store.version);
}

export function useSettings(): Settings {
  return useSyncExternalStore((cb) => settings.subscribe(cb), () => settings.get());
}
