import { ApiError } from '../../shared/api.js';
import { baseUrl } from '../../shared/server-config.js';
import type { Settings, StoreChange, Subscription, SubscriptionStore } from '../state/index.js';
import type { SettingsStore } from '../state/settings.js';
import { DELETE_AFTER_SECONDS, normalizeBaseUrl } from '../state/index.js';
import { accountApi, type Account, type AccountSettings, type AccountSubscription } from './account-api.js';
import { getAccountState, onAccountLoaded, refreshAccount, setLoadStamp } from './account-store.js';
import { credentialsFor, getSession, onSessionChange } from './session.js';

/**
 * Keeps the subscription list and the settings of a logged-in user the same in every browser,
 * through the account (ntfy's model):
 *
 * - A change the user makes here goes to the account at once (`POST`/`PATCH`/`DELETE
 *   /v1/account/subscription`, `PATCH /v1/account/settings`); changes made by the sync itself
 *   (origin `sync`) or by another tab (which sent them already) are not echoed back.
 * - Each account load (login, and every `sync` event on the account's sync topic) reconciles the
 *   local list: what the account has and this browser lacks is added; what this browser has and
 *   the account lacks is removed if it was synced before (so it was removed elsewhere), and sent
 *   to the account if it never was (added before logging in, or while a call failed).
 * - A load that started before a change of ours reached the server is ignored (another follows:
 *   every change is announced on the sync topic), so a stale list never undoes a fresh change.
 * - Logging out removes the synced subscriptions from this browser (they are the account's);
 *   ones added while logged out stay.
 */
const SYNCED = 'account';

export function startAccountSync(store: SubscriptionStore, settings: SettingsStore): void {
  let pending = 0;
  let changes = 0;
  let staleLoad = false;
  let applyingSettings = false;
  let lastUsername = getSession()?.username;

  const isSynced = (s: Subscription) => s.meta?.[SYNCED] === true;
  const markSynced = (s: Subscription, synced: boolean) => {
    if (isSynced(s) === synced) return;
    const meta = { ...s.meta };
    if (synced) meta[SYNCED] = true;
    else delete meta[SYNCED];
    store.update(s.id, { meta }, 'sync');
  };
  const remote = (s: Subscription): AccountSubscription => ({ base_url: s.baseUrl, topic: s.topic, display_name: s.displayName ?? null });

  /** One call to the account for a local change; its failure is kept on the account state in words. */
  const push = async (work: () => Promise<unknown>): Promise<void> => {
    pending++;
    changes++;
    try {
      await work();
    } catch (err) {
      reportSyncFailure(err);
    } finally {
      pending--;
      // A load came back while we were changing things: read the account again now that we are done.
      if (pending === 0 && staleLoad) {
        staleLoad = false;
        void refreshAccount();
      }
    }
  };
  // -1: a change was in flight when the load started, so its answer may predate it.
  setLoadStamp(() => (pending > 0 ? -1 : changes));

  store.setCredentialsProvider((s) => credentialsFor(s.baseUrl));

  store.subscribe((change: StoreChange) => {
    if (!getSession()) return;
    if (change.kind !== 'added' && change.kind !== 'removed' && change.kind !== 'updated') return;
    if (change.origin === 'sync' || change.origin === 'other-tab') return;
    const s = change.subscription;
    if (change.kind === 'added') {
      upload(s);
    } else if (change.kind === 'removed') {
      void push(() => accountApi.removeSubscription(s.baseUrl, s.topic));
    } else if (isSynced(s)) {
      void push(() => accountApi.renameSubscription(remote(s)));
    }
  });

  onAccountLoaded((account, stamp) => {
    // A load that began before our last change was acknowledged may not contain it.
    if (stamp === -1 || stamp !== changes || pending > 0) {
      if (pending > 0) staleLoad = true;
      else void refreshAccount();
      return;
    }
    reconcile(account);
    applySettings(account);
  });

  /** Adds a subscription of this browser to the account, and marks it synced once it is there. */
  function upload(s: Subscription): void {
    void push(async () => {
      try {
        await accountApi.addSubscription(remote(s));
      } catch (err) {
        // Already on the account (added in another browser at the same time): that is the goal.
        if (!(err instanceof ApiError && err.code === 40903)) throw err;
      }
      const now = store.get(s.id);
      if (now) markSynced(now, true);
    });
  }

  function reconcile(account: Account): void {
    const wanted = new Map<string, AccountSubscription>();
    for (const r of account.subscriptions ?? []) {
      try {
        wanted.set(key(normalizeBaseUrl(r.base_url), r.topic), r);
      } catch {
        // A base URL this app cannot use; leave it on the account for other clients.
      }
    }
    for (const s of [...store.list()]) {
      const r = wanted.get(key(s.baseUrl, s.topic));
      if (r) {
        markSynced(s, true);
        const name = r.display_name ?? undefined;
        if ((s.displayName ?? undefined) !== name) store.update(s.id, { displayName: name }, 'sync');
        wanted.delete(key(s.baseUrl, s.topic));
      } else if (isSynced(s)) {
        store.remove(s.id, 'sync');
      } else {
        upload(s);
      }
    }
    for (const r of wanted.values()) {
      store.add({ baseUrl: r.base_url, topic: r.topic, ...(r.display_name ? { displayName: r.display_name } : {}), meta: { [SYNCED]: true } }, 'sync');
    }
  }

  // ---- settings -------------------------------------------------------------------------------

  let syncedSettings = settingsKey(settings.get());
  function applySettings(account: Account): void {
    const fromAccount = settingsFromAccount(account);
    if (Object.keys(fromAccount).length === 0) {
      // Nothing kept with the account yet: this browser's settings become the account's.
      pushSettings();
      return;
    }
    applyingSettings = true;
    try {
      settings.set(fromAccount);
    } finally {
      applyingSettings = false;
    }
    syncedSettings = settingsKey(settings.get());
  }
  function pushSettings(): void {
    const now = settings.get();
    syncedSettings = settingsKey(now);
    void push(() => accountApi.changeSettings(settingsToAccount(now)));
  }
  settings.subscribe(() => {
    if (applyingSettings || !getSession() || !getAccountState().account) return;
    if (settingsKey(settings.get()) === syncedSettings) return;
    pushSettings();
  });

  // ---- login and logout -----------------------------------------------------------------------

  onSessionChange(() => {
    const username = getSession()?.username;
    if (username === lastUsername) return;
    const loggedOut = lastUsername !== undefined && username !== lastUsername;
    lastUsername = username;
    if (loggedOut) {
      for (const s of [...store.list()]) if (isSynced(s)) store.remove(s.id, 'sync');
    }
    store.credentialsChanged();
  });

  if (getSession()) void refreshAccount();
}

function key(base: string, topic: string): string {
  return `${base}\n${topic}`;
}

function reportSyncFailure(err: unknown): void {
  const text = err instanceof Error ? err.message : String(err);
  console.warn(`Account sync: ${text}`);
  syncFailureListeners.forEach((l) => l(`Your subscriptions could not be saved to your account: ${text}`));
}

const syncFailureListeners = new Set<(message: string) => void>();
/** Told, in words, when a change could not be saved to the account (the screen shows it). */
export function onSyncFailure(listener: (message: string) => void): () => void {
  syncFailureListeners.add(listener);
  return () => syncFailureListeners.delete(listener);
}

// The fields the account keeps (ntfy's `notification` settings and `language`).
type SyncedSettings = Pick<Settings, 'minPriority' | 'sound' | 'deleteAfter' | 'language'>;

function settingsKey(s: Settings): string {
  return JSON.stringify([s.minPriority, s.sound, s.deleteAfter, s.language]);
}

function settingsToAccount(s: Settings): AccountSettings {
  return {
    ...(s.language !== 'auto' ? { language: s.language } : {}),
    notification: { min_priority: s.minPriority, sound: s.sound ? 'ding' : 'none', delete_after: DELETE_AFTER_SECONDS[s.deleteAfter] },
  };
}

function settingsFromAccount(account: Account): Partial<SyncedSettings> {
  const out: Partial<SyncedSettings> = {};
  const n = account.notification;
  if (n?.min_priority !== undefined && n.min_priority >= 1 && n.min_priority <= 5) out.minPriority = n.min_priority as SyncedSettings['minPriority'];
  if (n?.sound !== undefined) out.sound = n.sound !== '' && n.sound !== 'none';
  if (n?.delete_after !== undefined) {
    const match = (Object.entries(DELETE_AFTER_SECONDS) as [SyncedSettings['deleteAfter'], number][]).find(([, seconds]) => seconds === n.delete_after);
    if (match) out.deleteAfter = match[0];
  }
  if (account.language) out.language = account.language;
  return out;
}

/** This server's base URL as the subscription list writes it. */
export const ownBaseUrl = (): string => normalizeBaseUrl(baseUrl);
