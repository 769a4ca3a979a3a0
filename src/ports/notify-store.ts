/**
 * What the notify face keeps: subscribers with their preferences, categories, templates, the
 * notification ledger (one row per notification, recipient and channel), the sends that frequency
 * caps count, the in-app inbox, dead addresses and open digests.
 *
 * Records are plain JSON-able objects; preference and template documents are stored as the core
 * hands them over (already validated), so the store never interprets them.
 */

export type NotifyChannel = 'push' | 'email' | 'sms' | 'webhook' | 'inapp';
export const NOTIFY_CHANNELS: readonly NotifyChannel[] = ['push', 'email', 'sms', 'webhook', 'inapp'];

export interface SubscriberRecord {
  id: string;
  email?: string;
  phone?: string;
  name?: string;
  locale?: string;
  timezone?: string;
  /** A URL of the subscriber's own system that receives the webhook channel. */
  webhookUrl?: string;
  data: Record<string, unknown>;
  /** The preference document (core's shape), or undefined for the defaults. */
  preferences?: unknown;
  createdAt: number;
  updatedAt: number;
}

export interface CategoryRecord {
  name: string;
  description: string;
  channels: NotifyChannel[];
  critical: boolean;
  /** Notifications of this category for one subscriber within this window go out as one. */
  digestWindowMs?: number;
  createdAt: number;
  updatedAt: number;
}

export interface TemplateRecord {
  name: string;
  /** The template document as accepted at PUT (wire shape). */
  definition: unknown;
  createdAt: number;
  updatedAt: number;
}

export type NotifyPriority = 'critical' | 'high' | 'normal' | 'low';
export type NotifyStrategy = 'all' | 'fallback';

export interface NotificationRecord {
  seq: number;
  id: string;
  template: string;
  category: string;
  priority: NotifyPriority;
  strategy: NotifyStrategy;
  /** Channels the caller asked for, or undefined for the category's. */
  channels?: NotifyChannel[];
  data: Record<string, unknown>;
  to: { subscribers: string[] } | { topic: string };
  /** As given: with an offset an instant, without one a local time per subscriber. */
  sendAt?: string;
  expiresAt?: number;
  idempotencyKey?: string;
  /** Who sent it (API key id or user), for idempotency scoping. */
  actor: string;
  createdAt: number;
  /** 'routing' until every recipient has a row, then 'routed'; 'cancelled' stops what has not gone out. */
  phase: 'routing' | 'routed' | 'cancelled';
  /** Last subscriber id routed, for resuming a topic audience after a restart. */
  routeCursor?: string;
  recipients: number;
}

export type RecipientState = 'pending' | 'scheduled' | 'deferred' | 'sending' | 'sent' | 'suppressed' | 'failed' | 'digested' | 'expired' | 'cancelled';

export interface RecipientRecord {
  notificationSeq: number;
  subscriberId: string;
  state: RecipientState;
  reason?: string;
  /** For fallback: the channels still to try, in order. */
  plan: NotifyChannel[];
  createdAt: number;
  updatedAt: number;
}

export type ChannelState = 'queued' | 'sending' | 'awaiting' | 'sent' | 'delivered' | 'retrying' | 'failed' | 'suppressed' | 'deferred' | 'unavailable' | 'timeout' | 'expired' | 'cancelled';

export interface ChannelDeliveryRecord {
  notificationSeq: number;
  subscriberId: string;
  channel: NotifyChannel;
  state: ChannelState;
  reason?: string;
  /** The address used (e-mail, phone, URL), for the log; erased with the subscriber. */
  address?: string;
  /** The provider's id for the message (SMS SID, push id, Message-ID, inbox item id). */
  providerId?: string;
  attempts: number;
  createdAt: number;
  updatedAt: number;
  sentAt?: number;
}

export interface InboxItem {
  id: string;
  subscriberId: string;
  notificationId?: string;
  category?: string;
  title?: string;
  body: string;
  url?: string;
  data: Record<string, unknown>;
  createdAt: number;
  seenAt?: number;
  readAt?: number;
  archivedAt?: number;
}

export interface InboxQuery {
  /** Only items not read. */
  unread?: boolean;
  /** Only archived items; without it, archived items are left out. */
  archived?: boolean;
  /** Items added before the item with this id (newest first paging); an id that is not the subscriber's ends the list. */
  before?: string;
  limit: number;
}

export interface DigestRecord {
  subscriberId: string;
  category: string;
  /** The notification whose send carries the digest. */
  carrierSeq: number;
  flushAt: number;
  events: Record<string, unknown>[];
}

export interface SuppressedAddress {
  address: string;
  kind: 'bounce' | 'complaint' | 'invalid' | 'stop';
  reason: string;
  at: number;
}

export type RecipientPatch = Partial<Pick<RecipientRecord, 'state' | 'reason' | 'plan'>>;

export interface NotifyWriteBatch {
  channels?: readonly ChannelDeliveryRecord[];
  recipients?: readonly { seq: number; subscriberId: string; patch: RecipientPatch }[];
  sends?: readonly { subscriberId: string; category: string; at: number }[];
}

/**
 * Times are Unix ms given by the caller; the store never reads a clock. Ids and names compare
 * exactly, and listings in name or id order use byte order (upper case before lower, `_` before
 * letters), whatever the database's collation, so every node pages the same way.
 */
export interface NotifyStore {
  /**
   * Creates or replaces a profile: profile fields left out are removed, while the preferences and
   * the creation time of an existing subscriber are kept. `created` says whether it is new.
   */
  putSubscriber(record: SubscriberRecord): Promise<{ created: boolean }>;
  getSubscriber(id: string): Promise<SubscriberRecord | undefined>;
  /** The subscribers of these ids that exist, by id. */
  getSubscribers(ids: readonly string[]): Promise<Map<string, SubscriberRecord>>;
  /**
   * A page of subscribers in id order, after the id `after`. With `search`, only those whose id,
   * e-mail, name or phone contains it, ignoring ASCII case.
   */
  listSubscribers(query: { search?: string; after?: string; limit: number }): Promise<SubscriberRecord[]>;
  /** Replaces the preference document and sets `updatedAt`; false when there is no such subscriber. */
  setPreferences(id: string, preferences: unknown, now: number): Promise<boolean>;
  /**
   * Erases the subscriber and every row that names it or holds its addresses: ledger rows, cap
   * sends, inbox, digests, the suppressions of its addresses (an e-mail address also lowercased,
   * as suppressions keep it), its id in notification audiences and route cursors. Rows about an
   * id without a profile are erased too. True when the profile existed.
   */
  eraseSubscriber(id: string): Promise<boolean>;
  /**
   * Every row held about the subscriber, for GDPR export: channel rows by notification then
   * channel, recipient rows by notification, inbox items oldest first, and the suppressions of its
   * addresses (an e-mail address also looked up lowercased).
   */
  exportSubscriber(id: string): Promise<{ channels: ChannelDeliveryRecord[]; recipients: RecipientRecord[]; inbox: InboxItem[]; suppressions: SuppressedAddress[] }>;

  /** Creates or replaces a category; an existing one keeps its `createdAt`. */
  putCategory(record: CategoryRecord): Promise<void>;
  getCategory(name: string): Promise<CategoryRecord | undefined>;
  /** Every category, by name in byte order. */
  listCategories(): Promise<CategoryRecord[]>;
  /** True when it existed. */
  deleteCategory(name: string): Promise<boolean>;

  /** Creates or replaces a template; an existing one keeps its `createdAt`. */
  putTemplate(record: TemplateRecord): Promise<void>;
  getTemplate(name: string): Promise<TemplateRecord | undefined>;
  /** Every template, by name in byte order. */
  listTemplates(): Promise<TemplateRecord[]>;
  /** True when it existed. */
  deleteTemplate(name: string): Promise<boolean>;

  /**
   * Inserts a notification in phase `routing` with no recipients and a new seq (seqs grow and are
   * never reused). With an idempotency key the same actor used at or after `idempotentSince`,
   * returns the newest such notification instead and stores nothing. Check and insert are one
   * step: requests with one key arriving at once, on any node, store one notification.
   */
  createNotification(n: Omit<NotificationRecord, 'seq' | 'phase' | 'recipients' | 'routeCursor'>, idempotentSince: number): Promise<{ record: NotificationRecord; created: boolean }>;
  getNotification(id: string): Promise<NotificationRecord | undefined>;
  getNotificationBySeq(seq: number): Promise<NotificationRecord | undefined>;
  /** A page of notifications, newest first, with a seq below `before`; only those of `categories` when given. */
  listNotifications(query: { before?: number; limit: number; categories?: readonly string[] }): Promise<NotificationRecord[]>;
  /** Notifications still routing (after a restart), in seq order. */
  unroutedNotifications(): Promise<NotificationRecord[]>;
  /**
   * Adds recipient rows (an existing row is kept as it is), sets the route cursor (undefined
   * clears it) and counts the new rows into `recipients`; with `done` a routing notification
   * becomes `routed` (a cancelled one stays cancelled). Returns how many rows were new.
   */
  addRecipients(seq: number, recipients: readonly RecipientRecord[], cursor: string | undefined, done: boolean): Promise<number>;
  setPhase(seq: number, phase: NotificationRecord['phase']): Promise<void>;
  getRecipient(seq: number, subscriberId: string): Promise<RecipientRecord | undefined>;
  /** Changes the fields in `patch` and sets `updatedAt`; fields left out are kept. No row, no change. */
  updateRecipient(seq: number, subscriberId: string, patch: RecipientPatch, now: number): Promise<void>;
  /** Recipient rows of a notification by subscriber id in byte order, after `after`. */
  listRecipients(seq: number, after: string | undefined, limit: number): Promise<RecipientRecord[]>;
  /** Recipient rows per state; states with none are left out. */
  recipientCounts(seq: number): Promise<Record<string, number>>;
  /**
   * Channel sends of a notification that Herald still has to make (queued, sending or retrying).
   * A recipient counts as sent once one channel reached it, while its other channels may still
   * be on their way, so the notification is not finished before this is zero.
   */
  channelsInFlight(seq: number): Promise<number>;

  /**
   * Creates or updates the row of one channel delivery. An update replaces state, reason (left
   * out: removed), attempts and `updatedAt`; it keeps `address`, `providerId` and `sentAt` when
   * they are left out, and `createdAt` always.
   */
  upsertChannel(record: ChannelDeliveryRecord): Promise<void>;
  /**
   * Channel rows, recipient changes and cap sends of one unit of work in one transaction: a job
   * of fifty sends commits once instead of a hundred and fifty times.
   */
  writeBatch(batch: NotifyWriteBatch, now: number): Promise<void>;
  getChannel(seq: number, subscriberId: string, channel: NotifyChannel): Promise<ChannelDeliveryRecord | undefined>;
  /** Channel rows of a notification for these subscribers, by subscriber id in byte order, then in creation order. */
  channelsOf(seq: number, subscriberIds: readonly string[]): Promise<ChannelDeliveryRecord[]>;
  /** The row a provider's id names, within one channel (an SMS SID is no e-mail Message-ID). */
  channelByProviderId(channel: NotifyChannel, providerId: string): Promise<ChannelDeliveryRecord | undefined>;

  /** One entry per notification that reached a subscriber, for frequency caps. Every call adds one: it is not idempotent. */
  recordSend(subscriberId: string, category: string, at: number): Promise<void>;
  /** The subscriber's sends at or after `since`, oldest first. */
  sendsSince(subscriberId: string, since: number): Promise<{ at: number; category: string }[]>;

  /** Stores an inbox item; an item whose id exists already is ignored (the first one stays). */
  addInboxItem(item: InboxItem): Promise<void>;
  /** The subscriber's items, newest first in the order they were added (not by `createdAt`). */
  listInbox(subscriberId: string, query: InboxQuery): Promise<InboxItem[]>;
  /** The item, if it is this subscriber's. */
  getInboxItem(subscriberId: string, id: string): Promise<InboxItem | undefined>;
  /** Sets the fields in `patch` (null clears one; left out: kept); returns the item, or undefined when it is not the subscriber's. */
  updateInboxItem(subscriberId: string, id: string, patch: { seenAt?: number | null; readAt?: number | null; archivedAt?: number | null }): Promise<InboxItem | undefined>;
  /** Marks every unread, unarchived item read at `now` (and seen, unless it was seen before); returns how many. */
  readAllInbox(subscriberId: string, now: number): Promise<number>;
  /** Items neither read nor archived. */
  unreadCount(subscriberId: string): Promise<number>;

  /**
   * Appends to the subscriber's open digest of the category, which keeps its carrier and flush
   * time, or opens one with `open`. Atomic: events arriving at once open one digest and all land in it.
   */
  addToDigest(subscriberId: string, category: string, event: Record<string, unknown>, open: { carrierSeq: number; flushAt: number }): Promise<{ opened: boolean; digest: DigestRecord }>;
  /** Removes and returns the digest, if `carrierSeq` carries it; otherwise it stays and undefined is returned. */
  takeDigest(subscriberId: string, category: string, carrierSeq: number): Promise<DigestRecord | undefined>;

  /** Records a dead address, replacing an earlier entry for it. Addresses compare exactly: callers lowercase e-mail addresses. */
  suppressAddress(entry: SuppressedAddress): Promise<void>;
  addressSuppressed(address: string): Promise<SuppressedAddress | undefined>;

  /**
   * Deletes notifications created before `before` (strictly) with their recipient and channel rows,
   * and cap sends older than `before`; returns how many notifications went. Subscribers, the
   * inbox and digests are not the ledger's and stay.
   */
  prune(before: number): Promise<number>;
  close(): Promise<void>;
}
