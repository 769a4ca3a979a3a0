import { useSyncExternalStore } from 'react';
import { ApiError, request } from '../../shared/api.js';
import { serverConfig } from '../../shared/server-config.js';
import { sessionCredentials } from '../account/session.js';

/**
 * Background notifications through Web Push: with the user's consent, the browser subscribes
 * with Herald's VAPID key and the app hands the subscription to Herald (`POST /v1/webpush`,
 * ntfy's shape) with the topics of this server the user follows; Herald then pushes every
 * message of those topics to the service worker (sw.ts), which shows it while no tab is open.
 * The topic list is sent again whenever it changes and at every start (which also renews the
 * subscription on the server); turning it off deletes it (`DELETE /v1/webpush`).
 */
export type WebPushStatus = 'unsupported' | 'off' | 'on' | 'denied';

const OPT_IN_KEY = 'herald.webpush';
const MAX_TOPICS = 50;

interface PushState { status: WebPushStatus; error: string; busy: boolean }

let state: PushState = { status: initialStatus(), error: '', busy: false };
const listeners = new Set<() => void>();
let topics: string[] = [];
let sending: Promise<void> = Promise.resolve();

function set(next: Partial<PushState>): void {
  state = { ...state, ...next };
  for (const listener of listeners) listener();
}

/** Whether this browser and server can do background push at all. */
export function webPushSupported(): boolean {
  return serverConfig.enable_web_push && !!serverConfig.web_push_public_key && globalThis.isSecureContext === true
    && 'serviceWorker' in navigator && 'PushManager' in globalThis && 'Notification' in globalThis;
}

function initialStatus(): WebPushStatus {
  if (!webPushSupported()) return 'unsupported';
  if (Notification.permission === 'denied') return 'denied';
  return localStorage.getItem(OPT_IN_KEY) === 'on' ? 'on' : 'off';
}

export function useWebPush(): PushState {
  return useSyncExternalStore((l) => { listeners.add(l); return () => listeners.delete(l); }, () => state, () => state);
}

/** The VAPID public key (base64url) as the bytes `pushManager.subscribe` takes. */
function applicationServerKey(): Uint8Array<ArrayBuffer> {
  const text = serverConfig.web_push_public_key.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(text + '='.repeat((4 - (text.length % 4)) % 4));
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function base64url(buffer: ArrayBuffer | null): string {
  if (!buffer) return '';
  return btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

async function registration(): Promise<ServiceWorkerRegistration> {
  await navigator.serviceWorker.register('/sw.js');
  return navigator.serviceWorker.ready;
}

async function browserSubscription(create: boolean): Promise<PushSubscription | null> {
  const reg = await registration();
  const existing = await reg.pushManager.getSubscription();
  if (existing || !create) return existing;
  return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: applicationServerKey() });
}

/** Hands the subscription and the current topics to Herald. */
async function sendToServer(subscription: PushSubscription): Promise<void> {
  const list = topics.slice(0, MAX_TOPICS);
  await request('/v1/webpush', {
    method: 'POST',
    body: {
      endpoint: subscription.endpoint,
      auth: base64url(subscription.getKey('auth')),
      p256dh: base64url(subscription.getKey('p256dh')),
      topics: list,
    },
    credentials: sessionCredentials(),
  });
}

function worded(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 401) return `Background notifications: ${err.message}. Log in to receive protected topics in the background.`;
    return `Background notifications: ${err.message}`;
  }
  const text = err instanceof Error ? err.message : String(err);
  return `Background notifications could not be set up: ${text}`;
}

/** Turns background notifications on: asks for permission, subscribes, tells Herald. */
export async function enableWebPush(): Promise<void> {
  if (!webPushSupported()) return;
  set({ busy: true, error: '' });
  try {
    const permission = await Notification.requestPermission();
    if (permission !== 'granted') {
      set({ status: permission === 'denied' ? 'denied' : 'off', error: 'The browser did not allow notifications, so background notifications stay off.' });
      return;
    }
    const subscription = await browserSubscription(true);
    if (!subscription) throw new Error('the browser gave no push subscription');
    await sendToServer(subscription);
    localStorage.setItem(OPT_IN_KEY, 'on');
    set({ status: 'on' });
  } catch (err) {
    set({ error: worded(err) });
  } finally {
    set({ busy: false });
  }
}

/** Turns them off: Herald forgets the subscription, then the browser drops it. */
export async function disableWebPush(): Promise<void> {
  set({ busy: true, error: '' });
  try {
    const subscription = await browserSubscription(false);
    if (subscription) {
      await request('/v1/webpush', { method: 'DELETE', body: { endpoint: subscription.endpoint }, credentials: sessionCredentials() });
      await subscription.unsubscribe();
    }
    localStorage.removeItem(OPT_IN_KEY);
    set({ status: 'off' });
  } catch (err) {
    set({ error: worded(err) });
  } finally {
    set({ busy: false });
  }
}

/**
 * The topics (of this server) the app follows; called by the subscription list whenever it
 * changes, and at start. While background push is on, Herald is told (serially, the latest
 * list last).
 */
export function setWebPushTopics(next: readonly string[]): void {
  const sorted = [...new Set(next)].sort();
  const changed = sorted.join(',') !== topics.join(',');
  topics = sorted;
  if (changed || !started) resend();
}

let started = false;

/** Sends the list again (at start, after login or logout: the credentials decide which topics Herald accepts). */
export function resend(): void {
  started = true;
  if (state.status !== 'on') return;
  sending = sending.then(async () => {
    try {
      const subscription = await browserSubscription(true);
      if (subscription) await sendToServer(subscription);
      set({ error: '' });
    } catch (err) {
      set({ error: worded(err) });
    }
  });
}

/** Resolves when the last change was handed to Herald (for tests and the settings screen). */
export function webPushSettled(): Promise<void> {
  return sending;
}
