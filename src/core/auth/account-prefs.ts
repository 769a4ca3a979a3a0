import { HeraldError } from '../../errors/index.js';
import type { AccountPrefs, AccountSubscription } from '../../ports/auth-store.js';

/** What `PATCH /v1/account/settings` may carry: each field given replaces the stored one, the others stay. */
export interface SettingsChange {
  language?: string;
  notification?: { sound?: string; minPriority?: number; deleteAfter?: number };
}

/**
 * The web app keeps its whole subscription list here; far more than anyone subscribes to, and a
 * bound on what one account's settings row can grow to.
 */
export const MAX_SUBSCRIPTIONS = 1000;

/** A partial update, as ntfy applies it: notification fields are merged one by one. */
export function applySettings(prefs: AccountPrefs, change: SettingsChange): AccountPrefs {
  const next: AccountPrefs = { ...prefs };
  if (change.language !== undefined) next.language = change.language;
  if (change.notification !== undefined) {
    const notification = { ...next.notification };
    if (change.notification.sound !== undefined) notification.sound = change.notification.sound;
    if (change.notification.minPriority !== undefined) notification.minPriority = change.notification.minPriority;
    if (change.notification.deleteAfter !== undefined) notification.deleteAfter = change.notification.deleteAfter;
    next.notification = notification;
  }
  return next;
}

/** Appends a subscription; the same base URL and topic twice is 409 40903. */
export function withSubscription(prefs: AccountPrefs, subscription: AccountSubscription): AccountPrefs {
  const list = prefs.subscriptions ?? [];
  if (list.some((s) => sameSubscription(s, subscription))) throw new HeraldError('subscriptionExists');
  if (list.length >= MAX_SUBSCRIPTIONS) throw new HeraldError('badRequest', { detail: `at most ${MAX_SUBSCRIPTIONS} subscriptions per account` });
  return { ...prefs, subscriptions: [...list, subscription] };
}

/** Sets the display name of a stored subscription (the only field the web app changes); 404 when there is none. */
export function withDisplayName(prefs: AccountPrefs, subscription: AccountSubscription): AccountPrefs {
  const list = prefs.subscriptions ?? [];
  const i = list.findIndex((s) => sameSubscription(s, subscription));
  if (i < 0) throw new HeraldError('notFound');
  const next = [...list];
  next[i] = { ...list[i]!, displayName: subscription.displayName };
  return { ...prefs, subscriptions: next };
}

/** Removes a subscription; one that is not there is no error (ntfy's behaviour). */
export function withoutSubscription(prefs: AccountPrefs, key: { baseUrl: string; topic: string }): AccountPrefs {
  const list = prefs.subscriptions ?? [];
  return { ...prefs, subscriptions: list.filter((s) => !sameSubscription(s, key)) };
}

/** The stored subscription for a base URL and topic. */
export function findSubscription(prefs: AccountPrefs, key: { baseUrl: string; topic: string }): AccountSubscription | undefined {
  return prefs.subscriptions?.find((s) => sameSubscription(s, key));
}

function sameSubscription(a: { baseUrl: string; topic: string }, b: { baseUrl: string; topic: string }): boolean {
  return a.baseUrl === b.baseUrl && a.topic === b.topic;
}
