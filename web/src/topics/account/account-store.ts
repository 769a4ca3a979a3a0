import { useSyncExternalStore } from 'react';
import { ApiError } from '../../shared/api.js';
import { baseUrl } from '../../shared/server-config.js';
import { accountApi, type Account } from './account-api.js';
import { forgetSession, getSession, onSessionChange, withStreamAuth } from './session.js';

/**
 * The logged-in account as the server last described it (`GET /v1/account`), kept fresh by the
 * account's sync topic: Herald publishes `{"event":"sync"}` there after every change to the
 * account (from this browser or any other), and each one re-reads the account. Screens and the
 * subscription sync read it through {@link useAccount} and {@link onAccountLoaded}.
 */
export interface AccountState {
  account: Account | undefined;
  /** Worded failure of the last load, shown on the account page. */
  error: string;
  loading: boolean;
}

let state: AccountState = { account: undefined, error: '', loading: false };
const listeners = new Set<() => void>();
const loadedListeners = new Set<(account: Account, stamp: number) => void>();
let stampOf: () => number = () => 0;

/**
 * What the subscription sync needs to tell a stale load from a fresh one: `stamp()` is read
 * when a load starts and handed to the loaded listeners with its result.
 */
export function setLoadStamp(stamp: () => number): void {
  stampOf = stamp;
}
let generation = 0;
let syncSource: EventSource | undefined;
let syncTopic = '';

function set(next: Partial<AccountState>): void {
  state = { ...state, ...next };
  for (const listener of listeners) listener();
}

export function getAccountState(): AccountState {
  return state;
}

export function useAccount(): AccountState {
  return useSyncExternalStore(subscribe, getAccountState, getAccountState);
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Called with every account loaded (after login, on each sync event). */
export function onAccountLoaded(listener: (account: Account, stamp: number) => void): () => void {
  loadedListeners.add(listener);
  return () => loadedListeners.delete(listener);
}

/**
 * Re-reads the account. A 401 means the session's token is gone (expired, deleted elsewhere,
 * the account deleted): the session is forgotten, which shows the login prompt.
 */
export async function refreshAccount(): Promise<Account | undefined> {
  const mine = ++generation;
  if (!getSession()) {
    set({ account: undefined, error: '', loading: false });
    return undefined;
  }
  set({ loading: true });
  const stamp = stampOf();
  try {
    const account = await accountApi.get();
    if (mine !== generation) return state.account;
    set({ account, error: '', loading: false });
    followSyncTopic(account.sync_topic ?? '');
    for (const listener of loadedListeners) listener(account, stamp);
    return account;
  } catch (err) {
    if (mine !== generation) return state.account;
    if (err instanceof ApiError && err.status === 401) {
      set({ account: undefined, error: 'Your session has ended. Please log in again.', loading: false });
      forgetSession();
      return undefined;
    }
    set({ error: err instanceof Error ? err.message : String(err), loading: false });
    return undefined;
  }
}

/** Listens on the account's sync topic; every sync event re-reads the account. */
function followSyncTopic(topic: string): void {
  if (topic === syncTopic && syncSource) return;
  syncSource?.close();
  syncSource = undefined;
  syncTopic = topic;
  if (!topic || typeof EventSource === 'undefined') return;
  const source = new EventSource(withStreamAuth(`${baseUrl}/${encodeURIComponent(topic)}/sse`));
  source.addEventListener('message', (e) => {
    const text = readSyncMessage((e as MessageEvent<string>).data);
    if (text === 'sync') void refreshAccount();
  });
  // After a dropped connection, changes made meanwhile were missed: read the account again.
  let dropped = false;
  source.addEventListener('error', () => { dropped = true; });
  source.addEventListener('open', () => {
    if (dropped) void refreshAccount();
    dropped = false;
  });
  syncSource = source;
}

/** The `event` of a sync message (`{"event":"sync"}` in the message text), if it is one. */
function readSyncMessage(data: string): string | undefined {
  try {
    const message = JSON.parse(data) as { message?: string };
    const inner = JSON.parse(message.message ?? '') as { event?: string };
    return typeof inner.event === 'string' ? inner.event : undefined;
  } catch {
    return undefined;
  }
}

function stopSync(): void {
  syncSource?.close();
  syncSource = undefined;
  syncTopic = '';
}

// Login loads the account and starts the sync; logout stops it.
let lastToken = getSession()?.token;
onSessionChange(() => {
  const token = getSession()?.token;
  if (token === lastToken) return;
  lastToken = token;
  if (!token) {
    generation++;
    stopSync();
    set({ account: undefined, loading: false });
  } else {
    void refreshAccount();
  }
});
