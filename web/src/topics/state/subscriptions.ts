import type { Credentials } from '../../shared/api.js';
import { onOtherTabChange, readJson, removeKey, writeJson } from './storage.js';
import type { ConnectionState, Notification, StreamEvent, Subscription } from './types.js';

/**
 * The subscriptions kept in this browser and the notifications received on each, cached locally
 * so a reload shows them and the live stream resumes with `since=<lastId>`.
 *
 * The API is small on purpose so the account code can build on it:
 * - `list()`, `get(id)`, `find(baseUrl, topic)`, `add(...)`, `update(id, patch)`, `remove(id)`;
 *   every change carries an `origin` (`'user'` by default) so a sync can tell its own changes
 *   (`'sync'`) from the user's and not echo them back to the server.
 * - `subscribe(listener)` is told of every change (`StoreChange`); `version` changes with each.
 * - `setCredentialsProvider(fn)` supplies the credentials for a subscription (a login);
 *   `credentialsChanged()` reconnects the live streams with the new ones.
 * - `connectionState(id)` says how the live connection is doing, with a worded error.
 */

export type ChangeOrigin = 'user' | 'sync' | 'url' | (string & {});

export type StoreChange =
  | { kind: 'added'; subscription: Subscription; origin: ChangeOrigin }
  | { kind: 'removed'; subscription: Subscription; origin: ChangeOrigin }
  | { kind: 'updated'; subscription: Subscription; origin: ChangeOrigin }
  | { kind: 'received'; subscription: Subscription; notification: Notification }
  | { kind: 'notifications'; subscriptionId: string | undefined }
  | { kind: 'connection'; subscriptionId: string }
  | { kind: 'credentials' }
  | { kind: 'reloaded' };

export type CredentialsProvider = (subscription: Pick<Subscription, 'baseUrl' | 'topic'>) => Credentials;

export interface NewSubscription {
  baseUrl: string;
  topic: string;
  displayName?: string;
  muted?: boolean;
  meta?: Record<string, unknown>;
}

export const TOPIC_PATTERN = /^[-_A-Za-z0-9]{1,64}$/;
/** Most notifications kept per subscription; the oldest go first. */
export const MAX_NOTIFICATIONS = 2000;
/** Most locally deleted ids remembered per subscription, so a replay does not bring them back. */
const MAX_TOMBSTONES = 2000;
const SAVE_DELAY_MS = 250;

/** `https://Host:443/path/` → `https://host/path`; throws on anything but http(s). */
export function normalizeBaseUrl(url: string): string {
  const parsed = new URL(url.trim());
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('A server address starts with http:// or https://');
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

/** A short stable id for a server and topic, the same in every tab. */
export function subscriptionId(baseUrl: string, topic: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (const ch of `${baseUrl} ${topic}`) {
    const c = ch.codePointAt(0)!;
    h1 = Math.imul(h1 ^ c, 16777619) >>> 0;
    h2 = Math.imul(h2 ^ c, 2246822519) >>> 0;
  }
  return `s${h1.toString(36)}${h2.toString(36)}`;
}

/** The sequence a message belongs to (ntfy 2.16): its own id unless it updates another. */
export function sequenceOf(event: Pick<StreamEvent, 'id' | 'sequence_id'>): string {
  return event.sequence_id || event.id;
}

export class SubscriptionStore {
  private subs: Subscription[];
  private readonly notes = new Map<string, Notification[]>();
  private readonly tombstones = new Map<string, string[]>();
  private readonly states = new Map<string, ConnectionState>();
  private readonly listeners = new Set<(change: StoreChange) => void>();
  private readonly dirty = new Set<string>();
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private credentials: CredentialsProvider = () => undefined;
  /** Changes with every change; a React hook reads it as its snapshot. */
  version = 0;

  constructor() {
    this.subs = readJson<Subscription[]>('subscriptions', []).filter(isSubscription);
    onOtherTabChange((key) => this.reloadKey(key));
    globalThis.addEventListener?.('pagehide', () => this.flush());
  }

  // ---- subscriptions ------------------------------------------------------------------------

  list(): readonly Subscription[] {
    return this.subs;
  }

  get(id: string): Subscription | undefined {
    return this.subs.find((s) => s.id === id);
  }

  find(baseUrl: string, topic: string): Subscription | undefined {
    return this.get(subscriptionId(normalizeBaseUrl(baseUrl), topic));
  }

  /** Adds a subscription (or returns the one already there for that server and topic). */
  add(input: NewSubscription, origin: ChangeOrigin = 'user'): Subscription {
    if (!TOPIC_PATTERN.test(input.topic)) throw new Error('A topic name is 1 to 64 letters, digits, - or _.');
    const baseUrl = normalizeBaseUrl(input.baseUrl);
    const id = subscriptionId(baseUrl, input.topic);
    const existing = this.get(id);
    if (existing) return existing;
    const subscription: Subscription = {
      id, baseUrl, topic: input.topic, addedAt: Math.floor(Date.now() / 1000),
      ...(input.displayName ? { displayName: input.displayName } : {}),
      ...(input.muted ? { muted: true } : {}),
      ...(input.meta ? { meta: input.meta } : {}),
    };
    this.subs = [...this.subs, subscription];
    this.markDirty('subscriptions');
    this.emit({ kind: 'added', subscription, origin });
    return subscription;
  }

  update(id: string, patch: Partial<Omit<Subscription, 'id' | 'baseUrl' | 'topic'>>, origin: ChangeOrigin = 'user'): Subscription | undefined {
    const current = this.get(id);
    if (!current) return undefined;
    const next = { ...current, ...patch };
    this.subs = this.subs.map((s) => (s.id === id ? next : s));
    this.markDirty('subscriptions');
    this.emit({ kind: 'updated', subscription: next, origin });
    return next;
  }

  /** Removes a subscription and the notifications cached for it. */
  remove(id: string, origin: ChangeOrigin = 'user'): void {
    const subscription = this.get(id);
    if (!subscription) return;
    this.subs = this.subs.filter((s) => s.id !== id);
    this.notes.delete(id);
    this.tombstones.delete(id);
    this.states.delete(id);
    removeKey(`notifications.${id}`);
    removeKey(`deleted.${id}`);
    this.markDirty('subscriptions');
    this.emit({ kind: 'removed', subscription, origin });
  }

  // ---- credentials and connection state -------------------------------------------------------

  setCredentialsProvider(provider: CredentialsProvider): void {
    this.credentials = provider;
    this.credentialsChanged();
  }

  credentialsFor(subscription: Pick<Subscription, 'baseUrl' | 'topic'>): Credentials {
    return this.credentials(subscription);
  }

  /** Reconnects every live stream with the credentials the provider gives now. */
  credentialsChanged(): void {
    this.emit({ kind: 'credentials' });
  }

  connectionState(id: string): ConnectionState | undefined {
    return this.states.get(id);
  }

  setConnectionState(id: string, state: ConnectionState): void {
    const current = this.states.get(id);
    if (current && current.state === state.state && current.error === state.error) return;
    this.states.set(id, state);
    this.emit({ kind: 'connection', subscriptionId: id });
  }

  // ---- notifications --------------------------------------------------------------------------

  /** The notifications of one subscription, or of all, newest first. */
  notifications(id?: string): readonly Notification[] {
    if (id) return this.notesOf(id);
    return this.subs.flatMap((s) => this.notesOf(s.id)).sort(newestFirst);
  }

  unreadCount(id?: string): number {
    const ids = id ? [id] : this.subs.map((s) => s.id);
    return ids.reduce((n, sid) => n + this.notesOf(sid).filter((m) => m.new).length, 0);
  }

  /**
   * Takes one stream event for a subscription: a message is added (or replaces the one of its
   * sequence), `message_clear` marks its sequence read, `message_delete` removes it. Returns
   * the notification when it is new to this browser.
   */
  receive(id: string, event: StreamEvent): Notification | undefined {
    const subscription = this.get(id);
    if (!subscription) return undefined;
    if (event.event !== 'message' && event.event !== 'message_clear' && event.event !== 'message_delete') return undefined;
    if (subscription.lastId !== event.id) {
      // Kept in place (not a new object): it changes with every message and is no news to the screen.
      subscription.lastId = event.id;
      subscription.lastTime = event.time;
      this.markDirty('subscriptions');
    }
    const list = this.notesOf(id);
    if (list.some((m) => m.id === event.id) || this.tombstonesOf(id).includes(event.id)) return undefined;
    const sequence = sequenceOf(event);
    if (event.event === 'message_clear') {
      this.setNotes(id, list.map((m) => (sequenceOf(m) === sequence && m.new ? { ...m, new: false } : m)));
      return undefined;
    }
    if (event.event === 'message_delete') {
      this.setNotes(id, list.filter((m) => sequenceOf(m) !== sequence));
      return undefined;
    }
    const notification: Notification = { ...event, subscriptionId: id, new: true };
    // An update replaces the notification of its sequence, unless a newer update is already here.
    if (list.some((m) => sequenceOf(m) === sequence && m.time > event.time)) return undefined;
    const next = list.filter((m) => sequenceOf(m) !== sequence);
    let at = 0;
    while (at < next.length && next[at]!.time > notification.time) at++;
    next.splice(at, 0, notification);
    this.setNotes(id, next.slice(0, MAX_NOTIFICATIONS));
    this.emit({ kind: 'received', subscription, notification });
    return notification;
  }

  markRead(id: string, messageId?: string): void {
    this.changeNotes(id, (list) => list.map((m) => (m.new && (!messageId || m.id === messageId) ? { ...m, new: false } : m)));
  }

  /** Marks everything read, in one subscription or in all. */
  markAllRead(id?: string): void {
    for (const sid of id ? [id] : this.subs.map((s) => s.id)) this.markRead(sid);
  }

  deleteNotification(id: string, messageId: string): void {
    this.changeNotes(id, (list) => {
      this.rememberDeleted(id, [messageId]);
      return list.filter((m) => m.id !== messageId);
    });
  }

  /** Deletes every notification, of one subscription or of all. */
  clearAll(id?: string): void {
    for (const sid of id ? [id] : this.subs.map((s) => s.id)) {
      this.changeNotes(sid, (list) => {
        this.rememberDeleted(sid, list.map((m) => m.id));
        return [];
      });
    }
  }

  /** Deletes notifications older than `cutoff` (Unix seconds), in every subscription. */
  deleteOlderThan(cutoff: number): void {
    for (const s of this.subs) this.changeNotes(s.id, (list) => list.filter((m) => m.time >= cutoff));
  }

  // ---- listeners and saving -------------------------------------------------------------------

  subscribe(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Writes pending changes to storage now (also done on `pagehide`). */
  flush(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    for (const key of this.dirty) {
      if (key === 'subscriptions') writeJson(key, this.subs);
      else if (key.startsWith('notifications.')) {
        const id = key.slice('notifications.'.length);
        if (this.get(id)) writeJson(key, this.notesOf(id));
      } else if (key.startsWith('deleted.')) {
        const id = key.slice('deleted.'.length);
        if (this.get(id)) writeJson(key, this.tombstonesOf(id));
      }
    }
    this.dirty.clear();
  }

  private emit(change: StoreChange): void {
    this.version++;
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch (err) {
        console.error(err);
      }
    }
  }

  private markDirty(key: string): void {
    this.dirty.add(key);
    this.saveTimer ??= setTimeout(() => this.flush(), SAVE_DELAY_MS);
  }

  private notesOf(id: string): Notification[] {
    let list = this.notes.get(id);
    if (!list) {
      list = readJson<Notification[]>(`notifications.${id}`, []).filter((m) => m && typeof m.id === 'string');
      this.notes.set(id, list);
    }
    return list;
  }

  private setNotes(id: string, list: Notification[]): void {
    this.notes.set(id, list);
    this.markDirty(`notifications.${id}`);
    this.emit({ kind: 'notifications', subscriptionId: id });
  }

  private changeNotes(id: string, change: (list: Notification[]) => Notification[]): void {
    const before = this.notesOf(id);
    const after = change(before);
    if (after.length !== before.length || after.some((m, i) => m !== before[i])) this.setNotes(id, after);
  }

  private tombstonesOf(id: string): string[] {
    let list = this.tombstones.get(id);
    if (!list) {
      list = readJson<string[]>(`deleted.${id}`, []);
      this.tombstones.set(id, list);
    }
    return list;
  }

  private rememberDeleted(id: string, ids: string[]): void {
    if (!ids.length) return;
    this.tombstones.set(id, [...this.tombstonesOf(id), ...ids].slice(-MAX_TOMBSTONES));
    this.markDirty(`deleted.${id}`);
  }

  private reloadKey(key: string): void {
    if (key === 'subscriptions') {
      const before = this.subs;
      this.subs = readJson<Subscription[]>('subscriptions', []).filter(isSubscription);
      for (const s of before) if (!this.get(s.id)) this.emit({ kind: 'removed', subscription: s, origin: 'other-tab' });
      for (const s of this.subs) if (!before.some((b) => b.id === s.id)) this.emit({ kind: 'added', subscription: s, origin: 'other-tab' });
      this.emit({ kind: 'reloaded' });
    } else if (key.startsWith('notifications.') || key.startsWith('deleted.')) {
      const id = key.slice(key.indexOf('.') + 1);
      (key.startsWith('deleted.') ? this.tombstones : this.notes).delete(id);
      this.emit({ kind: 'notifications', subscriptionId: id });
    }
  }
}

function newestFirst(a: Notification, b: Notification): number {
  return b.time - a.time;
}

function isSubscription(value: unknown): value is Subscription {
  const s = value as Subscription;
  return !!s && typeof s.id === 'string' && typeof s.baseUrl === 'string' && typeof s.topic === 'string';
}
