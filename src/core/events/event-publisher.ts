import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { Queue } from '../../ports/queue.js';
import { FailureLog } from '../../util/failure-log.js';
import { randomId } from '../../util/ids.js';
import { EVENTS_PARTITION_PREFIX } from '../push/push-pipeline.js';
import type { EventEndpointService } from './endpoint-service.js';

/**
 * The partition an endpoint's messages wait in: one per endpoint, so a slow or dead receiver
 * holds up only its own messages. The prefix keeps the push pipeline off them.
 */
export function eventPartition(endpointId: string): string {
  return `${EVENTS_PARTITION_PREFIX}${endpointId}`;
}

/** The endpoint id of an event partition; undefined for any other partition. */
export function endpointOfPartition(partition: string): string | undefined {
  return partition.startsWith(EVENTS_PARTITION_PREFIX) ? partition.slice(EVENTS_PARTITION_PREFIX.length) : undefined;
}

/** Every message of an endpoint carries a dedup key under this prefix, so deleting the endpoint can cancel what still waits. */
export function eventKeyPrefix(endpointId: string): string {
  return `${EVENTS_PARTITION_PREFIX}${endpointId}:`;
}

/** One message to one endpoint. The body is built once, when the event happens, and signed per attempt. */
export interface EventJob {
  endpoint: string;
  /** The `webhook-id`. */
  id: string;
  type: string;
  body: string;
}

/** An event as its source reports it; `id` (the `webhook-id`) for one that may be reported again, else a fresh one. */
export interface NewEvent {
  type: string;
  data: Record<string, unknown>;
  id?: string;
}

export interface EventPublisherDeps {
  endpoints: Pick<EventEndpointService, 'wants' | 'subscribers' | 'listening'>;
  queue: Queue<EventJob>;
  clock: Clock;
  logger: Logger;
  /** Attempts each message gets (the queue's maxAttempts). */
  maxAttempts: number;
  /** Messages were queued in these partitions: wake whoever sends them. */
  queued?(partitions: string[]): void;
}

/**
 * Turns events into queued messages, one per subscribing endpoint. Runs wherever events happen
 * (the main thread, a delivery thread); the {@link EventDispatcher} sends what it queues.
 */
export class EventPublisher {
  readonly #d: EventPublisherDeps;
  readonly #failures: FailureLog;

  constructor(deps: EventPublisherDeps) {
    this.#d = deps;
    this.#failures = new FailureLog(deps.logger, 'event webhooks: could not queue an event');
  }

  /** Whether any enabled endpoint listens at all: with none, event sources skip their work entirely. */
  get listening(): boolean {
    return this.#d.endpoints.listening;
  }

  /** Whether any endpoint listens to `type`; ask before building an event's data. */
  wants(type: string): boolean {
    return this.#d.endpoints.wants(type);
  }

  /**
   * Queues each event for every endpoint that subscribes; resolves once they are durable. Never
   * rejects: a failure to queue is logged, since the event's source (a delivery being recorded)
   * must not fail for it.
   */
  async emit(events: readonly NewEvent[]): Promise<void> {
    try {
      await this.queue(events);
    } catch {
      // Logged by queue.
    }
  }

  /**
   * Like {@link emit}, but rejects when the messages could not be queued: for a source that must
   * not go on without them (and retries). An event with an `id` of its own is queued once per
   * endpoint while its message waits (the dedup key), and a repeat after that carries the same
   * `webhook-id`, which receivers deduplicate on.
   */
  async queue(events: readonly NewEvent[]): Promise<void> {
    const d = this.#d;
    const jobs = [];
    const timestamp = new Date(d.clock.now()).toISOString();
    for (const event of events) {
      const subscribers = d.endpoints.subscribers(event.type);
      if (subscribers.length === 0) continue;
      // One id per event, shared by its endpoints: a receiver behind two endpoints sees one message.
      const id = event.id ?? `msg_${randomId(24)}`;
      const body = JSON.stringify({ type: event.type, timestamp, data: event.data });
      for (const e of subscribers) {
        jobs.push({ partition: eventPartition(e.id), maxAttempts: d.maxAttempts, dedupKey: `${eventKeyPrefix(e.id)}${id}`, payload: { endpoint: e.id, id, type: event.type, body } });
      }
    }
    if (jobs.length === 0) return;
    try {
      await d.queue.enqueue(jobs);
    } catch (err) {
      this.#failures.failed(err);
      throw err;
    }
    this.#failures.succeeded();
    d.queued?.([...new Set(jobs.map((j) => j.partition))]);
  }
}
