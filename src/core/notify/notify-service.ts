import { HeraldError } from '../../errors/index.js';
import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import {
  NOTIFY_CHANNELS, type ChannelDeliveryRecord, type NotificationRecord, type NotifyChannel, type NotifyPriority, type NotifyStore, type RecipientRecord,
} from '../../ports/notify-store.js';
import type { Queue } from '../../ports/queue.js';
import { randomId } from '../../util/ids.js';
import { assertCategoryAllowed } from '../keys/categories.js';
import type { ChannelDispatch } from './channel-dispatch.js';
import type { NotifyDirectory } from './directory.js';
import type { NotifyEngine } from './notify-engine.js';
import { NOTIFY_ROUTE_PARTITION, notifyKeyPrefix, notifyLane, type NotifyJob } from './notify-jobs.js';
import type { EmailEvent, NotifyAccepted, NotifyActor, NotifyRequest, SmsReport } from './notify-types.js';
import { hasUtcOffset, resolveSendAt } from './preferences/index.js';

export interface NotifyServiceOptions {
  /** The same idempotency key within this window returns the first notification. */
  idempotencyMs: number;
  /** Furthest a notification may be scheduled ahead. */
  maxScheduleMs: number;
}

export interface NotifyServiceDeps {
  store: NotifyStore;
  directory: NotifyDirectory;
  queue: Queue<NotifyJob>;
  engine: NotifyEngine;
  dispatch: ChannelDispatch;
  clock: Clock;
  logger: Logger;
  options: NotifyServiceOptions;
}

export interface NotificationView {
  notification: NotificationRecord;
  counts: Record<string, number>;
  /** Channel sends still to be made; see NotifyStore.channelsInFlight. */
  channelsInFlight: number;
  recipients: (RecipientRecord & { channels: ChannelDeliveryRecord[] })[];
  nextCursor?: string;
}

const MAX_LIST = 1000;
const MAX_DATA_BYTES = 32 * 1024;
const PRIORITIES: readonly NotifyPriority[] = ['critical', 'high', 'normal', 'low'];
const TOPIC = /^[-_A-Za-z0-9]{1,64}$/;

/**
 * The notify API's domain: accepting notifications (validated, idempotent, scheduled), their
 * status per recipient and channel, cancelling, and what providers report back (SMS receipts,
 * bounces). The work itself is the engine's.
 */
export class NotifyService {
  readonly #d: NotifyServiceDeps;

  constructor(deps: NotifyServiceDeps) {
    this.#d = deps;
  }

  /** Re-queues routing a crash interrupted, then starts the engine. */
  async start(): Promise<void> {
    const { store, engine, clock } = this.#d;
    const unrouted = await store.unroutedNotifications();
    await engine.enqueue(unrouted.map((n) => this.#routeJob(n, clock.now())));
    engine.start();
  }

  stop(): Promise<void> {
    return this.#d.engine.stop();
  }

  async notify(request: NotifyRequest, actor: NotifyActor): Promise<NotifyAccepted> {
    const d = this.#d;
    const now = d.clock.now();
    const template = await d.directory.getTemplate(request.template);
    const categoryName = request.category ?? template.category;
    if (categoryName === undefined) invalid(`category is required: the template ${request.template} has none`);
    if (request.category !== undefined && template.category !== undefined && request.category !== template.category) {
      invalid(`category ${request.category} differs from the template's category ${template.category}`);
    }
    assertCategoryAllowed(actor.categories, categoryName);
    const category = await d.store.getCategory(categoryName);
    if (!category) throw new HeraldError('categoryNotFound', { detail: `no category ${categoryName}; PUT /v1/categories/${categoryName} first` });

    const to = checkAudience(request.to);
    const priority = request.priority ?? 'normal';
    if (!PRIORITIES.includes(priority)) invalid(`priority must be one of ${PRIORITIES.join(', ')}`);
    const strategy = request.strategy ?? 'all';
    if (strategy !== 'all' && strategy !== 'fallback') invalid('strategy must be all or fallback');
    let channels: NotifyChannel[] | undefined;
    if (request.channels !== undefined) {
      channels = request.channels;
      if (!Array.isArray(channels) || channels.length === 0) invalid('channels must be a non-empty list');
      for (const c of channels) {
        if (!NOTIFY_CHANNELS.includes(c)) invalid(`channels: ${String(c)} is not one of ${NOTIFY_CHANNELS.join(', ')}`);
        if (!template.channels[c]) invalid(`channels: the template ${request.template} has no ${c} content`);
        if (!d.dispatch.configured(c)) throw new HeraldError('channelNotConfigured', { detail: `the ${c} channel is not configured on this server` });
      }
      if (new Set(channels).size !== channels.length) invalid('channels must not repeat');
    }
    const data = request.data ?? {};
    if (typeof data !== 'object' || data === null || Array.isArray(data)) invalid('data must be an object');
    if (JSON.stringify(data).length > MAX_DATA_BYTES) invalid(`data must be at most ${MAX_DATA_BYTES} bytes of JSON`);
    if (request.idempotency_key !== undefined && (typeof request.idempotency_key !== 'string' || request.idempotency_key.length === 0 || request.idempotency_key.length > 200)) {
      invalid('idempotency_key must be 1-200 characters');
    }
    // Checked here against UTC; each recipient's own zone is applied when it is planned.
    const sendAt = request.send_at;
    const sendAtUtc = sendAt !== undefined ? resolveSendAt(sendAt, 'UTC', now) : undefined;
    if (sendAtUtc !== undefined && sendAtUtc - now > d.options.maxScheduleMs) invalid('send_at is too far in the future (at most 30 days)');
    let expiresAt: number | undefined;
    if (request.expires_at !== undefined) {
      expiresAt = typeof request.expires_at === 'string' && hasUtcOffset(request.expires_at) ? Date.parse(request.expires_at) : NaN;
      if (!Number.isFinite(expiresAt)) invalid('expires_at must be an ISO 8601 instant with an offset, e.g. 2026-12-01T10:00:00Z');
      if (expiresAt! <= now) invalid('expires_at must be in the future');
    }

    const { record, created } = await d.store.createNotification({
      id: `ntf_${randomId(16)}`,
      template: request.template,
      category: categoryName,
      priority,
      strategy,
      ...(channels ? { channels } : {}),
      data,
      to,
      ...(sendAt !== undefined ? { sendAt } : {}),
      ...(expiresAt !== undefined ? { expiresAt } : {}),
      ...(request.idempotency_key !== undefined ? { idempotencyKey: request.idempotency_key } : {}),
      actor: actor.id,
      createdAt: now,
    }, now - d.options.idempotencyMs);
    if (created || record.phase === 'routing') await d.engine.enqueue([this.#routeJob(record, now)]);
    const scheduled = sendAt !== undefined && hasUtcOffset(sendAt) && sendAtUtc! > now;
    return {
      id: record.id,
      created,
      state: record.phase === 'cancelled' ? 'cancelled' : scheduled ? 'scheduled' : 'accepted',
      recipients: 'subscribers' in to ? new Set(to.subscribers).size : record.recipients,
    };
  }

  /** `categories`: the caller's key is limited to these; other notifications are not found for it. */
  async view(id: string, page: { cursor?: string; limit: number }, categories?: readonly string[]): Promise<NotificationView> {
    const d = this.#d;
    const n = await this.#find(id, categories);
    const [counts, channelsInFlight, recipients] = await Promise.all([
      d.store.recipientCounts(n.seq),
      d.store.channelsInFlight(n.seq),
      d.store.listRecipients(n.seq, page.cursor, page.limit + 1),
    ]);
    const shown = recipients.slice(0, page.limit);
    const channels = await d.store.channelsOf(n.seq, shown.map((r) => r.subscriberId));
    const bySubscriber = new Map<string, ChannelDeliveryRecord[]>();
    for (const c of channels) {
      let list = bySubscriber.get(c.subscriberId);
      if (!list) bySubscriber.set(c.subscriberId, (list = []));
      list.push(c);
    }
    const view: NotificationView = { notification: n, counts, channelsInFlight, recipients: shown.map((r) => ({ ...r, channels: bySubscriber.get(r.subscriberId) ?? [] })) };
    if (recipients.length > page.limit) view.nextCursor = shown[shown.length - 1]!.subscriberId;
    return view;
  }

  /**
   * A page of notifications, newest first, each with its counts by recipient state (no recipient
   * rows: `view` has those). `cursor` is the id of the last one of the page before; the categories
   * of a key restricted to some are the only ones listed.
   */
  async list(page: { cursor?: string; limit: number }, categories?: readonly string[]): Promise<{ items: Omit<NotificationView, 'recipients'>[]; nextCursor?: string }> {
    const d = this.#d;
    let before: number | undefined;
    if (page.cursor !== undefined) {
      const last = await d.store.getNotification(page.cursor);
      if (!last) throw new HeraldError('badRequest', { detail: 'cursor names no notification; start again without it' });
      before = last.seq;
    }
    const rows = await d.store.listNotifications({ limit: page.limit + 1, ...(before !== undefined ? { before } : {}), ...(categories ? { categories } : {}) });
    const shown = rows.slice(0, page.limit);
    const items = await Promise.all(shown.map(async (notification) => {
      const [counts, channelsInFlight] = await Promise.all([d.store.recipientCounts(notification.seq), d.store.channelsInFlight(notification.seq)]);
      return { notification, counts, channelsInFlight };
    }));
    return rows.length > page.limit ? { items, nextCursor: shown[shown.length - 1]!.id } : { items };
  }

  /** Stops what has not gone out: routing, scheduled and deferred recipients, queued channel sends. */
  async cancel(id: string, categories?: readonly string[]): Promise<{ cancelled: number }> {
    const d = this.#d;
    const n = await this.#find(id, categories);
    if (n.phase === 'cancelled') return { cancelled: 0 };
    await d.store.setPhase(n.seq, 'cancelled');
    // Every node drops its copy of the notification, so none sends from the one it had.
    await d.engine.forget(n.seq);
    const removed = await d.queue.cancel({ dedupKeyPrefix: notifyKeyPrefix(n.seq) });
    // Rows that no job will ever work again end as cancelled, so the status tells the truth.
    const now = d.clock.now();
    let cursor: string | undefined;
    let cancelled = 0;
    for (;;) {
      const page = await d.store.listRecipients(n.seq, cursor, 500);
      if (page.length === 0) break;
      const rows = await d.store.channelsOf(n.seq, page.map((r) => r.subscriberId));
      for (const c of rows) {
        if (c.state === 'queued' || c.state === 'retrying' || c.state === 'awaiting') {
          await d.store.upsertChannel({ ...c, state: 'cancelled', reason: 'the notification was cancelled', updatedAt: now });
        }
      }
      for (const r of page) {
        if (['pending', 'scheduled', 'deferred', 'sending'].includes(r.state) && !rows.some((c) => c.subscriberId === r.subscriberId && (c.state === 'sent' || c.state === 'delivered'))) {
          await d.store.updateRecipient(n.seq, r.subscriberId, { state: 'cancelled', reason: 'the notification was cancelled', plan: [] }, now);
          cancelled++;
        }
      }
      cursor = page[page.length - 1]!.subscriberId;
    }
    d.logger.info({ notification: n.id, jobs: removed, recipients: cancelled }, 'notification cancelled');
    return { cancelled };
  }

  /** A Twilio status callback; true when it matched a delivery. */
  async smsStatus(report: SmsReport): Promise<boolean> {
    const d = this.#d;
    const row = await d.store.channelByProviderId('sms', report.sid);
    if (!row) return false;
    if (report.addressDead && row.address) {
      await d.store.suppressAddress({ address: row.address, kind: 'invalid', reason: `sms ${report.status}${report.errorCode ? ` (error ${report.errorCode})` : ''}`, at: d.clock.now() });
    }
    if (report.status === 'delivered' || report.status === 'read') await d.engine.receipt(row, { delivered: true });
    // 'canceled' is Twilio's own spelling of a message status on the wire; Herald's states say 'cancelled'.
    else if (report.status === 'failed' || report.status === 'undelivered' || report.status === 'canceled') {
      await d.engine.receipt(row, { delivered: false, reason: `sms ${report.status}${report.errorCode ? ` (error ${report.errorCode})` : ''}` });
    }
    return true;
  }

  /** A bounce or complaint: marks the address (hard bounces, complaints) and the delivery it is about. */
  async emailEvent(event: EmailEvent): Promise<boolean> {
    const d = this.#d;
    const now = d.clock.now();
    const address = event.address.trim().toLowerCase();
    if (event.kind === 'complaint' || event.permanent) {
      await d.store.suppressAddress({ address, kind: event.kind, reason: event.reason || (event.kind === 'complaint' ? 'the recipient reported the mail as spam' : 'hard bounce'), at: now });
    }
    if (!event.messageId) return false;
    const messageId = event.messageId.startsWith('<') ? event.messageId : `<${event.messageId}>`;
    const row = await d.store.channelByProviderId('email', messageId);
    if (!row) return false;
    if (event.kind === 'bounce' && event.permanent) await d.engine.receipt(row, { delivered: false, reason: `bounced: ${event.reason || 'hard bounce'}` });
    else await d.store.upsertChannel({ ...row, reason: `${event.kind === 'complaint' ? 'complaint' : 'soft bounce'}: ${event.reason}`, updatedAt: now });
    return true;
  }

  #routeJob(n: NotificationRecord, now: number) {
    // A send_at with an offset is one instant for everyone: route then. Local times are per recipient.
    const instant = n.sendAt !== undefined && hasUtcOffset(n.sendAt) ? resolveSendAt(n.sendAt, 'UTC', now) : now;
    return {
      partition: NOTIFY_ROUTE_PARTITION, lane: notifyLane(n.priority, 'topic' in n.to), runAt: Math.max(now, instant),
      dedupKey: `${notifyKeyPrefix(n.seq)}route`, payload: { kind: 'route' as const, seq: n.seq },
    };
  }

  /** Outside the caller's categories a notification is answered as not found, so its existence does not leak. */
  async #find(id: string, categories?: readonly string[]): Promise<NotificationRecord> {
    const n = await this.#d.store.getNotification(id);
    if (!n || (categories && !categories.includes(n.category))) throw new HeraldError('notificationNotFound');
    return n;
  }
}

function checkAudience(to: NotifyRequest['to']): NotificationRecord['to'] {
  if (typeof to !== 'object' || to === null) invalid('to must be {"subscribers": [...]} or {"topic": "..."}');
  const hasList = 'subscribers' in to;
  const hasTopic = 'topic' in to;
  if (hasList === hasTopic) invalid('to must have exactly one of subscribers or topic');
  if (hasList) {
    const list = (to as { subscribers: unknown }).subscribers;
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_LIST) invalid(`to.subscribers must list 1-${MAX_LIST} subscriber ids`);
    for (const [i, id] of list.entries()) {
      if (typeof id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$/.test(id)) invalid(`to.subscribers[${i}] is not a subscriber id`);
    }
    return { subscribers: [...new Set(list as string[])] };
  }
  const topic = (to as { topic: unknown }).topic;
  if (typeof topic !== 'string' || !TOPIC.test(topic)) invalid('to.topic must be a topic name (1-64 letters, digits, - or _)');
  return { topic };
}

function invalid(detail: string): never {
  throw new HeraldError('notifyInvalid', { detail });
}
