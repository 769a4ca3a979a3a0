import type { CapWindow } from '../../ports/counters.js';
import type { DeviceStore } from '../../ports/device-store.js';
import type { PushLimits, RateLimit } from '../../ports/push-sender.js';
import type { PushRateLimiter } from '../../ports/push-rate-limiter.js';
import type { ClaimedDelivery, DeliveryResult, PushRecord, PushStore } from '../../ports/push-store.js';
import type { Queue, ReservedJob } from '../../ports/queue.js';
import { isTimeZone } from '../notify/preferences/zoned-time.js';
import { sendKeyPrefix, type PushJob, type SendJob } from './jobs.js';
import { summarize, type PushEvents } from './push-events.js';
import { windowOpensAt } from './send-window.js';

/**
 * The delivery gates of a push with `limits`: a daily window in each device's local time and rate
 * limits per device or per user. They run after a send job claimed its deliveries and before
 * anything is encoded: a delivery goes now, is held back until a time (it waits as `queued` again,
 * its claim's attempt given back, under a send job due then), or is dropped (`dropped`, for good).
 *
 * Raw tokens have no zone and no user: for a window they are devices without a zone, and a rate key
 * by `device.id` uses their target key.
 */

/** What a gate decided for one delivery. */
export type GateDecision =
  | { kind: 'send' }
  | { kind: 'hold'; until: number; reason: string }
  | { kind: 'drop'; reason: string };

/** What the gates know of a delivery's device; `undefined` fields for a raw token or a device since deleted. */
export interface GateSubject {
  /** The delivery's target key (`dev_…` or `tok_…`). */
  target: string;
  deviceId: string | null;
  timezone: string | null;
  user: string | null;
}

const TEMPLATE_VARIABLE = /\{\{\s*\.device\.(id|user)\s*\}\}/g;
const RATE_KEY_MAX = 200;

/** Why a rate key template is refused, or undefined: only `{{.device.id}}` and `{{.device.user}}` may be used. */
export function rateKeyProblem(template: string): string | undefined {
  if (template.length === 0 || template.length > RATE_KEY_MAX) return `1 to ${RATE_KEY_MAX} characters`;
  const rest = template.replace(TEMPLATE_VARIABLE, '');
  if (rest.includes('{{') || rest.includes('}}')) return 'may only use the variables {{.device.id}} and {{.device.user}}';
  return undefined;
}

/**
 * The key a delivery's rate limit counts under. A device without a user is counted on its own
 * (never with every other user-less device), and the default is the device.
 */
export function rateKey(template: string | undefined, subject: GateSubject): string {
  const id = subject.deviceId ?? subject.target;
  if (template === undefined) return `device:${id}`;
  return `key:${template.replace(TEMPLATE_VARIABLE, (_, name: string) => (name === 'id' ? id : subject.user ?? `\u0000device:${id}`))}`;
}

/** One sliding window per policy, all over one history: a send counts against each. */
export function rateWindows(rate: RateLimit, key: string): CapWindow[] {
  return rate.policies.map((p) => ({ key: `push-rate:${key}`, windowMs: p.intervalMs, limit: p.rate }));
}

/**
 * The time window's decision alone. `now` is inside it: send; a zone (known to Intl) and outside:
 * hold until it opens; no zone: send at once or drop, as the window says.
 */
export function windowDecision(window: NonNullable<PushLimits['window']>, zone: string | null, now: number): GateDecision {
  if (zone === null || !isTimeZone(zone)) {
    return window.noZoneSendNow ? { kind: 'send' } : { kind: 'drop', reason: 'device has no time zone' };
  }
  const opens = windowOpensAt(window, now, zone);
  return opens <= now ? { kind: 'send' } : { kind: 'hold', until: opens, reason: `outside the send window ${window.after}-${window.before} (${zone})` };
}

export interface DeliveryGatesDeps {
  store: PushStore;
  devices: DeviceStore;
  queue: Queue<PushJob>;
  events: PushEvents;
  /** Without one, rate limits are not enforced (only tests build a deliverer so). */
  limiter?: PushRateLimiter;
}

/** Devices per `devices.list` call: the store caps a page at 1000. */
const DEVICE_PAGE = 1000;

export class DeliveryGates {
  readonly #d: DeliveryGatesDeps;

  constructor(deps: DeliveryGatesDeps) {
    this.#d = deps;
  }

  /**
   * Applies the push's limits to a job's claimed deliveries, and returns those that go now. The
   * others are settled here: held ones get a send job due when they may go (enqueued before their
   * results are recorded, like retries), dropped ones end; a hold past `expires_at` ends expired.
   */
  async admit(job: ReservedJob<PushJob>, push: PushRecord, claimed: ClaimedDelivery[], now: number): Promise<ClaimedDelivery[]> {
    const limits = push.content.limits;
    if (!limits || (!limits.window && !limits.rate)) return claimed;
    const decisions = await this.decide(push, limits, await this.#subjects(claimed), now);
    const open: ClaimedDelivery[] = [];
    const settled: DeliveryResult[] = [];
    const held = new Map<number, DeliveryResult[]>();
    claimed.forEach((c, i) => {
      const decision = decisions[i]!;
      const base = { pushSeq: push.seq, target: c.target, provider: c.provider, app: c.app };
      if (decision.kind === 'send') open.push(c);
      else if (decision.kind === 'drop') settled.push({ ...base, state: 'dropped', error: decision.reason });
      else if (push.expiresAt !== null && decision.until >= push.expiresAt) {
        settled.push({ ...base, state: 'expired', error: `expires_at passes before the delivery may go (${decision.reason})` });
      } else {
        const result: DeliveryResult = { ...base, state: 'queued', nextAt: decision.until, error: decision.reason };
        const group = held.get(decision.until);
        if (group) group.push(result);
        else held.set(decision.until, [result]);
      }
    });
    if (held.size > 0) await this.#enqueueHeld(job, push, held);
    const results = [...settled, ...[...held.values()].flat()];
    if (results.length > 0) {
      if (this.#d.events.recording) await this.#d.events.recording(push, results, now);
      await this.#d.store.record(results, now);
      // A hold is no outcome: only what ended counts in the metrics.
      if (settled.length > 0) this.#d.events.recorded(summarize(settled));
      // Held, dropped and expired here are state changes like a send's: event webhooks and the
      // analytics export hear of them before the job is acked.
      if (this.#d.events.outcomes) await this.#d.events.outcomes(push, results, [], now);
    }
    return open;
  }

  /**
   * One decision per subject, in order: the window first (a delivery held for it spends no rate),
   * then the rate limit. Subjects sharing a rate key share one reservation, so a push to a user's
   * three phones counts once against a per-user limit, and a retried delivery never twice.
   */
  async decide(push: PushRecord, limits: PushLimits, subjects: readonly GateSubject[], now: number): Promise<GateDecision[]> {
    const byZone = new Map<string | null, GateDecision>();
    const byKey = new Map<string, Promise<GateDecision>>();
    return Promise.all(subjects.map(async (s) => {
      if (limits.window) {
        let w = byZone.get(s.timezone);
        if (!w) byZone.set(s.timezone, (w = windowDecision(limits.window, s.timezone, now)));
        if (w.kind !== 'send') return w;
      }
      const rate = limits.rate;
      if (!rate || !this.#d.limiter) return { kind: 'send' } as const;
      const key = rateKey(rate.key, s);
      let r = byKey.get(key);
      if (!r) byKey.set(key, (r = this.#reserve(push, rate, key, now)));
      return r;
    }));
  }

  async #reserve(push: PushRecord, rate: RateLimit, key: string, now: number): Promise<GateDecision> {
    // Per push and key: a repeat after a crash or a provider retry finds its slot already taken.
    // The creation time keeps a reused seq (a store started afresh over old counters) apart.
    const id = `${push.seq}.${push.createdAt}`;
    const reservation = await this.#d.limiter!.reserve(id, rateWindows(rate, key), now);
    if (reservation.reserved) return { kind: 'send' };
    if (rate.drop || reservation.retryAt === undefined) return { kind: 'drop', reason: 'rate limited' };
    return { kind: 'hold', until: Math.max(now + 1, reservation.retryAt), reason: 'rate limited' };
  }

  async #subjects(claimed: readonly ClaimedDelivery[]): Promise<GateSubject[]> {
    const ids = [...new Set(claimed.flatMap((c) => (c.deviceId ? [c.deviceId] : [])))];
    const found = new Map<string, { timezone: string | null; user: string | null }>();
    for (let i = 0; i < ids.length; i += DEVICE_PAGE) {
      const page = ids.slice(i, i + DEVICE_PAGE);
      for (const d of (await this.#d.devices.list({ ids: page, limit: page.length })).devices) found.set(d.id, d);
    }
    return claimed.map((c) => {
      const device = c.deviceId ? found.get(c.deviceId) : undefined;
      return { target: c.target, deviceId: c.deviceId, timezone: device?.timezone ?? null, user: device?.user ?? null };
    });
  }

  /** One send job per due time, keyed by the job that held them: a re-run of it adds no second job. */
  async #enqueueHeld(job: ReservedJob<PushJob>, push: PushRecord, held: Map<number, DeliveryResult[]>): Promise<void> {
    const replay = (job.payload as SendJob).replay;
    await this.#d.queue.enqueue([...held].map(([at, results]) => {
      const targets = results.map((r) => r.target);
      return {
        partition: job.partition,
        lane: job.lane,
        runAt: at,
        payload: { kind: 'send' as const, seq: push.seq, targets, ...(replay ? { replay } : {}) },
        dedupKey: `${sendKeyPrefix(push.seq)}${job.partition}:${targets[0]}:h${job.id}`,
      };
    }));
  }
}
