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
  /** 'routing' until every recipient has a row, then 'routed'; 'canceled' stops what has not gone out. */
  phase: 'routing' | 'routed' | 'canceled';
  /** Last subscriber id routed, for resuming a topic audience after a restart. */
  routeCursor?: string;
  recipients: number;
}

export type RecipientState = 'pending' | 'scheduled' | 'deferred' | 'sending' | 'sent' | 'suppressed' | 'failed' | 'digested' | 'expired' | 'canceled';

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

export type ChannelState = 'queued' | 'sending' | 'awaiting' | 'sent' | 'delivered' | 'retrying' | 'failed' | 'suppressed' | 'deferred' | 'unavailable' | 'timeout' | 'expired' | 'canceled';

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
  unread?: boolean;
  archived?: boolean;
  /** Items created before the item with this id (newest first paging). */
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

export interface NotifyStore {
  putSubscriber(record: SubscriberRecord): Promise<{ created: boolean }>;
  getSubscriber(id: string): Promise<SubscriberRecord | undefined>;
  getSubscribers(ids: readonly string[]): Promise<Map<string, SubscriberRecord>>;
  setPreferences(id: string, preferences: unknown, now: number): Promise<boolean>;
  /** Erases the subscriber and every row that names it or holds its addresses. True when it existed. */
  eraseSubscriber(id: string): Promise<boolean>;
  /** Every row held about the subscriber, for GDPR export. */
  exportSubscriber(id: string): Promise<{ channels: ChannelDeliveryRecord[]; recipients: RecipientRecord[]; inbox: InboxItem[]; suppressions: SuppressedAddress[] }>;

  putCategory(record: CategoryRecord): Promise<void>;
  getCategory(name: string): Promise<CategoryRecord | undefined>;
  listCategories(): Promise<CategoryRecord[]>;
  deleteCategory(name: string): Promise<boolean>;

  putTemplate(record: TemplateRecord): Promise<void>;
  getTemplate(name: string): Promise<TemplateRecord | undefined>;
  listTemplates(): Promise<TemplateRecord[]>;
  deleteTemplate(name: string): Promise<boolean>;

  /** Inserts a notification; with an idempotency key seen for the same actor since `since`, returns that one instead. */
  createNotification(n: Omit<NotificationRecord, 'seq' | 'phase' | 'recipients' | 'routeCursor'>, idempotentSince: number): Promise<{ record: NotificationRecord; created: boolean }>;
  getNotification(id: string): Promise<NotificationRecord | undefined>;
  getNotificationBySeq(seq: number): Promise<NotificationRecord | undefined>;
  /** Notifications still routing (after a restart). */
  unroutedNotifications(): Promise<NotificationRecord[]>;
  /** Adds recipient rows (existing ones are kept) and moves the route cursor. */
  addRecipients(seq: number, recipients: readonly RecipientRecord[], cursor: string | undefined, done: boolean): Promise<number>;
  setPhase(seq: number, phase: NotificationRecord['phase']): Promise<void>;
  getRecipient(seq: number, subscriberId: string): Promise<RecipientRecord | undefined>;
  updateRecipient(seq: number, subscriberId: string, patch: RecipientPatch, now: number): Promise<void>;
  listRecipients(seq: number, after: string | undefined, limit: number): Promise<RecipientRecord[]>;
  recipientCounts(seq: number): Promise<Record<string, number>>;

  /** Creates or updates the row of one channel delivery. */
  upsertChannel(record: ChannelDeliveryRecord): Promise<void>;
  /**
   * Channel rows, recipient changes and cap sends of one unit of work in one transaction: a job
   * of fifty sends commits once instead of a hundred and fifty times.
   */
  writeBatch(batch: NotifyWriteBatch, now: number): Promise<void>;
  getChannel(seq: number, subscriberId: string, channel: NotifyChannel): Promise<ChannelDeliveryRecord | undefined>;
  channelsOf(seq: number, subscriberIds: readonly string[]): Promise<ChannelDeliveryRecord[]>;
  channelByProviderId(channel: NotifyChannel, providerId: string): Promise<ChannelDeliveryRecord | undefined>;

  /** One entry per notification that reached a subscriber, for frequency caps. */
  recordSend(subscriberId: string, category: string, at: number): Promise<void>;
  sendsSince(subscriberId: string, since: number): Promise<{ at: number; category: string }[]>;

  addInboxItem(item: InboxItem): Promise<void>;
  listInbox(subscriberId: string, query: InboxQuery): Promise<InboxItem[]>;
  getInboxItem(subscriberId: string, id: string): Promise<InboxItem | undefined>;
  updateInboxItem(subscriberId: string, id: string, patch: { seenAt?: number | null; readAt?: number | null; archivedAt?: number | null }): Promise<InboxItem | undefined>;
  readAllInbox(subscriberId: string, now: number): Promise<number>;
  unreadCount(subscriberId: string): Promise<number>;

  /** Appends to the subscriber's open digest of the category, or opens one with `carrierSeq`. */
  addToDigest(subscriberId: string, category: string, event: Record<string, unknown>, open: { carrierSeq: number; flushAt: number }): Promise<{ opened: boolean; digest: DigestRecord }>;
  /** Removes and returns the digest carried by `carrierSeq`. */
  takeDigest(subscriberId: string, category: string, carrierSeq: number): Promise<DigestRecord | undefined>;

  suppressAddress(entry: SuppressedAddress): Promise<void>;
  addressSuppressed(address: string): Promise<SuppressedAddress | undefined>;

  /** Deletes ledger rows of notifications created before `before`. */
  prune(before: number): Promise<number>;
  close(): Promise<void>;
}
