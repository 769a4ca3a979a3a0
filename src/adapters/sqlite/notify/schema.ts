import type {
  CategoryRecord, ChannelDeliveryRecord, DigestRecord, InboxItem, NotificationRecord, NotifyChannel, RecipientRecord, SubscriberRecord,
  SuppressedAddress, TemplateRecord,
} from '../../../ports/notify-store.js';

/**
 * A row as better-sqlite3 returns it. The notify tables are read as plain records and turned into
 * the port's types here, one function per table; JSON columns are TEXT, absent values NULL.
 */
export type Row = Record<string, unknown>;

const opt = <T>(v: unknown): T | undefined => (v === null || v === undefined ? undefined : (v as T));

export function subscriberOf(r: Row): SubscriberRecord {
  const s: SubscriberRecord = { id: r.id as string, data: JSON.parse(r.data as string) as Record<string, unknown>, createdAt: r.created_at as number, updatedAt: r.updated_at as number };
  for (const [key, col] of [['email', 'email'], ['phone', 'phone'], ['name', 'name'], ['locale', 'locale'], ['timezone', 'timezone'], ['webhookUrl', 'webhook_url']] as const) {
    const v = opt<string>(r[col]);
    if (v !== undefined) s[key] = v;
  }
  if (r.preferences !== null) s.preferences = JSON.parse(r.preferences as string);
  return s;
}

export function categoryOf(r: Row): CategoryRecord {
  const c: CategoryRecord = {
    name: r.name as string, description: r.description as string, channels: JSON.parse(r.channels as string) as NotifyChannel[],
    critical: r.critical === 1, createdAt: r.created_at as number, updatedAt: r.updated_at as number,
  };
  if (r.digest_window_ms !== null) c.digestWindowMs = r.digest_window_ms as number;
  return c;
}

export function templateOf(r: Row): TemplateRecord {
  return { name: r.name as string, definition: JSON.parse(r.definition as string), createdAt: r.created_at as number, updatedAt: r.updated_at as number };
}

export function notificationOf(r: Row): NotificationRecord {
  const n: NotificationRecord = {
    seq: r.seq as number, id: r.id as string, template: r.template as string, category: r.category as string,
    priority: r.priority as NotificationRecord['priority'], strategy: r.strategy as NotificationRecord['strategy'],
    data: JSON.parse(r.data as string) as Record<string, unknown>, to: JSON.parse(r.audience as string) as NotificationRecord['to'],
    actor: r.actor as string, createdAt: r.created_at as number, phase: r.phase as NotificationRecord['phase'], recipients: r.recipients as number,
  };
  if (r.channels !== null) n.channels = JSON.parse(r.channels as string) as NotifyChannel[];
  if (r.send_at !== null) n.sendAt = r.send_at as string;
  if (r.expires_at !== null) n.expiresAt = r.expires_at as number;
  if (r.idempotency_key !== null) n.idempotencyKey = r.idempotency_key as string;
  if (r.route_cursor !== null) n.routeCursor = r.route_cursor as string;
  return n;
}

export function recipientOf(r: Row): RecipientRecord {
  const out: RecipientRecord = {
    notificationSeq: r.notification_seq as number, subscriberId: r.subscriber_id as string, state: r.state as RecipientRecord['state'],
    plan: JSON.parse(r.plan as string) as NotifyChannel[], createdAt: r.created_at as number, updatedAt: r.updated_at as number,
  };
  if (r.reason !== null) out.reason = r.reason as string;
  return out;
}

export function channelOf(r: Row): ChannelDeliveryRecord {
  const c: ChannelDeliveryRecord = {
    notificationSeq: r.notification_seq as number, subscriberId: r.subscriber_id as string, channel: r.channel as NotifyChannel,
    state: r.state as ChannelDeliveryRecord['state'], attempts: r.attempts as number, createdAt: r.created_at as number, updatedAt: r.updated_at as number,
  };
  if (r.reason !== null) c.reason = r.reason as string;
  if (r.address !== null) c.address = r.address as string;
  if (r.provider_id !== null) c.providerId = r.provider_id as string;
  if (r.sent_at !== null) c.sentAt = r.sent_at as number;
  return c;
}

export function inboxOf(r: Row): InboxItem {
  const item: InboxItem = { id: r.id as string, subscriberId: r.subscriber_id as string, body: r.body as string, data: JSON.parse(r.data as string) as Record<string, unknown>, createdAt: r.created_at as number };
  if (r.notification_id !== null) item.notificationId = r.notification_id as string;
  if (r.category !== null) item.category = r.category as string;
  if (r.title !== null) item.title = r.title as string;
  if (r.url !== null) item.url = r.url as string;
  if (r.seen_at !== null) item.seenAt = r.seen_at as number;
  if (r.read_at !== null) item.readAt = r.read_at as number;
  if (r.archived_at !== null) item.archivedAt = r.archived_at as number;
  return item;
}

export function digestOf(r: Row): DigestRecord {
  return { subscriberId: r.subscriber_id as string, category: r.category as string, carrierSeq: r.carrier_seq as number, flushAt: r.flush_at as number, events: JSON.parse(r.events as string) as Record<string, unknown>[] };
}

export function suppressionOf(r: Row): SuppressedAddress {
  return { address: r.address as string, kind: r.kind as SuppressedAddress['kind'], reason: r.reason as string, at: r.at as number };
}
