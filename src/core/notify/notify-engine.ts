import type { Clock } from '../../ports/clock.js';
import type { DeviceStore } from '../../ports/device-store.js';
import type { Logger } from '../../ports/logger.js';
import type {
  CategoryRecord, ChannelDeliveryRecord, ChannelState, NotificationRecord, NotifyChannel, NotifyStore, RecipientPatch, RecipientRecord, RecipientState, SubscriberRecord,
} from '../../ports/notify-store.js';
import type { NewJob, Queue, ReservedJob } from '../../ports/queue.js';
import { retryAt, type BackoffOptions } from '../retry/backoff.js';
import { QueueLoop } from '../push/queue-loop.js';
import type { ChannelDispatch, DispatchResult } from './channel-dispatch.js';
import type { NotifyDirectory } from './directory.js';
import {
  channelPartition, NOTIFY_CHUNK, NOTIFY_PLAN_PARTITION, NOTIFY_ROUTE_PAGE, NOTIFY_ROUTE_PARTITION, notifyKeyPrefix, notifyLane,
  type DigestPayload, type NotifyChannelJob, type NotifyConfirmJob, type NotifyJob, type NotifyMailJob, type NotifyPlanJob,
} from './notify-jobs.js';
import { decide, DEFAULT_PREFERENCES, parsePreferences, resolveSendAt, type Preferences } from './preferences/index.js';
import { renderTemplate, type RenderedChannels, type TemplateDefinition } from './templates/index.js';
import { NOTIFY_CHANNELS } from '../../ports/notify-store.js';

export interface NotifyEngineOptions {
  /** Attempts per channel delivery before it fails. */
  maxAttempts: number;
  backoff: BackoffOptions;
  /** Fallback: how long a sent push or SMS may go unconfirmed before the next channel. */
  fallbackTimeoutMs: number;
  /** Recipients in flight per channel. */
  concurrency: number;
  visibilityMs: number;
  idlePollMs: number;
}

/** What the engine reports as channel deliveries reach a state; the metrics adapter listens. */
export interface NotifyEvents {
  channel(channel: NotifyChannel, state: ChannelState): void;
}

export const noNotifyEvents: NotifyEvents = { channel() {} };

export interface NotifyEngineDeps {
  store: NotifyStore;
  directory: NotifyDirectory;
  devices: DeviceStore;
  queue: Queue<NotifyJob>;
  dispatch: ChannelDispatch;
  /** Push delivery states of the push `actor` (the notification's sender) sent as `id`, for confirming a fallback. */
  pushView(id: string, actor: string): Promise<{ targets: number; counts: Record<string, number> } | undefined>;
  clock: Clock;
  logger: Logger;
  events?: NotifyEvents;
  options: NotifyEngineOptions;
}

/** Channel states after which nothing more happens to a delivery. */
const FINAL_CHANNEL: ReadonlySet<ChannelState> = new Set(['sent', 'delivered', 'failed', 'suppressed', 'unavailable', 'timeout', 'expired', 'canceled']);
/** Longest frequency-cap window a preference document may hold (parsePreferences' bound). */
const MAX_CAP_WINDOW_MS = 366 * 86_400_000;
/** Sends started between two turns of the event loop within a channel job. */
const SEND_SLICE = 5;
/** Digest events kept per digest; the count goes on beyond it. */
const DIGEST_EVENTS_MAX = 100;

interface Settled {
  row: ChannelDeliveryRecord;
  recipient?: RecipientPatch;
  after?: () => Promise<void>;
}

interface Planned {
  recipient: RecipientRecord;
  channels: ChannelDeliveryRecord[];
  jobs: NewJob<NotifyJob>[];
  /** A send that counts against frequency caps. */
  counted: boolean;
}

/**
 * Works the notify face's jobs: routing a notification's audience, planning each recipient
 * (preferences, quiet hours, caps, local send_at, digests), sending per channel, and walking the
 * fallback order. Every step writes its rows before it acks its job, so a crash costs at most a
 * repeat: a repeated send finds its row already final and skips it.
 */
export class NotifyEngine {
  readonly #d: NotifyEngineDeps;
  readonly #loops: QueueLoop<NotifyJob>[] = [];
  readonly #byPartition = new Map<string, QueueLoop<NotifyJob>>();
  readonly #notifications = new Map<number, NotificationRecord>();
  #stopping = false;

  constructor(deps: NotifyEngineDeps) {
    this.#d = deps;
    const { queue, clock, logger, options } = deps;
    const loop = (partition: string, capacity: number, typicalWeight: number, handle: (job: ReservedJob<NotifyJob>) => Promise<void>) => {
      const l = new QueueLoop<NotifyJob>({
        queue, partition, capacity, typicalWeight, highHeadroom: Math.max(typicalWeight, Math.ceil(capacity / 4)),
        weight: (job) => (job.payload.kind === 'channel' ? job.payload.subscribers.length : 1),
        handle, visibilityMs: options.visibilityMs, idlePollMs: options.idlePollMs, clock, logger,
      });
      this.#loops.push(l);
      this.#byPartition.set(partition, l);
    };
    loop(NOTIFY_ROUTE_PARTITION, 2, 1, (job) => this.#route(job));
    loop(NOTIFY_PLAN_PARTITION, 32, 1, (job) => this.#planOrConfirm(job));
    for (const channel of NOTIFY_CHANNELS) loop(channelPartition(channel), options.concurrency, NOTIFY_CHUNK, (job) => this.#channel(job));
  }

  start(): void {
    for (const l of this.#loops) l.start();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#loops.map((l) => l.stop()));
  }

  wake(partitions: Iterable<string>): void {
    for (const p of partitions) this.#byPartition.get(p)?.wake();
  }

  /** The notification changed (cancelled): read it again. */
  forget(seq: number): void {
    this.#notifications.delete(seq);
  }

  async enqueue(jobs: NewJob<NotifyJob>[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.#d.queue.enqueue(jobs);
    this.wake(new Set(jobs.map((j) => j.partition)));
  }

  // ---- routing -------------------------------------------------------------------------------

  async #route(job: ReservedJob<NotifyJob>): Promise<void> {
    const d = this.#d;
    if (job.payload.kind !== 'route') return void (await d.queue.deadLetter(job, 'not a route job'));
    const n = await this.#notification(job.payload.seq);
    if (!n || n.phase !== 'routing') return void (await d.queue.ack(job));
    let cursor = n.routeCursor;
    for (;;) {
      if (this.#stopping) return void (await d.queue.retry(job, d.clock.now(), 'server stopped while routing'));
      const { ids, next } = await this.#page(n, cursor);
      const done = next === undefined;
      await this.#planPage(n, ids, next, done);
      if (done) break;
      cursor = next;
    }
    await d.queue.ack(job);
  }

  /** One page of the audience, and the cursor after it (undefined on the last page). */
  async #page(n: NotificationRecord, cursor: string | undefined): Promise<{ ids: string[]; next?: string }> {
    if ('subscribers' in n.to) {
      // A list is routed in the order given; the cursor is the index reached.
      const from = cursor === undefined ? 0 : Number(cursor);
      const ids = n.to.subscribers.slice(from, from + NOTIFY_ROUTE_PAGE);
      const end = from + ids.length;
      return end < n.to.subscribers.length ? { ids, next: String(end) } : { ids };
    }
    const ids = await this.#d.devices.topicUsers(n.to.topic, { ...(cursor !== undefined ? { after: cursor } : {}), limit: NOTIFY_ROUTE_PAGE });
    return ids.length === NOTIFY_ROUTE_PAGE ? { ids, next: ids[ids.length - 1]! } : { ids };
  }

  async #planPage(n: NotificationRecord, ids: string[], next: string | undefined, done: boolean): Promise<void> {
    const d = this.#d;
    const now = d.clock.now();
    const fresh = await this.#unplanned(n.seq, ids);
    const subscribers = await d.store.getSubscribers(fresh);
    const ctx = await this.#context(n);
    const planned: Planned[] = [];
    for (const id of fresh) planned.push(await this.#plan(n, ctx, subscriberOrBare(id, subscribers.get(id), now), now, undefined));
    await this.#commit(n, planned, next, done);
  }

  /**
   * Ids of the page that have no recipient row yet. Recipient rows are written last (with the
   * cursor), so a page cut short by a crash is planned again whole: its channel rows and jobs are
   * written anew (a repeat, never a loss).
   */
  async #unplanned(seq: number, ids: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const id of new Set(ids)) if (!(await this.#d.store.getRecipient(seq, id))) out.push(id);
    return out;
  }

  /** Rows first, then the jobs that work them, then the cursor: a crash in between repeats, never loses. */
  async #commit(n: NotificationRecord, planned: Planned[], next: string | undefined, done: boolean): Promise<void> {
    const d = this.#d;
    const now = d.clock.now();
    await d.store.writeBatch({
      channels: planned.flatMap((p) => p.channels),
      sends: planned.filter((p) => p.counted).map((p) => ({ subscriberId: p.recipient.subscriberId, category: n.category, at: now })),
    }, now);
    for (const p of planned) for (const c of p.channels) d.events?.channel(c.channel, c.state);
    await this.enqueue(groupChannelJobs(n, planned.flatMap((p) => p.jobs), now));
    await d.store.addRecipients(n.seq, planned.map((p) => p.recipient), next, done);
  }

  // ---- planning ------------------------------------------------------------------------------

  async #context(n: NotificationRecord): Promise<{ category: CategoryRecord | undefined; template: TemplateDefinition | undefined }> {
    const [category, template] = await Promise.all([
      this.#d.store.getCategory(n.category),
      this.#d.directory.getTemplate(n.template).catch(() => undefined),
    ]);
    return { category, template };
  }

  /**
   * Decides what happens to one recipient now: scheduled to its local send_at, deferred by quiet
   * hours, collected into a digest, or sent on its channels (all, or the first of the fallback
   * order), each channel suppressed by preferences recording why.
   */
  async #plan(n: NotificationRecord, ctx: { category: CategoryRecord | undefined; template: TemplateDefinition | undefined }, s: SubscriberRecord, now: number, after: NotifyPlanJob['reason'] | undefined, digest?: DigestPayload): Promise<Planned> {
    const d = this.#d;
    const base = { notificationSeq: n.seq, subscriberId: s.id, createdAt: now, updatedAt: now };
    const end = (state: RecipientState, reason: string, channels: ChannelDeliveryRecord[] = []): Planned => ({ recipient: { ...base, state, reason, plan: [] }, channels, jobs: [], counted: false });
    if (n.phase === 'canceled') return end('canceled', 'the notification was cancelled');
    if (n.expiresAt !== undefined && n.expiresAt <= now) return end('expired', 'expires_at passed before it could be sent');
    if (!ctx.template) return end('failed', `the template ${n.template} no longer exists`);
    if (!ctx.category) return end('failed', `the category ${n.category} no longer exists`);
    const lane = notifyLane(n.priority, 'topic' in n.to);
    const planJob = (reason: NotifyPlanJob['reason'], at: number): NewJob<NotifyJob> => ({
      partition: NOTIFY_PLAN_PARTITION, lane, runAt: at, dedupKey: `${notifyKeyPrefix(n.seq)}plan:${reason}:${s.id}`,
      payload: { kind: 'plan', seq: n.seq, subscriber: s.id, reason },
    });

    if (n.sendAt !== undefined && after === undefined) {
      const at = resolveSendAt(n.sendAt, s.timezone, now);
      if (at > now + 500) return { recipient: { ...base, state: 'scheduled', reason: `send_at ${new Date(at).toISOString()}`, plan: [] }, channels: [], jobs: [planJob('send_at', at)], counted: false };
    }

    const category = ctx.category;
    if (category.digestWindowMs !== undefined && after !== 'digest' && after !== 'quiet_hours') {
      const event = { notification_id: n.id, at: new Date(now).toISOString(), ...n.data };
      const { opened, digest: open } = await d.store.addToDigest(s.id, category.name, event, { carrierSeq: n.seq, flushAt: now + category.digestWindowMs });
      if (!opened) {
        const carrier = await d.store.getNotificationBySeq(open.carrierSeq);
        return end('digested', `collected into the digest carried by ${carrier?.id ?? `notification ${open.carrierSeq}`}`);
      }
      return { recipient: { ...base, state: 'pending', reason: `digest window until ${new Date(open.flushAt).toISOString()}`, plan: [] }, channels: [], jobs: [planJob('digest', open.flushAt)], counted: false };
    }

    const prefs = preferencesOf(s);
    const recent = prefs.frequencyCaps.length > 0 ? await d.store.sendsSince(s.id, now - Math.min(MAX_CAP_WINDOW_MS, maxWindow(prefs))) : [];
    const wanted = orderChannels(n, category, prefs, ctx.template);
    const rows: ChannelDeliveryRecord[] = [];
    const row = (channel: NotifyChannel, state: ChannelState, reason?: string): ChannelDeliveryRecord => ({
      notificationSeq: n.seq, subscriberId: s.id, channel, state, attempts: 0, createdAt: now, updatedAt: now, ...(reason !== undefined ? { reason } : {}),
    });
    const sendable: NotifyChannel[] = [];
    for (const channel of wanted) {
      const decision = decide({ prefs, category: { name: category.name, critical: category.critical }, channel, nowMs: now, ...(s.timezone ? { timezone: s.timezone } : {}), recentSends: recent });
      if (decision.action === 'defer') {
        // Quiet hours hold every channel alike: the recipient waits as a whole, and is planned again then.
        return { recipient: { ...base, state: 'deferred', reason: `quiet hours until ${new Date(decision.until).toISOString()}`, plan: [] }, channels: [], jobs: [planJob('quiet_hours', decision.until)], counted: false };
      }
      if (decision.action === 'suppress') {
        rows.push(row(channel, 'suppressed', decision.detail ? `${decision.reason}: ${decision.detail}` : decision.reason));
        continue;
      }
      const missing = d.dispatch.unavailable(channel, s) ?? (ctx.template.channels[channel] ? undefined : `the template has no ${channel} content`);
      if (missing) rows.push(row(channel, 'unavailable', missing));
      else sendable.push(channel);
    }
    if (sendable.length === 0) {
      const allSuppressed = rows.length > 0 && rows.every((r) => r.state === 'suppressed');
      return end(allSuppressed ? 'suppressed' : 'failed', allSuppressed ? summarize(rows) : `no channel can reach the subscriber (${summarize(rows) || 'no channels'})`, rows);
    }
    const first = n.strategy === 'fallback' ? [sendable[0]!] : sendable;
    const jobs: NewJob<NotifyJob>[] = [];
    for (const channel of first) {
      rows.push(row(channel, 'queued'));
      jobs.push(channelJob(n, channel, [s.id], now, 0, digest));
    }
    return { recipient: { ...base, state: 'sending', plan: n.strategy === 'fallback' ? sendable.slice(1) : [] }, channels: rows, jobs, counted: true };
  }

  async #planOrConfirm(job: ReservedJob<NotifyJob>): Promise<void> {
    const p = job.payload;
    if (p.kind === 'plan') await this.#replan(p);
    else if (p.kind === 'confirm') await this.#confirm(p);
    await this.#d.queue.ack(job);
  }

  /** A recipient whose time has come: its local send_at, the end of quiet hours, or a digest flush. */
  async #replan(p: NotifyPlanJob): Promise<void> {
    const d = this.#d;
    const n = await this.#notification(p.seq);
    const current = n && (await d.store.getRecipient(p.seq, p.subscriber));
    if (!n || !current || !['scheduled', 'deferred', 'pending'].includes(current.state)) return;
    const now = d.clock.now();
    let digest: DigestPayload | undefined;
    if (p.reason === 'digest') {
      const taken = await d.store.takeDigest(p.subscriber, n.category, n.seq);
      if (taken) digest = { events: taken.events.slice(0, DIGEST_EVENTS_MAX), count: taken.events.length };
    }
    const s = subscriberOrBare(p.subscriber, await d.store.getSubscriber(p.subscriber), now);
    const planned = await this.#plan(n, await this.#context(n), s, now, p.reason, digest);
    for (const c of planned.channels) await this.#record(c);
    if (planned.counted) await d.store.recordSend(s.id, n.category, now);
    await this.enqueue(planned.jobs);
    const r = planned.recipient;
    await d.store.updateRecipient(n.seq, s.id, { state: r.state, plan: r.plan, ...(r.reason !== undefined ? { reason: r.reason } : { reason: '' }) }, now);
  }

  // ---- sending -------------------------------------------------------------------------------

  /** Queues a plain e-mail (a topic message's X-Email): durable, retried like any channel send. */
  async mail(mail: Omit<NotifyMailJob, 'kind'>): Promise<void> {
    await this.enqueue([{ partition: channelPartition('email'), lane: 'normal', dedupKey: `mail:${mail.id}`, maxAttempts: this.#d.options.maxAttempts, payload: { kind: 'mail', ...mail } }]);
  }

  async #mail(job: ReservedJob<NotifyJob>, mail: NotifyMailJob): Promise<void> {
    const d = this.#d;
    const result = await d.dispatch.sendMail(mail.to, mail.subject, mail.text, mail.id);
    if (result.kind === 'sent') return void (await d.queue.ack(job));
    if (result.kind === 'retry') {
      const outcome = await d.queue.retry(job, retryAt(job.attempts, d.clock.now(), result.afterMs, d.options.backoff), result.reason);
      if (outcome === 'dead') d.logger.warn({ to: 'redacted', reason: result.reason }, 'topic e-mail dead-lettered after its last attempt');
      return;
    }
    d.logger.info({ reason: result.reason }, 'topic e-mail not sent');
    await d.queue.deadLetter(job, result.reason);
  }

  async #channel(job: ReservedJob<NotifyJob>): Promise<void> {
    const d = this.#d;
    const p = job.payload;
    if (p.kind === 'mail') return this.#mail(job, p);
    if (p.kind !== 'channel') return void (await d.queue.deadLetter(job, 'not a channel job'));
    const n = await this.#notification(p.seq);
    if (!n) return void (await d.queue.ack(job));
    const rows = new Map((await d.store.channelsOf(n.seq, p.subscribers)).filter((r) => r.channel === p.channel).map((r) => [r.subscriberId, r]));
    const open = p.subscribers.filter((id) => {
      const r = rows.get(id);
      return r !== undefined && !FINAL_CHANNEL.has(r.state) && r.state !== 'awaiting';
    });
    if (open.length === 0) return void (await d.queue.ack(job));
    const subscribers = await d.store.getSubscribers(open);
    const ctx = await this.#context(n);
    const retries: string[] = [];
    let retryAtMs = 0;
    const pending: Promise<Settled>[] = [];
    for (const [i, id] of open.entries()) {
      // Rendering and handing over a chunk is a few ms of synchronous work per handful of sends:
      // letting I/O in between keeps the replies of open SMTP/HTTP connections from waiting on it.
      if (i > 0 && i % SEND_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
      const task = this.#sendAndSettle(n, ctx.template, p, id, rows.get(id)!, subscribers.get(id), (at) => {
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
      await this.enqueue([{ ...channelJob(n, p.channel, retries, retryAtMs, job.attempts, p.digest), dedupKey: `${notifyKeyPrefix(n.seq)}${p.channel}:${retries[0]}:r${job.id}` }]);
    }
    await this.#apply(n, settled, d.clock.now());
    await d.queue.ack(job);
  }

  async #sendAndSettle(n: NotificationRecord, template: TemplateDefinition | undefined, p: NotifyChannelJob, id: string, row: ChannelDeliveryRecord, record: SubscriberRecord | undefined, retryAtMs: (at: number) => void): Promise<Settled> {
    const d = this.#d;
    const s = subscriberOrBare(id, record, d.clock.now());
    const result = await this.#sendOne(n, template, p, s, d.clock.now());
    const now = d.clock.now();
    if (result.kind === 'retry') retryAtMs(retryAt(row.attempts + 1, now, result.afterMs, d.options.backoff));
    return this.#settle(n, s, row, result, p.digest, now);
  }

  async #sendOne(n: NotificationRecord, template: TemplateDefinition | undefined, p: NotifyChannelJob, s: SubscriberRecord, now: number): Promise<DispatchResult> {
    if (n.phase === 'canceled') return { kind: 'failed', reason: 'canceled' };
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

  /**
   * What one send's result writes: its row, the recipient's new state, and what has to follow
   * (a confirm job, marking a dead address, the next fallback channel). The writes of a whole job
   * go out in one transaction; the follow-ups run after it.
   */
  #settle(n: NotificationRecord, s: SubscriberRecord, row: ChannelDeliveryRecord, result: DispatchResult, digest: DigestPayload | undefined, now: number): Settled {
    const d = this.#d;
    const attempts = row.attempts + 1;
    const next: ChannelDeliveryRecord = { ...row, attempts, updatedAt: now };
    const moveOn = () => this.#moveOn(n, s.id, digest);
    if (result.kind === 'failed' && (result.reason === 'canceled' || result.reason === 'expired')) {
      return { row: { ...next, attempts: row.attempts, state: result.reason, reason: result.reason === 'expired' ? 'expires_at passed before it could be sent' : 'the notification was cancelled' } };
    }
    switch (result.kind) {
      case 'sent': {
        const confirm = n.strategy === 'fallback' && (row.channel === 'push' || row.channel === 'sms');
        // A reason left from an earlier attempt ("retry: 503") no longer applies.
        const { reason: _earlier, ...fresh } = next;
        void _earlier;
        const sent: ChannelDeliveryRecord = {
          ...fresh, state: confirm ? 'awaiting' : 'sent', sentAt: now, ...(result.note !== undefined ? { reason: result.note } : {}),
          ...(result.providerId !== undefined ? { providerId: result.providerId } : {}), ...(result.address !== undefined ? { address: result.address } : {}),
        };
        if (!confirm) return { row: sent, recipient: { state: 'sent', reason: `sent by ${row.channel}` } };
        const deadline = now + d.options.fallbackTimeoutMs;
        return { row: sent, after: () => this.enqueue([confirmJob(n, row.channel, s.id, deadline, now + this.#pollMs(), digest)]) };
      }
      case 'retry':
        if (attempts < d.options.maxAttempts) return { row: { ...next, state: 'retrying', reason: result.reason } };
        return { row: { ...next, state: 'failed', reason: `${result.reason} (after ${attempts} attempts)` }, after: moveOn };
      case 'unavailable':
        return { row: { ...next, attempts: row.attempts, state: 'unavailable', reason: result.reason }, after: moveOn };
      case 'failed': {
        const failed: ChannelDeliveryRecord = { ...next, state: 'failed', reason: result.reason, ...(result.address !== undefined ? { address: result.address } : {}) };
        const address = result.addressDead && result.address ? (row.channel === 'email' ? result.address.toLowerCase() : result.address) : undefined;
        return {
          row: failed,
          after: async () => {
            if (address) await d.store.suppressAddress({ address, kind: 'invalid', reason: result.reason, at: now });
            await moveOn();
          },
        };
      }
    }
  }

  /** A job's results: one transaction for the rows, then the follow-ups in order. */
  async #apply(n: NotificationRecord, settled: Settled[], now: number): Promise<void> {
    const d = this.#d;
    await d.store.writeBatch({
      channels: settled.map((x) => x.row),
      recipients: settled.flatMap((x) => (x.recipient ? [{ seq: n.seq, subscriberId: x.row.subscriberId, patch: x.recipient }] : [])),
    }, now);
    for (const x of settled) d.events?.channel(x.row.channel, x.row.state);
    for (const x of settled) if (x.after) await x.after();
  }

  /**
   * A channel ended without reaching the subscriber. With fallback, the next channel of the plan is
   * queued; otherwise (or with nothing left) the recipient ends failed unless another channel got through.
   */
  async #moveOn(n: NotificationRecord, subscriberId: string, digest: DigestPayload | undefined): Promise<void> {
    const d = this.#d;
    const now = d.clock.now();
    const r = await d.store.getRecipient(n.seq, subscriberId);
    if (!r) return;
    const rows = await d.store.channelsOf(n.seq, [subscriberId]);
    if (n.strategy === 'fallback' && r.plan.length > 0 && n.phase !== 'canceled') {
      const [channel, ...rest] = r.plan as [NotifyChannel, ...NotifyChannel[]];
      await this.#record({ notificationSeq: n.seq, subscriberId, channel, state: 'queued', attempts: 0, createdAt: now, updatedAt: now });
      await this.enqueue([channelJob(n, channel, [subscriberId], now, 0, digest)]);
      await d.store.updateRecipient(n.seq, subscriberId, { state: 'sending', plan: rest, reason: `falling back to ${channel}` }, now);
      return;
    }
    if (rows.some((c) => c.state === 'sent' || c.state === 'delivered')) return;
    if (rows.some((c) => !FINAL_CHANNEL.has(c.state))) return;
    await d.store.updateRecipient(n.seq, subscriberId, { state: 'failed', reason: summarize(rows.filter((c) => c.state !== 'suppressed')) || 'no channel reached the subscriber' }, now);
  }

  /** Every channel row is written here, so each state it reaches is counted once per write. */
  async #record(row: ChannelDeliveryRecord): Promise<void> {
    await this.#d.store.upsertChannel(row);
    this.#d.events?.channel(row.channel, row.state);
  }

  #pollMs(): number {
    return Math.max(200, Math.min(5000, Math.floor(this.#d.options.fallbackTimeoutMs / 10)));
  }

  /** Fallback: was the sent push or SMS confirmed, did it fail after all, or has its time run out? */
  async #confirm(p: NotifyConfirmJob): Promise<void> {
    const d = this.#d;
    const n = await this.#notification(p.seq);
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
        await this.#record({ ...row, state: 'failed', reason: `no device took the push (${parts.join(', ')})`, updatedAt: now });
        return this.#moveOn(n, p.subscriber, p.digest);
      }
    }
    if (now >= p.deadline) {
      await this.#record({ ...row, state: 'timeout', reason: `not confirmed within ${Math.round(d.options.fallbackTimeoutMs / 1000)} s`, updatedAt: now });
      return this.#moveOn(n, p.subscriber, p.digest);
    }
    await this.enqueue([confirmJob(n, p.channel, p.subscriber, p.deadline, Math.min(p.deadline, now + this.#pollMs()), p.digest)]);
  }

  async #confirmed(n: NotificationRecord, row: ChannelDeliveryRecord, now: number, reason: string): Promise<void> {
    await this.#record({ ...row, state: 'delivered', reason, updatedAt: now });
    await this.#d.store.updateRecipient(n.seq, row.subscriberId, { state: 'sent', reason: `delivered by ${row.channel}` }, now);
  }

  /** A delivery receipt arrived (SMS status callback): confirm it, or move on when it failed. */
  async receipt(row: ChannelDeliveryRecord, outcome: { delivered: true } | { delivered: false; reason: string }): Promise<void> {
    const n = await this.#notification(row.notificationSeq);
    if (!n) return;
    const now = this.#d.clock.now();
    if (outcome.delivered) {
      if (row.state === 'delivered') return;
      return this.#confirmed(n, row, now, 'delivered: the gateway confirmed it');
    }
    if (row.state === 'failed') return;
    const wasOpen = row.state === 'awaiting' || row.state === 'sent';
    await this.#record({ ...row, state: 'failed', reason: outcome.reason, updatedAt: now });
    if (wasOpen) {
      // A sent channel that later fails no longer counts as the recipient's reach.
      await this.#moveOnAfterLateFailure(n, row.subscriberId);
    }
  }

  async #moveOnAfterLateFailure(n: NotificationRecord, subscriberId: string): Promise<void> {
    const rows = await this.#d.store.channelsOf(n.seq, [subscriberId]);
    if (n.strategy === 'fallback' || !rows.some((c) => c.state === 'sent' || c.state === 'delivered')) {
      const r = await this.#d.store.getRecipient(n.seq, subscriberId);
      if (r && r.state === 'sent') await this.#d.store.updateRecipient(n.seq, subscriberId, { state: 'sending' }, this.#d.clock.now());
      await this.#moveOn(n, subscriberId, undefined);
    }
  }

  async #notification(seq: number): Promise<NotificationRecord | undefined> {
    const cached = this.#notifications.get(seq);
    // Routing state moves on; only a routed or cancelled notification is safe to keep.
    if (cached && cached.phase !== 'routing') return cached;
    const n = await this.#d.store.getNotificationBySeq(seq);
    if (n && n.phase !== 'routing') {
      this.#notifications.set(seq, n);
      if (this.#notifications.size > 256) this.#notifications.delete(this.#notifications.keys().next().value as number);
    }
    return n;
  }
}

function channelJob(n: NotificationRecord, channel: NotifyChannel, subscribers: string[], runAt: number, attempt: number, digest?: DigestPayload): NewJob<NotifyJob> {
  return {
    partition: channelPartition(channel), lane: notifyLane(n.priority, 'topic' in n.to), runAt,
    dedupKey: `${notifyKeyPrefix(n.seq)}${channel}:${subscribers[0]}:${attempt}`,
    payload: { kind: 'channel', seq: n.seq, channel, subscribers, ...(digest ? { digest } : {}) },
  };
}

function confirmJob(n: NotificationRecord, channel: NotifyChannel, subscriber: string, deadline: number, runAt: number, digest?: DigestPayload): NewJob<NotifyJob> {
  return {
    partition: NOTIFY_PLAN_PARTITION, lane: notifyLane(n.priority, 'topic' in n.to), runAt,
    dedupKey: `${notifyKeyPrefix(n.seq)}confirm:${channel}:${subscriber}:${runAt}`,
    payload: { kind: 'confirm', seq: n.seq, channel, subscriber, deadline, ...(digest ? { digest } : {}) },
  };
}

/** Single-recipient channel jobs of one page merged into chunks per channel. */
function groupChannelJobs(n: NotificationRecord, jobs: NewJob<NotifyJob>[], now: number): NewJob<NotifyJob>[] {
  const out: NewJob<NotifyJob>[] = [];
  const open = new Map<string, NotifyChannelJob>();
  for (const job of jobs) {
    const p = job.payload;
    if (p.kind !== 'channel' || p.digest || (job.runAt ?? 0) > now + 1000) {
      out.push(job);
      continue;
    }
    let chunk = open.get(p.channel);
    if (!chunk || chunk.subscribers.length >= NOTIFY_CHUNK) {
      chunk = { kind: 'channel', seq: n.seq, channel: p.channel, subscribers: [] };
      open.set(p.channel, chunk);
      out.push({ ...job, payload: chunk, dedupKey: `${notifyKeyPrefix(n.seq)}${p.channel}:${p.subscribers[0]}:0` });
    }
    chunk.subscribers.push(...p.subscribers);
  }
  return out;
}

function preferencesOf(s: SubscriberRecord): Preferences {
  if (s.preferences === undefined) return DEFAULT_PREFERENCES;
  try {
    return parsePreferences(s.preferences);
  } catch {
    // Stored documents were validated when put; one from an older version that no longer parses keeps the defaults.
    return DEFAULT_PREFERENCES;
  }
}

function maxWindow(p: Preferences): number {
  let max = 0;
  for (const cap of p.frequencyCaps) if (cap.perMs > max) max = cap.perMs;
  return max;
}

/**
 * The channels to consider, in order: the ones asked for (else the category's), kept only where
 * the template has content for them when the caller did not name them; with fallback, sorted by
 * the subscriber's channel_order, then the category's order.
 */
function orderChannels(n: NotificationRecord, category: CategoryRecord, prefs: Preferences, template: TemplateDefinition): NotifyChannel[] {
  const wanted = n.channels ?? category.channels.filter((c) => template.channels[c] !== undefined);
  if (n.strategy !== 'fallback' || !prefs.channelOrder) return [...wanted];
  const order = prefs.channelOrder;
  const rank = (c: NotifyChannel) => {
    const i = order.indexOf(c);
    return i === -1 ? order.length + wanted.indexOf(c) : i;
  };
  return [...wanted].sort((a, b) => rank(a) - rank(b));
}

function summarize(rows: ChannelDeliveryRecord[]): string {
  return rows.map((r) => `${r.channel}: ${r.reason ?? r.state}`).join('; ');
}

/** A push user with no subscriber record is still reachable by push and in-app, with default preferences. */
function subscriberOrBare(id: string, s: SubscriberRecord | undefined, now: number): SubscriberRecord {
  return s ?? { id, data: {}, createdAt: now, updatedAt: now };
}

function templateSubscriber(s: SubscriberRecord) {
  return { id: s.id, name: s.name, email: s.email, phone: s.phone, locale: s.locale, timezone: s.timezone, data: s.data };
}
