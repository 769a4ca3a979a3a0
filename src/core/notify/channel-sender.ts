import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { ChannelDeliveryRecord, NotificationRecord, NotifyStore, SubscriberRecord } from '../../ports/notify-store.js';
import type { NewJob, Queue, ReservedJob } from '../../ports/queue.js';
import { retryAt, type BackoffOptions } from '../retry/backoff.js';
import type { ChannelDispatch, DispatchResult } from './channel-dispatch.js';
import { FINAL_CHANNEL, type ChannelRows } from './channel-rows.js';
import type { NotifyDirectory } from './directory.js';
import type { Fallback } from './fallback.js';
import type { NotificationCache } from './notification-cache.js';
import { channelJob, confirmJob, notifyKeyPrefix, type DigestPayload, type NotifyChannelJob, type NotifyJob } from './notify-jobs.js';
import { subscriberOrBare } from './plan-rules.js';
import { settleSend, type Settled, type SettleRules } from './send-settlement.js';
import { renderTemplate, type RenderedChannels, type TemplateDefinition } from './templates/index.js';

/** Sends started between two turns of the event loop within a channel job. */
const SEND_SLICE = 5;

export interface ChannelSenderDeps {
  store: NotifyStore;
  queue: Queue<NotifyJob>;
  directory: Pick<NotifyDirectory, 'getTemplate'>;
  dispatch: Pick<ChannelDispatch, 'send'>;
  notifications: NotificationCache;
  fallback: Fallback;
  rows: ChannelRows;
  clock: Clock;
  logger: Logger;
  enqueue(jobs: NewJob<NotifyJob>[]): Promise<void>;
  options: SettleRules & { backoff: BackoffOptions };
}

/**
 * Works channel jobs: renders the notification for each recipient of the chunk and sends it on
 * the job's channel, concurrently, then writes the whole chunk's results in one transaction and
 * runs what follows (confirm jobs, dead addresses, fallback). Recipients whose row is already
 * final are skipped, so a job repeated after a crash sends only what had not gone out.
 */
export class ChannelSender {
  readonly #d: ChannelSenderDeps;

  constructor(deps: ChannelSenderDeps) {
    this.#d = deps;
  }

  async work(job: ReservedJob<NotifyJob>, p: NotifyChannelJob): Promise<void> {
    const d = this.#d;
    const n = await d.notifications.get(p.seq);
    if (!n) return void (await d.queue.ack(job));
    const rows = new Map((await d.store.channelsOf(n.seq, p.subscribers)).filter((r) => r.channel === p.channel).map((r) => [r.subscriberId, r]));
    const open = p.subscribers.filter((id) => {
      const r = rows.get(id);
      return r !== undefined && !FINAL_CHANNEL.has(r.state) && r.state !== 'awaiting';
    });
    if (open.length === 0) return void (await d.queue.ack(job));
    const subscribers = await d.store.getSubscribers(open);
    const template = await d.directory.getTemplate(n.template).catch(() => undefined);
    const retries: string[] = [];
    let retryAtMs = 0;
    const pending: Promise<Settled>[] = [];
    for (const [i, id] of open.entries()) {
      // Rendering and handing over a chunk is a few ms of synchronous work per handful of sends:
      // letting I/O in between keeps the replies of open SMTP/HTTP connections from waiting on it.
      if (i > 0 && i % SEND_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
      const task = this.#sendAndSettle(n, template, p, rows.get(id)!, subscribers.get(id), (at) => {
        retries.push(id);
        retryAtMs = Math.max(retryAtMs, at);
      });
      // Awaited below with the rest; until then a failure must not count as unhandled.
      task.catch(() => undefined);
      pending.push(task);
    }
    const settled = await Promise.all(pending);
    if (retries.length > 0) {
      // Keyed by the job that failed: a crash after this and a second run does not add another.
      await d.enqueue([{ ...channelJob(n, p.channel, retries, retryAtMs, job.attempts, p.digest), dedupKey: `${notifyKeyPrefix(n.seq)}${p.channel}:${retries[0]}:r${job.id}` }]);
    }
    await this.#apply(n, settled, p.digest, d.clock.now());
    await d.queue.ack(job);
  }

  async #sendAndSettle(n: NotificationRecord, template: TemplateDefinition | undefined, p: NotifyChannelJob, row: ChannelDeliveryRecord, record: SubscriberRecord | undefined, retryAtMs: (at: number) => void): Promise<Settled> {
    const d = this.#d;
    const s = subscriberOrBare(row.subscriberId, record, d.clock.now());
    const result = await this.#sendOne(n, template, p, s, d.clock.now());
    const now = d.clock.now();
    if (result.kind === 'retry') retryAtMs(retryAt(row.attempts + 1, now, result.afterMs, d.options.backoff));
    return settleSend(n, row, result, d.options, now);
  }

  async #sendOne(n: NotificationRecord, template: TemplateDefinition | undefined, p: NotifyChannelJob, s: SubscriberRecord, now: number): Promise<DispatchResult> {
    if (n.phase === 'cancelled') return { kind: 'failed', reason: 'cancelled' };
    if (n.expiresAt !== undefined && n.expiresAt <= now) return { kind: 'failed', reason: 'expired' };
    if (!template) return { kind: 'failed', reason: `the template ${n.template} no longer exists` };
    let rendered: RenderedChannels;
    try {
      const data = p.digest ? { ...n.data, events: p.digest.events, count: p.digest.count } : n.data;
      rendered = renderTemplate(template, { data, subscriber: templateSubscriber(s), channels: [p.channel], ...(s.locale ? { locale: s.locale } : {}) }).channels;
    } catch (err) {
      return { kind: 'failed', reason: `the template does not render: ${err instanceof Error ? err.message : String(err)}` };
    }
    try {
      return await this.#d.dispatch.send(p.channel, { notification: n, subscriber: s, rendered, now });
    } catch (err) {
      this.#d.logger.error({ err, channel: p.channel, notification: n.id }, 'notify channel send failed');
      return { kind: 'retry', reason: err instanceof Error ? err.message : String(err) };
    }
  }

  /** A job's results: one transaction for the rows, then the follow-ups in order. */
  async #apply(n: NotificationRecord, settled: Settled[], digest: DigestPayload | undefined, now: number): Promise<void> {
    const d = this.#d;
    await d.rows.writing(settled.map((x) => x.row));
    await d.store.writeBatch({
      channels: settled.map((x) => x.row),
      recipients: settled.flatMap((x) => (x.recipient ? [{ seq: n.seq, subscriberId: x.row.subscriberId, patch: x.recipient }] : [])),
    }, now);
    d.rows.reached(settled.map((x) => x.row));
    for (const { row, follow } of settled) {
      if (follow?.kind === 'confirm') {
        await d.enqueue([confirmJob(n, row.channel, row.subscriberId, follow.deadline, follow.runAt, digest)]);
      } else if (follow?.kind === 'move-on') {
        if (follow.suppress) await d.store.suppressAddress(follow.suppress);
        await d.fallback.moveOn(n, row.subscriberId, digest);
      }
    }
  }
}

function templateSubscriber(s: SubscriberRecord) {
  return { id: s.id, name: s.name, email: s.email, phone: s.phone, locale: s.locale, timezone: s.timezone, data: s.data };
}
