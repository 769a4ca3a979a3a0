import type { Clock } from '../../ports/clock.js';
import type { DeviceStore } from '../../ports/device-store.js';
import type { Logger } from '../../ports/logger.js';
import type { Outcome } from '../../ports/provider.js';
import type { EncodedPush, PushSender } from '../../ports/push-sender.js';
import type { ClaimedDelivery, DeliveryResult, PushRecord, PushStore } from '../../ports/push-store.js';
import type { Queue, ReservedJob } from '../../ports/queue.js';
import { isHeraldError } from '../../errors/index.js';
import { retryAt, type BackoffOptions } from '../retry/backoff.js';
import { CircuitBreaker } from '../retry/circuit-breaker.js';
import { sendKeyPrefix, type PushJob, type SendJob } from './jobs.js';
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
  wake(partition: string): void;
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

  constructor(deps: DelivererDeps) {
    this.#d = deps;
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
    const claimed = await d.store.claim(push.seq, payload.targets, job.id, d.clock.now(), payload.replay === true);
    if (claimed.length === 0) {
      await d.queue.ack(job);
      return;
    }
    const now = d.clock.now();
    const early = earlyEnd(push, sender, now);
    if (early) {
      await this.#finish(job, claimed.map((c) => ({ pushSeq: push.seq, target: c.target, provider: c.provider, app: c.app, ...early })), [], now);
      return;
    }

    let encoded: EncodedPush;
    try {
      encoded = d.encoded(push, sender!);
    } catch (err) {
      // Accepted pushes were encoded once already; this only happens if the config changed since.
      const error = isHeraldError(err) ? err.message : 'the push cannot be encoded for this provider';
      await this.#finish(job, claimed.map((c) => ({ pushSeq: push.seq, target: c.target, provider: c.provider, app: c.app, state: 'failed' as const, error })), [], now);
      return;
    }

    const outcomes = await sender!.send(encoded, claimed.map((c) => ({ token: c.token, keys: c.p256dh && c.auth ? { p256dh: c.p256dh, auth: c.auth } : null })));
    const done = d.clock.now();
    this.#judge(state, outcomes, done);
    const dueAt = push.sendAt ?? push.createdAt;
    const results: DeliveryResult[] = [];
    const retries: { result: DeliveryResult; at: number }[] = [];
    const invalid: { deviceId: string; reason: string; since?: number }[] = [];
    const latencyMs = Math.max(0, done - dueAt);
    claimed.forEach((c, i) => {
      const outcome = outcomes[i] ?? { kind: 'retry', reason: 'the sender returned no outcome' };
      // The common case is built directly: a broadcast makes a million of these.
      const result: DeliveryResult = outcome.kind === 'ok'
        ? { pushSeq: push.seq, target: c.target, provider: c.provider, app: c.app, state: 'sent', latencyMs, ...(outcome.providerId ? { providerId: outcome.providerId } : {}) }
        : this.#result({ pushSeq: push.seq, target: c.target, provider: c.provider, app: c.app }, c, outcome, done, dueAt, state);
      if (result.state === 'retrying') retries.push({ result, at: result.nextAt! });
      if (result.state === 'invalid_token' && c.deviceId) {
        invalid.push({ deviceId: c.deviceId, reason: result.error ?? 'invalid token', ...(outcome.kind === 'invalid_token' && outcome.since !== undefined ? { since: outcome.since } : {}) });
      }
      results.push(result);
    });
    if (retries.length > 0) await this.#enqueueRetry(job, push, retries);
    await this.#finish(job, results, invalid, done);
  }

  /** Maps one provider outcome onto the delivery state machine. */
  #result(base: Pick<DeliveryResult, 'pushSeq' | 'target' | 'provider' | 'app'>, c: ClaimedDelivery, outcome: Outcome, now: number, dueAt: number, state: PartitionState): DeliveryResult {
    const { policy } = this.#d;
    const status = 'status' in outcome && outcome.status !== undefined ? { status: outcome.status } : {};
    const error = 'reason' in outcome && outcome.reason !== undefined ? { error: outcome.reason } : {};
    switch (outcome.kind) {
      case 'ok':
        return { ...base, state: 'sent', latencyMs: Math.max(0, now - dueAt), ...(outcome.providerId ? { providerId: outcome.providerId } : {}) };
      case 'invalid_token':
        return { ...base, state: 'invalid_token', ...status, ...error };
      case 'rejected':
        return { ...base, state: 'failed', ...status, ...error };
      case 'throttled':
      case 'retry': {
        if (outcome.kind === 'throttled' && outcome.target === 'credential') {
          // The whole credential is over its limit: every job of the partition waits, not just this one.
          state.pausedUntil = Math.max(state.pausedUntil, now + (outcome.afterMs ?? policy.backoff.baseMs));
        }
        if (c.attempts >= policy.maxAttempts) return { ...base, state: 'dead', ...status, error: error.error ?? `${outcome.kind} after ${c.attempts} attempts` };
        return { ...base, state: 'retrying', nextAt: retryAt(c.attempts, now, outcome.afterMs, policy.backoff), ...status, ...error };
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
    await this.#d.queue.enqueue([{
      partition: job.partition,
      lane: job.lane,
      runAt: at,
      payload: { kind: 'send', seq: push.seq, targets },
      // Keyed by the job that failed: if it crashes after this and runs again, no second retry job appears.
      dedupKey: `${sendKeyPrefix(push.seq)}${job.partition}:${targets[0]}:r${job.id}`,
    }]);
  }

  async #finish(job: ReservedJob<PushJob>, results: DeliveryResult[], invalid: { deviceId: string; reason: string; since?: number }[], now: number): Promise<void> {
    const d = this.#d;
    await d.store.record(results, now);
    for (const i of invalid) {
      await d.devices.markInvalid(i.deviceId, i.reason, now, i.since !== undefined ? { unlessSeenAfter: i.since } : {});
    }
    d.events.recorded(summarize(results));
    await d.queue.ack(job);
  }
}

/** Deliveries that end without a send: the push was withdrawn, has expired, or its app is gone. */
function earlyEnd(push: PushRecord, sender: PushSender | undefined, now: number): Pick<DeliveryResult, 'state' | 'error'> | undefined {
  if (push.phase === 'cancelled') return { state: 'cancelled' };
  if (push.expiresAt !== null && push.expiresAt <= now) return { state: 'expired', error: 'expires_at passed before the push could be sent' };
  if (!sender) return { state: 'failed', error: 'the app of this delivery is not configured' };
  return undefined;
}
