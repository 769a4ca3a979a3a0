import { createHash } from 'node:crypto';
import type { DeviceRecord } from '../../ports/device-store.js';
import type { ChannelDeliveryRecord, NotificationRecord } from '../../ports/notify-store.js';
import type { DeliveryResult, PushRecord } from '../../ports/push-store.js';
import type { NotifyEvents } from '../notify/notify-events.js';
import type { InvalidatedDevice, PushEvents } from '../push/push-events.js';
import { deliveryId } from '../push/targets.js';
import type { EventPublisher } from './event-publisher.js';
import { DEVICE_INVALIDATED, notifyChannelEvent, pushDeliveryEvent } from './event-types.js';

type Emitted = { type: string; data: Record<string, unknown>; id?: string };

/**
 * The push pipeline's events with the event webhooks added: outcomes become `push.delivery.*`
 * messages and invalidated devices `device.invalidated`. Each check is against the in-memory
 * subscription set, so with no endpoint listening the deliverer pays one Set lookup per state.
 *
 * `push.delivery.*` messages are queued before the results are recorded, and the attempt waits
 * for them (a failure to queue fails it, and the job is repeated): once an outcome is in the
 * ledger, its message is durable too. A crash between the two repeats the attempt, whose messages
 * carry deterministic ids (kept once while they wait; a repeat after one went out has the same
 * `webhook-id`). `device.invalidated` follows the device store's own decision, made after the
 * ledger write, so it is emitted then; the `push.delivery.invalid_token` message before it
 * already tells of the dead token.
 */
export function pushEventsWithWebhooks(base: PushEvents, publisher: EventPublisher): PushEvents {
  return {
    recorded: (summary) => base.recorded(summary),
    async recording(push, results, now) {
      await base.recording?.(push, results, now);
      if (!publisher.listening) return;
      const events: Emitted[] = [];
      for (const r of results) {
        const type = pushDeliveryEvent(r.state);
        if (type && publisher.wants(type)) events.push({ type, data: deliveryData(push, r, now), id: deliveryEventId(r) });
      }
      if (events.length > 0) await publisher.queue(events);
    },
    async outcomes(push, results, invalidated, now) {
      await base.outcomes?.(push, results, invalidated, now);
      if (invalidated.length === 0 || !publisher.wants(DEVICE_INVALIDATED)) return;
      await publisher.emit(invalidated.map((i) => ({ type: DEVICE_INVALIDATED, data: invalidatedData(push, results, i) })));
    },
  };
}

/** The same id for the same outcome of the same delivery attempt, however often its job repeats. */
function deliveryEventId(r: DeliveryResult): string {
  const key = `${r.pushSeq}\0${r.target}\0${r.state}\0${r.attempts ?? ''}`;
  return `msg_${createHash('sha256').update(key).digest('base64url').slice(0, 24)}`;
}

/** For PushService's `statusReported`: the app said a push reached a device, or was opened. */
export function statusReportEvents(publisher: EventPublisher) {
  return async (push: PushRecord, deviceId: string, status: 'delivered' | 'interacted', now: number): Promise<void> => {
    const type = pushDeliveryEvent(status)!;
    if (!publisher.wants(type)) return;
    await publisher.emit([{ type, data: { push_id: push.id, delivery_id: deliveryId(push.seq, deviceId), device_id: deviceId, state: status, at: new Date(now).toISOString() } }]);
  };
}

/** `device.invalidated`'s reason for a browser subscription removed because it was not renewed (web-push-expiry-duration). */
export const SUBSCRIPTION_EXPIRED = 'subscription_expired';

/** For WebPushExpiry's `expiring`: a browser subscription not renewed in time is removed. */
export function expiryEvents(publisher: EventPublisher) {
  return async (device: DeviceRecord): Promise<void> => {
    if (!publisher.wants(DEVICE_INVALIDATED)) return;
    await publisher.emit([{
      type: DEVICE_INVALIDATED,
      data: { device_id: device.id, reason: SUBSCRIPTION_EXPIRED, provider: device.provider, app: device.app, last_seen_at: new Date(device.lastSeenAt).toISOString() },
    }]);
  };
}

/**
 * The notify engine's events with `notify.channel.<state>` messages added. They are queued before
 * the rows are written, and the write waits for them (a failure to queue fails the write, and the
 * engine's job is retried): once a state is stored, its message is too, whatever dies after. A
 * crash between the two repeats the job, which queues the same message again under the same
 * deterministic id (kept once while it waits; a repeat after it went out carries the same
 * `webhook-id`). The notification's public id is read only for rows someone listens to.
 */
export function notifyEventsWithWebhooks(base: NotifyEvents, publisher: EventPublisher, notification: (seq: number) => Promise<NotificationRecord | undefined>): NotifyEvents {
  return {
    channel: (channel, state) => base.channel(channel, state),
    ...(base.row ? { row: base.row.bind(base) } : {}),
    async writing(rows) {
      await base.writing?.(rows);
      if (!publisher.listening) return;
      const events: Emitted[] = [];
      const notifications = new Map<number, Promise<NotificationRecord | undefined>>();
      for (const row of rows) {
        const type = notifyChannelEvent(row.state);
        if (!type || !publisher.wants(type)) continue;
        let n = notifications.get(row.notificationSeq);
        if (!n) notifications.set(row.notificationSeq, (n = notification(row.notificationSeq)));
        events.push({ type, data: channelData(row, await n), id: channelEventId(row) });
      }
      if (events.length > 0) await publisher.queue(events);
    },
  };
}

/** The same id for the same state of the same row, however often a repeated job reports it. */
function channelEventId(row: ChannelDeliveryRecord): string {
  const key = `${row.notificationSeq}\0${row.subscriberId}\0${row.channel}\0${row.state}\0${row.attempts}`;
  return `msg_${createHash('sha256').update(key).digest('base64url').slice(0, 24)}`;
}

function deliveryData(push: PushRecord, r: DeliveryResult, now: number): Record<string, unknown> {
  return {
    push_id: push.id,
    delivery_id: deliveryId(push.seq, r.target),
    ...(r.target.startsWith('dev_') ? { device_id: r.target } : {}),
    provider: r.provider,
    app: r.app,
    state: r.state,
    ...(r.status !== undefined ? { status: r.status } : {}),
    ...(r.error !== undefined ? { error: r.error } : {}),
    ...(r.providerId !== undefined ? { provider_id: r.providerId } : {}),
    ...(push.category ? { category: push.category } : {}),
    at: new Date(now).toISOString(),
  };
}

function invalidatedData(push: PushRecord, results: readonly DeliveryResult[], i: InvalidatedDevice): Record<string, unknown> {
  const r = results.find((x) => x.target === i.deviceId);
  return {
    device_id: i.deviceId,
    reason: i.reason,
    ...(r ? { provider: r.provider, app: r.app } : {}),
    push_id: push.id,
    delivery_id: deliveryId(push.seq, i.deviceId),
  };
}

function channelData(row: ChannelDeliveryRecord, n: NotificationRecord | undefined): Record<string, unknown> {
  return {
    ...(n ? { notification_id: n.id, template: n.template, category: n.category } : {}),
    subscriber_id: row.subscriberId,
    channel: row.channel,
    state: row.state,
    ...(row.reason !== undefined ? { reason: row.reason } : {}),
    ...(row.providerId !== undefined ? { provider_id: row.providerId } : {}),
    attempts: row.attempts,
    at: new Date(row.updatedAt).toISOString(),
  };
}
