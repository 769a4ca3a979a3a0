import type { Clock } from '../../ports/clock.js';
import type { EventEndpointStore } from '../../ports/event-endpoint-store.js';
import type { EventPoster } from '../../ports/event-poster.js';
import type { Logger } from '../../ports/logger.js';
import type { Outcome } from '../../ports/provider.js';
import type { Queue, ReservedJob } from '../../ports/queue.js';
import { QueueLoop } from '../push/queue-loop.js';
import { retryAt, type BackoffOptions } from '../retry/backoff.js';
import type { EventEndpointService } from './endpoint-service.js';
import { endpointOfPartition, eventKeyPrefix, eventPartition, type EventJob } from './event-publisher.js';

export interface EventDispatcherOptions {
  /** Attempts per message before it is given up (as the publisher queued them). */
  maxAttempts: number;
  backoff: BackoffOptions;
  /** Failed messages in a row after which an endpoint is switched off; 0 never. */
  disableAfter: number;
  /** Messages in flight at once, per endpoint. */
  concurrency: number;
  visibilityMs: number;
  idlePollMs: number;
}

/** A finished attempt's result, as the attempt history records it. */
export type EventAttemptResult = 'succeeded' | 'retrying' | 'failed';

/** Messages waiting in the event partitions, all endpoints together. */
export interface EventBacklog {
  /** Due now, not being sent. */
  ready: number;
  /** Waiting for a retry that is not due yet. */
  scheduled: number;
  /** Being sent right now. */
  reserved: number;
  /** How long the oldest due message has waited; 0 when none is due. */
  lagMs: number;
}

/** What the dispatcher reports for the metrics. */
export interface EventDispatcherMetrics {
  attempted(result: EventAttemptResult): void;
}

export interface EventDispatcherDeps {
  endpoints: EventEndpointService;
  /** The attempt history (written per attempt). */
  store: Pick<EventEndpointStore, 'addAttempt'>;
  queue: Queue<EventJob>;
  poster: EventPoster;
  clock: Clock;
  logger: Logger;
  options: EventDispatcherOptions;
  metrics?: EventDispatcherMetrics;
}

/**
 * Sends the messages the {@link EventPublisher} queued, signed, to their endpoints: each is acked
 * only once the endpoint took it or it was given up, so a crash repeats an attempt (same
 * `webhook-id`, which receivers deduplicate on) but never drops one.
 */
export class EventDispatcher {
  readonly #d: EventDispatcherDeps;
  /** One loop per endpoint partition. */
  readonly #loops = new Map<string, QueueLoop<EventJob>>();
  #started = false;
  #stopped = false;

  constructor(deps: EventDispatcherDeps) {
    this.#d = deps;
  }

  /** Messages were queued in these partitions: send them now rather than at the next poll. */
  wake(partitions: readonly string[]): void {
    for (const p of partitions) this.#loop(p)?.wake();
  }

  /** Starts a loop for every endpoint and every partition that still holds messages. */
  async start(): Promise<void> {
    this.#started = true;
    await this.sync();
  }

  /**
   * Matches the loops to the endpoints (after a change, and periodically): a loop for each
   * endpoint and for each event partition with work left; for a deleted endpoint, the messages
   * still waiting are cancelled (one held by an attempt in flight is acked by its handler).
   */
  async sync(): Promise<void> {
    if (!this.#started || this.#stopped) return;
    const d = this.#d;
    const known = new Set(d.endpoints.all().map((e) => e.id));
    for (const id of known) this.#loop(eventPartition(id));
    for (const p of await d.queue.partitions()) {
      const id = endpointOfPartition(p.partition);
      if (id === undefined) continue;
      if (known.has(id)) continue;
      await d.queue.cancel({ dedupKeyPrefix: eventKeyPrefix(id) });
      // Its loop acks the jobs that were reserved when the endpoint went, then idles until dropped.
      this.#loop(p.partition);
    }
    for (const [p, loop] of this.#loops) {
      const id = endpointOfPartition(p)!;
      if (known.has(id) || loop.inFlight > 0) continue;
      this.#loops.delete(p);
      void loop.stop();
    }
  }

  /** The messages waiting to go out, read from the queue (for the metrics, when scraped). */
  async backlog(): Promise<EventBacklog> {
    const now = this.#d.clock.now();
    const out: EventBacklog = { ready: 0, scheduled: 0, reserved: 0, lagMs: 0 };
    for (const p of await this.#d.queue.stats({ now })) {
      if (endpointOfPartition(p.partition) === undefined) continue;
      out.ready += p.ready;
      out.scheduled += p.waiting - p.ready;
      out.reserved += p.reserved;
      if (p.ready > 0 && p.oldestWaitingRunAt !== null) out.lagMs = Math.max(out.lagMs, now - p.oldestWaitingRunAt);
    }
    return out;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all([...this.#loops.values()].map((l) => l.stop()));
  }

  #loop(partition: string): QueueLoop<EventJob> | undefined {
    if (!this.#started || this.#stopped || endpointOfPartition(partition) === undefined) return undefined;
    let loop = this.#loops.get(partition);
    if (loop) return loop;
    const d = this.#d;
    const { options } = d;
    loop = new QueueLoop<EventJob>({
      queue: d.queue, partition, capacity: options.concurrency, weight: () => 1, typicalWeight: 1, highHeadroom: 0,
      handle: (job) => this.#deliver(job), visibilityMs: options.visibilityMs, idlePollMs: options.idlePollMs, clock: d.clock, logger: d.logger,
    });
    this.#loops.set(partition, loop);
    loop.start();
    return loop;
  }

  async #deliver(job: ReservedJob<EventJob>): Promise<void> {
    const d = this.#d;
    const { endpoint: endpointId, id, type, body } = job.payload;
    const endpoint = await d.endpoints.cached(endpointId);
    // Deleted or switched off since: the message has nobody to go to.
    if (!endpoint || endpoint.disabledAt !== 0) return void (await d.queue.ack(job));
    const now = d.clock.now();
    const outcome = await d.poster.post({ url: endpoint.url, id, timestamp: Math.floor(now / 1000), body, secrets: d.endpoints.signingSecrets(endpoint, now) });
    const done = d.clock.now();
    const status = 'status' in outcome && outcome.status !== undefined ? { status: outcome.status } : {};
    const error = outcome.kind === 'ok' ? {} : { error: outcome.reason ?? outcome.kind };
    const attempt = { endpointId, messageId: id, type, time: done, attempt: job.attempts, ...status, ...error };
    if (outcome.kind === 'ok') {
      await d.store.addAttempt({ ...attempt, result: 'succeeded' });
      d.metrics?.attempted('succeeded');
      await d.endpoints.settled(endpointId, true, d.options.disableAfter);
      await d.queue.ack(job);
      return;
    }
    const again = retriable(outcome) && job.attempts < d.options.maxAttempts;
    await d.store.addAttempt({ ...attempt, result: again ? 'retrying' : 'failed' });
    d.metrics?.attempted(again ? 'retrying' : 'failed');
    if (again) {
      const afterMs = outcome.kind === 'retry' || outcome.kind === 'throttled' ? outcome.afterMs : undefined;
      await d.queue.retry(job, retryAt(job.attempts, done, afterMs, d.options.backoff), error.error);
      return;
    }
    // 410 Gone is the receiver saying the endpoint is retired (the Standard Webhooks convention).
    if (outcome.kind === 'invalid_token') await d.endpoints.disable(endpointId, `the endpoint answered ${outcome.status ?? 410} Gone`);
    else await d.endpoints.settled(endpointId, false, d.options.disableAfter, error.error);
    // Given up: the attempt history keeps the failure; a dead job nobody replays would only pile up.
    await d.queue.ack(job);
  }
}

function retriable(outcome: Outcome): boolean {
  return outcome.kind === 'retry' || outcome.kind === 'throttled';
}
