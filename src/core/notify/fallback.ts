import type { Clock } from '../../ports/clock.js';
import type { ChannelDeliveryRecord, NotificationRecord, NotifyChannel, NotifyStore } from '../../ports/notify-store.js';
import type { NewJob } from '../../ports/queue.js';
import { FINAL_CHANNEL, summarize, type ChannelRows } from './channel-rows.js';
import type { NotificationCache } from './notification-cache.js';
import { channelJob, confirmJob, type DigestPayload, type NotifyConfirmJob, type NotifyJob } from './notify-jobs.js';
import { confirmPollMs } from './send-settlement.js';

export interface FallbackDeps {
  store: NotifyStore;
  notifications: NotificationCache;
  rows: ChannelRows;
  /** Push delivery states of the push `actor` (the notification's sender) sent as `id`, for confirming a fallback. */
  pushView(id: string, actor: string): Promise<{ targets: number; counts: Record<string, number> } | undefined>;
  clock: Clock;
  /** How long a sent push or SMS may go unconfirmed before the next channel. */
  fallbackTimeoutMs: number;
  enqueue(jobs: NewJob<NotifyJob>[]): Promise<void>;
}

/**
 * What happens after a channel: with strategy fallback, a sent push or SMS waits for its
 * confirmation (the app's delivery report, the gateway's receipt) until a timeout, and a channel
 * that ended without reaching the subscriber hands over to the next one of the recipient's plan.
 * Without fallback, or with nothing left to try, the recipient ends failed unless another channel
 * got through.
 */
export class Fallback {
  readonly #d: FallbackDeps;

  constructor(deps: FallbackDeps) {
    this.#d = deps;
  }

  /** A channel ended without reaching the subscriber: queue the next one, or settle the recipient. */
  async moveOn(n: NotificationRecord, subscriberId: string, digest: DigestPayload | undefined): Promise<void> {
    const d = this.#d;
    const now = d.clock.now();
    const r = await d.store.getRecipient(n.seq, subscriberId);
    if (!r) return;
    const rows = await d.store.channelsOf(n.seq, [subscriberId]);
    if (n.strategy === 'fallback' && r.plan.length > 0 && n.phase !== 'cancelled') {
      const [channel, ...rest] = r.plan as [NotifyChannel, ...NotifyChannel[]];
      await d.rows.record({ notificationSeq: n.seq, subscriberId, channel, state: 'queued', attempts: 0, createdAt: now, updatedAt: now });
      await d.enqueue([channelJob(n, channel, [subscriberId], now, 0, digest)]);
      await d.store.updateRecipient(n.seq, subscriberId, { state: 'sending', plan: rest, reason: `falling back to ${channel}` }, now);
      return;
    }
    if (rows.some((c) => c.state === 'sent' || c.state === 'delivered')) return;
    if (rows.some((c) => !FINAL_CHANNEL.has(c.state))) return;
    await d.store.updateRecipient(n.seq, subscriberId, { state: 'failed', reason: summarize(rows.filter((c) => c.state !== 'suppressed')) || 'no channel reached the subscriber' }, now);
  }

  /** A confirm job: was the sent push or SMS confirmed, did it fail after all, or has its time run out? */
  async confirm(p: NotifyConfirmJob): Promise<void> {
    const d = this.#d;
    const n = await d.notifications.get(p.seq);
    const row = n && (await d.store.getChannel(p.seq, p.subscriber, p.channel));
    if (!n || !row || row.state !== 'awaiting') return;
    const now = d.clock.now();
    if (p.channel === 'push' && row.providerId) {
      const view = await d.pushView(row.providerId, n.actor);
      const c = view?.counts ?? {};
      const ended = (c.failed ?? 0) + (c.invalid_token ?? 0) + (c.expired ?? 0) + (c.dead ?? 0) + (c.cancelled ?? 0);
      if ((c.delivered ?? 0) > 0) return this.#confirmed(n, row, now, 'delivered: the device confirmed it');
      if (view && view.targets > 0 && ended >= view.targets) {
        const parts = ['invalid_token', 'failed', 'dead', 'expired', 'cancelled'].filter((k) => (c[k] ?? 0) > 0).map((k) => `${k} ${c[k]}`);
        await d.rows.record({ ...row, state: 'failed', reason: `no device took the push (${parts.join(', ')})`, updatedAt: now });
        return this.moveOn(n, p.subscriber, p.digest);
      }
    }
    if (now >= p.deadline) {
      await d.rows.record({ ...row, state: 'timeout', reason: `not confirmed within ${Math.round(d.fallbackTimeoutMs / 1000)} s`, updatedAt: now });
      return this.moveOn(n, p.subscriber, p.digest);
    }
    await d.enqueue([confirmJob(n, p.channel, p.subscriber, p.deadline, Math.min(p.deadline, now + confirmPollMs(d.fallbackTimeoutMs)), p.digest)]);
  }

  /** A delivery receipt arrived (SMS status callback, bounce): confirm it, or move on when it failed. */
  async receipt(row: ChannelDeliveryRecord, outcome: { delivered: true } | { delivered: false; reason: string }): Promise<void> {
    const d = this.#d;
    const n = await d.notifications.get(row.notificationSeq);
    if (!n) return;
    const now = d.clock.now();
    if (outcome.delivered) {
      if (row.state === 'delivered') return;
      return this.#confirmed(n, row, now, 'delivered: the gateway confirmed it');
    }
    if (row.state === 'failed') return;
    const wasOpen = row.state === 'awaiting' || row.state === 'sent';
    await d.rows.record({ ...row, state: 'failed', reason: outcome.reason, updatedAt: now });
    if (wasOpen) {
      // A sent channel that later fails no longer counts as the recipient's reach.
      await this.#moveOnAfterLateFailure(n, row.subscriberId);
    }
  }

  async #confirmed(n: NotificationRecord, row: ChannelDeliveryRecord, now: number, reason: string): Promise<void> {
    await this.#d.rows.record({ ...row, state: 'delivered', reason, updatedAt: now });
    await this.#d.store.updateRecipient(n.seq, row.subscriberId, { state: 'sent', reason: `delivered by ${row.channel}` }, now);
  }

  async #moveOnAfterLateFailure(n: NotificationRecord, subscriberId: string): Promise<void> {
    const d = this.#d;
    const rows = await d.store.channelsOf(n.seq, [subscriberId]);
    if (n.strategy === 'fallback' || !rows.some((c) => c.state === 'sent' || c.state === 'delivered')) {
      const r = await d.store.getRecipient(n.seq, subscriberId);
      if (r && r.state === 'sent') await d.store.updateRecipient(n.seq, subscriberId, { state: 'sending' }, d.clock.now());
      await this.moveOn(n, subscriberId, undefined);
    }
  }
}
