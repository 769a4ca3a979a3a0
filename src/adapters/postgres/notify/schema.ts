import type { ColumnType, Selectable } from 'kysely';
import type {
  CategoryRecord, ChannelDeliveryRecord, DigestRecord, InboxItem, NotificationRecord, NotifyChannel, RecipientRecord, SubscriberRecord,
  SuppressedAddress, TemplateRecord,
} from '../../../ports/notify-store.js';

/**
 * The notify tables as node-postgres returns them (through Kysely or directly): bigint columns
 * arrive as strings and become numbers here (unix ms and seqs stay far below 2^53), JSON documents
 * are text, absent values NULL. One mapper per table turns a row into the port's record.
 */

/** A bigint column: read as a string, written as a number. */
type BigintColumn = ColumnType<string, number, number>;
type NullableBigint = ColumnType<string | null, number | null, number | null>;

export interface SubscriberRow {
  id: string;
  email: string | null;
  phone: string | null;
  name: string | null;
  locale: string | null;
  timezone: string | null;
  webhook_url: string | null;
  data: string;
  preferences: string | null;
  created_at: BigintColumn;
  updated_at: BigintColumn;
}

export interface CategoryRow {
  name: string;
  description: string;
  channels: string;
  critical: boolean;
  digest_window_ms: NullableBigint;
  created_at: BigintColumn;
  updated_at: BigintColumn;
}

export interface TemplateRow {
  name: string;
  definition: string;
  created_at: BigintColumn;
  updated_at: BigintColumn;
}

export interface NotificationRow {
  seq: string;
  id: string;
  template: string;
  category: string;
  priority: string;
  strategy: string;
  channels: string | null;
  data: string;
  audience: string;
  send_at: string | null;
  expires_at: string | null;
  idempotency_key: string | null;
  actor: string;
  created_at: string;
  phase: string;
  route_cursor: string | null;
  recipients: number;
}

export interface RecipientRow {
  notification_seq: string;
  subscriber_id: string;
  state: string;
  reason: string | null;
  plan: string;
  created_at: string;
  updated_at: string;
}

export interface ChannelRow {
  notification_seq: string;
  subscriber_id: string;
  channel: string;
  state: string;
  reason: string | null;
  address: string | null;
  provider_id: string | null;
  attempts: number;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
}

export interface InboxRow {
  seq: string;
  id: string;
  subscriber_id: string;
  notification_id: string | null;
  category: string | null;
  title: string | null;
  body: string;
  url: string | null;
  data: string;
  created_at: string;
  seen_at: string | null;
  read_at: string | null;
  archived_at: string | null;
}

export interface DigestRow {
  subscriber_id: string;
  category: string;
  carrier_seq: string;
  flush_at: string;
  /** One JSON text per event, oldest first. */
  events: string[];
}

export interface SuppressionRow {
  address: string;
  kind: string;
  reason: string;
  at: BigintColumn;
}

/**
 * The tables the directory's Kysely queries touch (subscribers, categories, templates,
 * suppressions, and the ledger tables erasure deletes from), for typed queries. Ledger rows are
 * only deleted and selected whole through Kysely, so they are typed as read.
 */
export type NotifyTables = {
  subscribers: SubscriberRow;
  categories: CategoryRow;
  templates: TemplateRow;
  suppressed_addresses: SuppressionRow;
  notifications: NotificationRow;
  notify_recipients: RecipientRow;
  notify_channels: ChannelRow;
  notify_sends: { subscriber_id: string; at: string; category: string };
  inbox: InboxRow;
  digests: DigestRow;
};

/**
 * Times are bigint columns; the port's times are integral unix ms. A fractional or out-of-range
 * time is brought into the column's range here instead of failing the statement.
 */
export function time(ms: number): number {
  return Math.min(Number.MAX_SAFE_INTEGER, Math.max(Number.MIN_SAFE_INTEGER, Math.trunc(ms)));
}

export function optionalTime(ms: number | undefined): number | null {
  return ms === undefined ? null : time(ms);
}

export function subscriberOf(r: Selectable<SubscriberRow>): SubscriberRecord {
  const s: SubscriberRecord = { id: r.id, data: JSON.parse(r.data) as Record<string, unknown>, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) };
  for (const [key, col] of [['email', 'email'], ['phone', 'phone'], ['name', 'name'], ['locale', 'locale'], ['timezone', 'timezone'], ['webhookUrl', 'webhook_url']] as const) {
    const v = r[col];
    if (v !== null) s[key] = v;
  }
  if (r.preferences !== null) s.preferences = JSON.parse(r.preferences);
  return s;
}

export function categoryOf(r: Selectable<CategoryRow>): CategoryRecord {
  const c: CategoryRecord = {
    name: r.name, description: r.description, channels: JSON.parse(r.channels) as NotifyChannel[],
    critical: r.critical, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
  };
  if (r.digest_window_ms !== null) c.digestWindowMs = Number(r.digest_window_ms);
  return c;
}

export function templateOf(r: Selectable<TemplateRow>): TemplateRecord {
  return { name: r.name, definition: JSON.parse(r.definition), createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) };
}

export function notificationOf(r: NotificationRow): NotificationRecord {
  const n: NotificationRecord = {
    seq: Number(r.seq), id: r.id, template: r.template, category: r.category,
    priority: r.priority as NotificationRecord['priority'], strategy: r.strategy as NotificationRecord['strategy'],
    data: JSON.parse(r.data) as Record<string, unknown>, to: JSON.parse(r.audience) as NotificationRecord['to'],
    actor: r.actor, createdAt: Number(r.created_at), phase: r.phase as NotificationRecord['phase'], recipients: r.recipients,
  };
  if (r.channels !== null) n.channels = JSON.parse(r.channels) as NotifyChannel[];
  if (r.send_at !== null) n.sendAt = r.send_at;
  if (r.expires_at !== null) n.expiresAt = Number(r.expires_at);
  if (r.idempotency_key !== null) n.idempotencyKey = r.idempotency_key;
  if (r.route_cursor !== null) n.routeCursor = r.route_cursor;
  return n;
}

export function recipientOf(r: RecipientRow): RecipientRecord {
  const out: RecipientRecord = {
    notificationSeq: Number(r.notification_seq), subscriberId: r.subscriber_id, state: r.state as RecipientRecord['state'],
    plan: JSON.parse(r.plan) as NotifyChannel[], createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
  };
  if (r.reason !== null) out.reason = r.reason;
  return out;
}

export function channelOf(r: ChannelRow): ChannelDeliveryRecord {
  const c: ChannelDeliveryRecord = {
    notificationSeq: Number(r.notification_seq), subscriberId: r.subscriber_id, channel: r.channel as NotifyChannel,
    state: r.state as ChannelDeliveryRecord['state'], attempts: r.attempts, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
  };
  if (r.reason !== null) c.reason = r.reason;
  if (r.address !== null) c.address = r.address;
  if (r.provider_id !== null) c.providerId = r.provider_id;
  if (r.sent_at !== null) c.sentAt = Number(r.sent_at);
  return c;
}

export function inboxOf(r: InboxRow): InboxItem {
  const item: InboxItem = { id: r.id, subscriberId: r.subscriber_id, body: r.body, data: JSON.parse(r.data) as Record<string, unknown>, createdAt: Number(r.created_at) };
  if (r.notification_id !== null) item.notificationId = r.notification_id;
  if (r.category !== null) item.category = r.category;
  if (r.title !== null) item.title = r.title;
  if (r.url !== null) item.url = r.url;
  if (r.seen_at !== null) item.seenAt = Number(r.seen_at);
  if (r.read_at !== null) item.readAt = Number(r.read_at);
  if (r.archived_at !== null) item.archivedAt = Number(r.archived_at);
  return item;
}

export function digestOf(r: DigestRow): DigestRecord {
  return {
    subscriberId: r.subscriber_id, category: r.category, carrierSeq: Number(r.carrier_seq), flushAt: Number(r.flush_at),
    events: r.events.map((e) => JSON.parse(e) as Record<string, unknown>),
  };
}

export function suppressionOf(r: Selectable<SuppressionRow>): SuppressedAddress {
  return { address: r.address, kind: r.kind as SuppressedAddress['kind'], reason: r.reason, at: Number(r.at) };
}
