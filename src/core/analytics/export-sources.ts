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

/**
 * A push delivery's recorded outcomes, one row each. `platforms` holds the platforms of the
 * chunk's registered devices; raw tokens and provider topics have no device, so no platform.
 */
export function pushOutcomeRows(push: PushRecord, results: readonly DeliveryResult[], now: number, platforms?: ReadonlyMap<string, string>): DeliveryEventRow[] {
  return results.map((r) => {
    const deviceId = r.target.startsWith('dev_') ? r.target : null;
    return {
      at: now,
      kind: 'push',
      messageId: push.id,
      deliveryId: deliveryId(push.seq, r.target),
      deviceId,
      subscriberId: null,
      provider: r.provider,
      channel: null,
      app: r.app,
      platform: (deviceId !== null ? platforms?.get(deviceId) : undefined) ?? null,
      category: push.category,
      state: r.state,
      error: r.error ?? null,
      status: r.status ?? null,
      latencyMs: r.latencyMs ?? null,
      attempt: r.attempts ?? null,
    };
  });
}

/** Reads the platforms of registered devices: `DeviceStore.platforms`, one query per call. */
export type PlatformsOf = (ids: readonly string[]) => Promise<ReadonlyMap<string, string>>;

/**
 * The push pipeline's events with the analytics export added. A send job's outcomes come from
 * the delivery ledger, which knows each device but not its platform, so the job's devices are
 * read once (one query for the whole chunk, beside the base listener); rows are handed over
 * before the job is acked, without waiting on the analytics database. Without `devices`, or when
 * the read fails, the rows go out with no platform.
 */
export function pushEventsWithExport(base: PushEvents, add: ExportRows, devices?: { platforms: PlatformsOf; logger: Logger }): PushEvents {
  return {
    recorded: (summary) => base.recorded(summary),
    ...(base.recording ? { recording: base.recording.bind(base) } : {}),
    async outcomes(push, results, invalidated, now) {
      const ids = devices ? results.flatMap((r) => (r.target.startsWith('dev_') ? [r.target] : [])) : [];
      if (!devices || ids.length === 0) {
        add(pushOutcomeRows(push, results, now));
        await base.outcomes?.(push, results, invalidated, now);
        return;
      }
      const rows = devices.platforms(ids)
        .catch((err: unknown) => {
          devices.logger.debug({ err }, 'analytics export: could not read the platforms of a send job\'s devices');
          return undefined;
        })
        .then((found) => add(pushOutcomeRows(push, results, now, found)));
      await Promise.all([rows, base.outcomes?.(push, results, invalidated, now)]);
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
