import type { DeliveryEventRow } from '../../ports/delivery-event-sink.js';
import type { DeviceRecord } from '../../ports/device-store.js';
import type { Logger } from '../../ports/logger.js';
import type { ChannelDeliveryRecord, NotificationRecord } from '../../ports/notify-store.js';
import type { DeliveryResult, PushRecord } from '../../ports/push-store.js';
import type { NotifyEvents } from '../notify/notify-events.js';
import type { PushEvents } from '../push/push-events.js';
import { deliveryId } from '../push/targets.js';

/** Where rows go: the exporter's `add`, or a delivery thread's message to the main thread. */
export type ExportRows = (rows: DeliveryEventRow[]) => void;

/** A push delivery's recorded outcomes, one row each. */
export function pushOutcomeRows(push: PushRecord, results: readonly DeliveryResult[], now: number): DeliveryEventRow[] {
  return results.map((r) => ({
    at: now,
    kind: 'push',
    messageId: push.id,
    deliveryId: deliveryId(push.seq, r.target),
    deviceId: r.target.startsWith('dev_') ? r.target : null,
    subscriberId: null,
    provider: r.provider,
    channel: null,
    app: r.app,
    // The delivery knows its device, not the device's platform: a lookup per delivery would double
    // a broadcast's database reads, so send outcomes leave it empty (status reports fill it).
    platform: null,
    category: push.category,
    state: r.state,
    error: r.error ?? null,
    status: r.status ?? null,
    latencyMs: r.latencyMs ?? null,
    attempt: r.attempts ?? null,
  }));
}

/**
 * The push pipeline's events with the analytics export added. Rows are handed over before the
 * base listener runs and without waiting: the export never delays the job's ack.
 */
export function pushEventsWithExport(base: PushEvents, add: ExportRows): PushEvents {
  return {
    recorded: (summary) => base.recorded(summary),
    async outcomes(push, results, invalidated, now) {
      add(pushOutcomeRows(push, results, now));
      await base.outcomes?.(push, results, invalidated, now);
    },
  };
}

export type StatusReported = (push: PushRecord, deviceId: string, status: 'delivered' | 'interacted', now: number) => Promise<void>;

/**
 * PushService's `statusReported` with a row per report added. A report is one request, so its
 * device is looked up (in the background) for the provider, app and platform of the row.
 */
export function statusReportsWithExport(base: StatusReported | undefined, add: ExportRows, device: (id: string) => Promise<DeviceRecord | undefined>, logger: Logger): StatusReported {
  return async (push, deviceId, status, now) => {
    void device(deviceId)
      .catch((err: unknown) => {
        logger.debug({ err }, 'analytics export: could not read the device of a status report');
        return undefined;
      })
      .then((d) => add([{
        at: now, kind: 'push', messageId: push.id, deliveryId: deliveryId(push.seq, deviceId), deviceId, subscriberId: null,
        provider: d?.provider ?? null, channel: null, app: d?.app ?? null, platform: d?.platform ?? null, category: push.category,
        state: status, error: null, status: null, latencyMs: null, attempt: null,
      }]));
    await base?.(push, deviceId, status, now);
  };
}

/** Notifications recently read for their rows: a notification's rows come together. */
const NOTIFICATION_CACHE = 256;

/**
 * The notify engine's events with a row per channel state added. The notification's public id
 * and category are read once per notification (a small cache), in the background.
 */
export function notifyEventsWithExport(base: NotifyEvents, add: ExportRows, notification: (seq: number) => Promise<NotificationRecord | undefined>, logger: Logger): NotifyEvents {
  const cache = new Map<number, Promise<{ id: string; category: string } | undefined>>();
  const lookup = (seq: number) => {
    let found = cache.get(seq);
    if (!found) {
      found = notification(seq).then((n) => (n ? { id: n.id, category: n.category } : undefined), (err: unknown) => {
        logger.debug({ err }, 'analytics export: could not read a notification for its rows');
        cache.delete(seq);
        return undefined;
      });
      cache.set(seq, found);
      if (cache.size > NOTIFICATION_CACHE) cache.delete(cache.keys().next().value!);
    }
    return found;
  };
  return {
    channel: (channel, state) => base.channel(channel, state),
    ...(base.writing ? { writing: base.writing.bind(base) } : {}),
    row(row) {
      base.row?.(row);
      void lookup(row.notificationSeq).then((n) => add([notifyRow(row, n)]));
    },
  };
}

function notifyRow(row: ChannelDeliveryRecord, n: { id: string; category: string } | undefined): DeliveryEventRow {
  return {
    at: row.updatedAt,
    kind: 'notify',
    messageId: n?.id ?? null,
    deliveryId: null,
    deviceId: null,
    subscriberId: row.subscriberId,
    provider: null,
    channel: row.channel,
    app: null,
    platform: null,
    category: n?.category ?? null,
    state: row.state,
    error: row.reason ?? null,
    status: null,
    latencyMs: row.state === 'sent' && row.sentAt !== undefined ? Math.max(0, row.sentAt - row.createdAt) : null,
    attempt: row.attempts,
  };
}
