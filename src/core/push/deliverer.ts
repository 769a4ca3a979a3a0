import type { Clock } from '../../ports/clock.js';
import type { DeviceStore } from '../../ports/device-store.js';
import type { Logger } from '../../ports/logger.js';
import type { Outcome } from '../../ports/provider.js';
import { SEND_ABORTED, type EncodedPush, type PushSender, type PushTarget } from '../../ports/push-sender.js';
import type { ClaimedDelivery, DeliveryResult, PushRecord, PushStore } from '../../ports/push-store.js';
import type { PushRateLimiter } from '../../ports/push-rate-limiter.js';
import type { Queue, ReservedJob } from '../../ports/queue.js';
import { isHeraldError } from '../../errors/index.js';
import { retryAt, type BackoffOptions } from '../retry/backoff.js';
import { CircuitBreaker } from '../retry/circuit-breaker.js';
import { DeliveryGates } from './delivery-gates.js';
import { stopCause, type InFlightSends, type StopCause } from './in-flight-sends.js';
import { sendKeyPrefix, type PushJob, type SendJob } from './jobs.js';
import { Personalizer, sendPrepared, type PersonalizedSend } from './personalize.js';
import { summarize, type PushEvents } from './push-events.js';

export interface DeliveryPolicy {
  /** Attempts per delivery before it is dead. */
  maxAttempts: number;
  backoff: BackoffOptions;
}

/** What a partition remembers between jobs: its breaker, and a pause a provider asked for. */
export class PartitionState {
  readonly breaker = new CircuitBreaker({ failureThreshold: 5, cooldownMs: 10_000 });
  pausedUntil = 0;

  gate(now: number): { open: true } | { open: false; untilMs: number } {
    if (now < this.pausedUntil) return { open: false, untilMs: this.pausedUntil };
    if (!this.breaker.allow(now)) return { open: false, untilMs: now + 1000 };
    return { open: true };
  }
}

export interface DelivererDeps {
  store: PushStore;
  devices: DeviceStore;
  queue: Queue<PushJob>;
  clock: Clock;
  logger: Logger;
  events: PushEvents;
  policy: DeliveryPolicy;
  /** Pushes by seq, cached: every job of a broadcast reads the same one. */
  push(seq: number): Promise<PushRecord | undefined>;
  /** A push encoded for one sender, cached per (push, sender). */
  encoded(push: PushRecord, sender: PushSender): EncodedPush;
  /** The attempts in flight, so a cancel or a shutdown can stop them. */
  sends: InFlightSends;
  wake(partition: string): void;
  /** The shared counters behind the rate limits a push may carry; without it they are not enforced. */
  rateLimiter?: PushRateLimiter;
}

/**
 * Works send jobs: claims the job's deliveries in the ledger, sends them, records every outcome,
 * and only then acks. The order of writes is what makes a crash cost at most a repeat:
 * retry jobs are enqueued before the outcomes that point at them are recorded, and outcomes are
 * recorded before the job is acked, so whatever dies in between leaves a job that re-claims
 * exactly the deliveries still open.
 */
export class Deliverer {
  readonly #d: DelivererDeps;
  readonly #gates: DeliveryGates;
  readonly #personalizer = new Personalizer();

  constructor(deps: DelivererDeps) {
    this.#d = deps;
    this.#gates = new DeliveryGates({ ...deps, ...(deps.rateLimiter ? { limiter: deps.rateLimiter } : {}) });
  }

  async handle(job: ReservedJob<PushJob>, sender: PushSender | undefined, state: PartitionState): Promise<void> {
    const d = this.#d;
    const payload = job.payload as SendJob;
    const push = await d.push(payload.seq);
    if (!push) {
      // Pruned by retention: nothing left to deliver or to record.
      await d.queue.ack(job);
      return;
    }
    // Registered before the claim: a cancel from here on reaches this attempt.
    const control = d.sends.begin(push.seq);
    try {
      await this.#attempt(job, payload, push, sender, state, control);
    } finally {
      d.sends.end(push.seq, control);
    }
  }

  async #attempt(job: ReservedJob<PushJob>, payload: SendJob, push: PushRecord, sender: PushSender | undefined, state: PartitionState, control: AbortController): Promise<void> {
    const d = this.#d;
    const signal = control.signal;
    let claimed = await d.store.claim(push.seq, payload.targets, job.id, d.clock.now(), payload.replay === true);
    if (claimed.length === 0) {
      await d.queue.ack(job);
      return;
    }
    const now = d.clock.now();
    const early = earlyEnd(push, sender, now, signal);
    if (early) {
      await this.#finish(job, push, claimed.map((c) => ({ pushSeq: push.seq, target: c.target, provider: c.provider, app: c.app, ...early })), [], now);
      return;
    }
    // Time windows and rate limits (delivery-gates.ts): deliveries held back or dropped are settled there.
    if (push.content.limits) claimed = await this.#gates.admit(job, push, claimed, now);
    if (claimed.length === 0) return void (await d.queue.ack(job));

    // A templated push is rendered per device, so its devices are read first (a store error retries the job).
    const devices = await this.#personalizer.devicesFor(push.content, d.devices, claimed);
    let encoded: EncodedPush | PersonalizedSend;
    try {
      encoded = devices ? this.#personalizer.prepare(push.content, sender!, claimed, devices) : d.encoded(push, sender!);
    } catch (err) {
      // Accepted pushes were encoded once already; this only happens if the config changed since.
      const error = isHeraldError(err) ? err.message : 'the push cannot be encoded for this provider';
      await this.#finish(job, push, claimed.map((c) => ({ pushSeq: push.seq, target: c.target, provider: c.provider, app: c.app, state: 'failed' as const, error })), [], now);
      return;
    }

    const targets = new Array<PushTarget>(claimed.length);
    for (let i = 0; i < claimed.length; i++) {
      const c = claimed[i]!;
      const target: PushTarget = { token: c.token, keys: c.p256dh && c.auth ? { p256dh: c.p256dh, auth: c.auth } : null };
      if (c.kind) target.kind = c.kind;
      targets[i] = target;
    }
    // A push must not go out after its expiry, however long the provider keeps the request waiting.
    const expiry = push.expiresAt === null ? undefined : setTimeout(() => signal.aborted || control.abort('expired' satisfies StopCause), Math.max(0, push.expiresAt - now));
    expiry?.unref();
    let outcomes: Outcome[];
    try {
      outcomes = signal.aborted ? targets.map(() => ({ kind: 'retry', reason: SEND_ABORTED })) : await sendPrepared(sender!, encoded, targets, signal);
    } finally {
      clearTimeout(expiry);
    }
    const done = d.clock.now();
    const stop = stopCause(signal);
    if (!stop) this.#judge(state, outcomes, done);
    // Behind delivery gates a push waits on purpose: its latency counts from when this job was due.
    const dueAt = Math.max(push.sendAt ?? push.createdAt, push.content.limits ? job.runAt : 0);
    const results: DeliveryResult[] = [];
    const retries: { result: DeliveryResult; at: number }[] = [];
    const invalid: { deviceId: string; reason: string; since?: number }[] = [];
    // A replay's latency would be the time it spent in the dead letters, not the provider's.
    const latencyMs = payload.replay ? undefined : Math.max(0, done - dueAt);
    for (let i = 0; i < claimed.length; i++) {
      const c = claimed[i]!;
      const outcome = outcomes[i] ?? { kind: 'retry', reason: 'the sender returned no outcome' };
      let result: DeliveryResult;
      if (outcome.kind === 'ok') {
        // The common case is built directly, without spreads: a broadcast makes a million of these.
        result = { pushSeq: push.seq, target: c.target, provider: c.provider, app: c.app, state: 'sent', attempt: 'ok', attempts: c.attempts };
        if (latencyMs !== undefined) result.latencyMs = latencyMs;
        if (outcome.providerId) result.providerId = outcome.providerId;
      } else {
        result = this.#result({ pushSeq: push.seq, target: c.target, provider: c.provider, app: c.app, attempts: c.attempts }, c, outcome, done, push, state, stop);
      }
      if (result.state === 'retrying') retries.push({ result, at: result.nextAt! });
      if (result.state === 'invalid_token' && c.deviceId) {
        invalid.push({ deviceId: c.deviceId, reason: result.error ?? 'invalid token', ...(outcome.kind === 'invalid_token' && outcome.since !== undefined ? { since: outcome.since } : {}) });
      }
      results.push(result);
    }
    if (retries.length > 0) await this.#enqueueRetry(job, push, retries);
    await this.#finish(job, push, results, invalid, done);
  }

  /** Maps one provider outcome onto the delivery state machine. */
  #result(base: Pick<DeliveryResult, 'pushSeq' | 'target' | 'provider' | 'app' | 'attempts'>, c: ClaimedDelivery, outcome: Outcome, now: number, push: PushRecord, state: PartitionState, stop: StopCause | undefined): DeliveryResult {
    const { policy } = this.#d;
    // A send stopped before it reached anyone is no attempt, and its 'aborted' is no error to keep.
    const unsent = stop !== undefined && outcome.kind === 'retry' && outcome.status === undefined;
    const status = 'status' in outcome && outcome.status !== undefined ? { status: outcome.status } : {};
    const error = !unsent && 'reason' in outcome && outcome.reason !== undefined ? { error: outcome.reason } : {};
    const attempt = unsent ? {} : { attempt: outcome.kind };
    switch (outcome.kind) {
      case 'ok':
        return { ...base, state: 'sent', ...attempt, ...(outcome.providerId ? { providerId: outcome.providerId } : {}) };
      case 'invalid_token':
        // A topic or condition has no device token to prune: the provider refused the send, which is a failure.
        if (c.kind) return { ...base, state: 'failed', ...(unsent ? {} : { attempt: 'rejected' as const }), ...status, ...error };
        return { ...base, state: 'invalid_token', ...attempt, ...status, ...error };
      case 'rejected':
        return { ...base, state: 'failed', ...attempt, ...status, ...error };
      case 'throttled':
      case 'retry': {
        if (outcome.kind === 'throttled' && outcome.target === 'credential') {
          // The whole credential is over its limit: every job of the partition waits, not just this one.
          state.pausedUntil = Math.max(state.pausedUntil, now + (outcome.afterMs ?? policy.backoff.baseMs));
        }
        // Cancelled or expired meanwhile: there is no next attempt.
        if (stop === 'cancelled') return { ...base, state: 'cancelled', ...attempt, ...status, ...error };
        if (stop === 'expired' || (push.expiresAt !== null && push.expiresAt <= now)) return { ...base, state: 'expired', ...attempt, ...status, error: expiredError(error.error) };
        // Shutdown cut it short: back to the queue, due at once, and never the reason a delivery dies.
        if (stop === 'stopping') return { ...base, state: 'retrying', nextAt: now, ...attempt, ...status, error: `server stopped before an answer${error.error ? ` (${error.error})` : ''}` };
        if (c.attempts >= policy.maxAttempts) return { ...base, state: 'dead', ...attempt, ...status, error: error.error ?? `${outcome.kind} after ${c.attempts} attempts` };
        const nextAt = retryAt(c.attempts, now, outcome.afterMs, policy.backoff);
        if (push.expiresAt !== null && nextAt >= push.expiresAt) return { ...base, state: 'expired', ...attempt, ...status, error: expiredError(error.error) };
        return { ...base, state: 'retrying', nextAt, ...attempt, ...status, ...error };
      }
    }
  }

  /** A chunk where nothing got through counts against the provider; a single success clears it. */
  #judge(state: PartitionState, outcomes: readonly Outcome[], now: number): void {
    if (outcomes.some((o) => o.kind === 'ok' || o.kind === 'invalid_token' || o.kind === 'rejected')) state.breaker.success(now);
    else if (outcomes.length > 0 && outcomes.every((o) => o.kind === 'retry')) state.breaker.failure(now);
  }

  /** One retry job for the chunk, due when its latest member is: the deliveries wait together. */
  async #enqueueRetry(job: ReservedJob<PushJob>, push: PushRecord, retries: { result: DeliveryResult; at: number }[]): Promise<void> {
    const at = Math.max(...retries.map((r) => r.at));
    for (const r of retries) r.result.nextAt = at;
    const targets = retries.map((r) => r.result.target);
    const replay = (job.payload as SendJob).replay;
    await this.#d.queue.enqueue([{
      partition: job.partition,
      lane: job.lane,
      runAt: at,
      // A replay's retries stay marked as one: their latency is not the provider's either.
      payload: { kind: 'send', seq: push.seq, targets, ...(replay ? { replay } : {}) },
      // Keyed by the job that failed: if it crashes after this and runs again, no second retry job appears.
      dedupKey: `${sendKeyPrefix(push.seq)}${job.partition}:${targets[0]}:r${job.id}`,
    }]);
  }

  async #finish(job: ReservedJob<PushJob>, push: PushRecord, results: DeliveryResult[], invalid: { deviceId: string; reason: string; since?: number }[], now: number): Promise<void> {
    const d = this.#d;
    if (d.events.recording) await d.events.recording(push, results, now);
    await d.store.record(results, now);
    // Only devices that really became invalid are reported: one registered again since its token
    // died (or gone meanwhile) stays as it is, and nobody should hear it was invalidated.
    const invalidated: { deviceId: string; reason: string }[] = [];
    for (const i of invalid) {
      if (await d.devices.markInvalid(i.deviceId, i.reason, now, i.since !== undefined ? { unlessSeenAfter: i.since } : {})) invalidated.push(i);
    }
    d.events.recorded(summarize(results));
    if (d.events.outcomes) await d.events.outcomes(push, results, invalidated, now);
    await d.queue.ack(job);
  }
}

/** Deliveries that end without a send: the push was withdrawn, has expired, or its app is gone. */
function earlyEnd(push: PushRecord, sender: PushSender | undefined, now: number, signal: AbortSignal): Pick<DeliveryResult, 'state' | 'error'> | undefined {
  if (push.phase === 'cancelled' || stopCause(signal) === 'cancelled') return { state: 'cancelled' };
  if (push.expiresAt !== null && push.expiresAt <= now) return { state: 'expired', error: expiredError(undefined) };
  if (!sender) return { state: 'failed', error: 'the app of this delivery is not configured' };
  return undefined;
}

function expiredError(lastError: string | undefined): string {
  return `expires_at passed before the push could be sent${lastError ? ` (last attempt: ${lastError})` : ''}`;
}
