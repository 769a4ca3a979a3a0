import type { Clock } from '../../ports/clock.js';
import type { EventEndpointStore } from '../../ports/event-endpoint-store.js';
import type { EventPoster } from '../../ports/event-poster.js';
import type { Logger } from '../../ports/logger.js';
import type { Outcome } from '../../ports/provider.js';
import type { Queue, ReservedJob } from '../../ports/queue.js';
import { QueueLoop } from '../push/queue-loop.js';
import { retryAt, type BackoffOptions } from '../retry/backoff.js';
import type { EventEndpointService } from './endpoint-service.js';
import { EVENTS_PARTITION, type EventJob } from './event-publisher.js';

export interface EventDispatcherOptions {
  /** Attempts per message before it is given up (as the publisher queued them). */
  maxAttempts: number;
  backoff: BackoffOptions;
  /** Failed messages in a row after which an endpoint is switched off; 0 never. */
  disableAfter: number;
  /** Messages in flight at once. */
  concurrency: number;
  visibilityMs: number;
  idlePollMs: number;
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
}

/**
 * Sends the messages the {@link EventPublisher} queued, signed, to their endpoints: each is acked
 * only once the endpoint took it or it was given up, so a crash repeats an attempt (same
 * `webhook-id`, which receivers deduplicate on) but never drops one.
 */
export class EventDispatcher {
  readonly #d: EventDispatcherDeps;
  readonly #loop: QueueLoop<EventJob>;

  constructor(deps: EventDispatcherDeps) {
    this.#d = deps;
    const { options } = deps;
    this.#loop = new QueueLoop<EventJob>({
      queue: deps.queue, partition: EVENTS_PARTITION, capacity: options.concurrency, weight: () => 1, typicalWeight: 1, highHeadroom: 0,
      handle: (job) => this.#deliver(job), visibilityMs: options.visibilityMs, idlePollMs: options.idlePollMs, clock: deps.clock, logger: deps.logger,
    });
  }

  /** Messages were queued here: send them now rather than at the next poll. */
  wake(): void {
    this.#loop.wake();
  }

  start(): void {
    this.#loop.start();
  }

  stop(): Promise<void> {
    return this.#loop.stop();
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
      await d.endpoints.settled(endpointId, true, d.options.disableAfter);
      await d.queue.ack(job);
      return;
    }
    const again = retriable(outcome) && job.attempts < d.options.maxAttempts;
    await d.store.addAttempt({ ...attempt, result: again ? 'retrying' : 'failed' });
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
