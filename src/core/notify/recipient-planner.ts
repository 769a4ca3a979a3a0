import type { Clock } from '../../ports/clock.js';
import type {
  CategoryRecord, ChannelDeliveryRecord, ChannelState, NotificationRecord, NotifyChannel, NotifyStore, RecipientRecord, RecipientState, SubscriberRecord,
} from '../../ports/notify-store.js';
import type { NewJob } from '../../ports/queue.js';
import { capReservationId, type CapReservations, type HeldReservation } from './cap-reservations.js';
import type { ChannelDispatch } from './channel-dispatch.js';
import { summarize, type ChannelRows } from './channel-rows.js';
import type { NotifyDirectory } from './directory.js';
import type { NotificationCache } from './notification-cache.js';
import { channelJob, planJob, type DigestPayload, type NotifyJob, type NotifyPlanJob } from './notify-jobs.js';
import { orderChannels, preferencesOf, screenChannels, subscriberOrBare } from './plan-rules.js';
import { describeCap, resolveSendAt, type FrequencyCap } from './preferences/index.js';
import type { TemplateDefinition } from './templates/index.js';

/** Digest events kept per digest; the count goes on beyond it. */
const DIGEST_EVENTS_MAX = 100;

/** What planning a notification needs besides the recipient; read once per page or job. */
export interface PlanContext {
  category: CategoryRecord | undefined;
  template: TemplateDefinition | undefined;
}

/** One recipient planned: its row, its channel rows, the jobs that work them. */
export interface Planned {
  recipient: RecipientRecord;
  channels: ChannelDeliveryRecord[];
  jobs: NewJob<NotifyJob>[];
  /** A send that counts against frequency caps: the caller records it in the store's cap-send log. */
  counted: boolean;
}

export interface RecipientPlannerDeps {
  store: NotifyStore;
  directory: NotifyDirectory;
  dispatch: Pick<ChannelDispatch, 'unavailable'>;
  caps: CapReservations;
  notifications: NotificationCache;
  rows: ChannelRows;
  clock: Clock;
  enqueue(jobs: NewJob<NotifyJob>[]): Promise<void>;
}

/**
 * Decides what happens to each recipient of a notification: scheduled to its local send_at,
 * deferred by quiet hours, collected into a digest, or sent on its channels (all, or the first of
 * the fallback order), each channel suppressed by preferences recording why. Works the plan jobs
 * too: a recipient whose send_at, quiet hours or digest window has come is planned again.
 */
export class RecipientPlanner {
  readonly #d: RecipientPlannerDeps;

  constructor(deps: RecipientPlannerDeps) {
    this.#d = deps;
  }

  async context(n: NotificationRecord): Promise<PlanContext> {
    const [category, template] = await Promise.all([
      this.#d.store.getCategory(n.category),
      this.#d.directory.getTemplate(n.template).catch(() => undefined),
    ]);
    return { category, template };
  }

  /**
   * Plans one recipient at `now`; `after` says which wait it comes back from. A send that passes
   * holds its frequency-cap slot when this returns, so the caller must record it (`counted`).
   */
  async plan(n: NotificationRecord, ctx: PlanContext, s: SubscriberRecord, now: number, after: NotifyPlanJob['reason'] | undefined, digest?: DigestPayload): Promise<Planned> {
    const d = this.#d;
    const base = { notificationSeq: n.seq, subscriberId: s.id, createdAt: now, updatedAt: now };
    const end = (state: RecipientState, reason: string, channels: ChannelDeliveryRecord[] = []): Planned => ({ recipient: { ...base, state, reason, plan: [] }, channels, jobs: [], counted: false });
    const wait = (state: RecipientState, reason: string, job: NewJob<NotifyJob>): Planned => ({ recipient: { ...base, state, reason, plan: [] }, channels: [], jobs: [job], counted: false });
    if (n.phase === 'cancelled') return end('cancelled', 'the notification was cancelled');
    if (n.expiresAt !== undefined && n.expiresAt <= now) return end('expired', 'expires_at passed before it could be sent');
    if (!ctx.template) return end('failed', `the template ${n.template} no longer exists`);
    if (!ctx.category) return end('failed', `the category ${n.category} no longer exists`);

    if (n.sendAt !== undefined && after === undefined) {
      const at = resolveSendAt(n.sendAt, s.timezone, now);
      if (at > now + 500) return wait('scheduled', `send_at ${new Date(at).toISOString()}`, planJob(n, s.id, 'send_at', at));
    }

    const category = ctx.category;
    if (category.digestWindowMs !== undefined && after !== 'digest' && after !== 'quiet_hours') {
      const event = { notification_id: n.id, at: new Date(now).toISOString(), ...n.data };
      const { opened, digest: open } = await d.store.addToDigest(s.id, category.name, event, { carrierSeq: n.seq, flushAt: now + category.digestWindowMs });
      if (!opened) {
        const carrier = await d.store.getNotificationBySeq(open.carrierSeq);
        return end('digested', `collected into the digest carried by ${carrier?.id ?? `notification ${open.carrierSeq}`}`);
      }
      return wait('pending', `digest window until ${new Date(open.flushAt).toISOString()}`, planJob(n, s.id, 'digest', open.flushAt));
    }

    const prefs = preferencesOf(s);
    const screening = screenChannels({
      prefs, category: { name: category.name, critical: category.critical }, channels: orderChannels(n, category, prefs, ctx.template), now,
      ...(s.timezone ? { timezone: s.timezone } : {}),
    });
    if (screening.kind === 'defer') return wait('deferred', `quiet hours until ${new Date(screening.until).toISOString()}`, planJob(n, s.id, 'quiet_hours', screening.until));

    let capped: FrequencyCap | undefined;
    let held: HeldReservation | undefined;
    if (screening.verdicts.some((v) => v.pass)) {
      const verdict = await d.caps.admit({
        caps: prefs.frequencyCaps, subscriberId: s.id, category: category.name, critical: category.critical, id: capReservationId(n.id, s.id), now,
      });
      if (verdict.kind === 'capped') capped = verdict.cap;
      else held = verdict.held;
    }
    const rows: ChannelDeliveryRecord[] = [];
    const row = (channel: NotifyChannel, state: ChannelState, reason?: string): ChannelDeliveryRecord => ({
      notificationSeq: n.seq, subscriberId: s.id, channel, state, attempts: 0, createdAt: now, updatedAt: now, ...(reason !== undefined ? { reason } : {}),
    });
    const sendable: NotifyChannel[] = [];
    for (const v of screening.verdicts) {
      if (!v.pass) rows.push(row(v.channel, 'suppressed', v.reason));
      else if (capped) rows.push(row(v.channel, 'suppressed', `frequency_cap: ${describeCap(capped)}`));
      else {
        const missing = d.dispatch.unavailable(v.channel, s) ?? (ctx.template.channels[v.channel] ? undefined : `the template has no ${v.channel} content`);
        if (missing) rows.push(row(v.channel, 'unavailable', missing));
        else sendable.push(v.channel);
      }
    }
    if (sendable.length === 0) {
      // Nothing goes out, so nothing counts against the caps.
      if (held) await d.caps.release(held);
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

  /** A plan job: a recipient whose time has come (its local send_at, the end of quiet hours, a digest flush). */
  async replan(p: NotifyPlanJob): Promise<void> {
    const d = this.#d;
    const n = await d.notifications.get(p.seq);
    const current = n && (await d.store.getRecipient(p.seq, p.subscriber));
    if (!n || !current || !['scheduled', 'deferred', 'pending'].includes(current.state)) return;
    const now = d.clock.now();
    let digest: DigestPayload | undefined;
    if (p.reason === 'digest') {
      const taken = await d.store.takeDigest(p.subscriber, n.category, n.seq);
      if (taken) digest = { events: taken.events.slice(0, DIGEST_EVENTS_MAX), count: taken.events.length };
    }
    const s = subscriberOrBare(p.subscriber, await d.store.getSubscriber(p.subscriber), now);
    const planned = await this.plan(n, await this.context(n), s, now, p.reason, digest);
    for (const c of planned.channels) await d.rows.record(c);
    if (planned.counted) await d.store.recordSend(s.id, n.category, now);
    await d.enqueue(planned.jobs);
    const r = planned.recipient;
    await d.store.updateRecipient(n.seq, s.id, { state: r.state, plan: r.plan, ...(r.reason !== undefined ? { reason: r.reason } : { reason: '' }) }, now);
  }
}
