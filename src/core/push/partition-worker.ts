import type { Clock } from '../../ports/clock.js';
import type { DeviceStore } from '../../ports/device-store.js';
import type { Logger } from '../../ports/logger.js';
import type { EncodedPush, PushSender } from '../../ports/push-sender.js';
import type { PushRecord, PushStore } from '../../ports/push-store.js';
import type { PushRateLimiter } from '../../ports/push-rate-limiter.js';
import type { Queue } from '../../ports/queue.js';
import { Deliverer, PartitionState, type DeliveryPolicy } from './deliverer.js';
import { InFlightSends } from './in-flight-sends.js';
import { CHUNK_SIZE, type PushJob, type SendJob } from './jobs.js';
import type { PushEvents } from './push-events.js';
import { QueueLoop } from './queue-loop.js';

export interface PartitionWorkerOptions {
  policy: DeliveryPolicy;
  /** Deliveries in flight. */
  concurrency: number;
  visibilityMs: number;
  idlePollMs: number;
}

export interface PartitionWorkerDeps {
  /** `<app>:<provider>`. */
  partition: string;
  /** Undefined for an app no longer configured: its deliveries end as failed. */
  sender: PushSender | undefined;
  queue: Queue<PushJob>;
  store: PushStore;
  devices: DeviceStore;
  clock: Clock;
  logger: Logger;
  events: PushEvents;
  options: PartitionWorkerOptions;
  /** Behind the rate limits a push may carry (delivery-gates.ts). */
  rateLimiter?: PushRateLimiter;
}

const CACHE_SIZE = 256;

/**
 * Everything that works the send jobs of one partition (one provider app): its queue loop, its
 * breaker and pause, and the caches every job of a broadcast shares (the push, and its encoding).
 * It runs wherever it is built — on the main thread, or in a delivery thread of its own — and
 * needs nothing but its ports.
 */
export class PartitionWorker {
  readonly #d: PartitionWorkerDeps;
  readonly #loop: QueueLoop<PushJob>;
  readonly #pushes = new Map<number, PushRecord>();
  readonly #encodings = new Map<number, EncodedPush>();
  readonly #sends = new InFlightSends();

  constructor(deps: PartitionWorkerDeps) {
    this.#d = deps;
    const state = new PartitionState();
    const deliverer = new Deliverer({
      store: deps.store,
      devices: deps.devices,
      queue: deps.queue,
      clock: deps.clock,
      logger: deps.logger,
      events: deps.events,
      policy: deps.options.policy,
      push: (seq) => this.#push(seq),
      encoded: (push, sender) => this.#encoded(push, sender),
      sends: this.#sends,
      wake: () => this.wake(),
      ...(deps.rateLimiter ? { rateLimiter: deps.rateLimiter } : {}),
    });
    const { options } = deps;
    this.#loop = new QueueLoop<PushJob>({
      queue: deps.queue,
      partition: deps.partition,
      capacity: options.concurrency,
      typicalWeight: CHUNK_SIZE,
      // A partition full of a broadcast still takes high work at once, on a budget of its own.
      highHeadroom: Math.max(CHUNK_SIZE, Math.ceil(options.concurrency / 4)),
      weight: (job) => (job.payload.kind === 'send' ? (job.payload as SendJob).targets.length : 1),
      handle: (job) => deliverer.handle(job, deps.sender, state),
      gate: (now) => state.gate(now),
      visibilityMs: options.visibilityMs,
      idlePollMs: options.idlePollMs,
      clock: deps.clock,
      logger: deps.logger,
    });
  }

  get partition(): string {
    return this.#d.partition;
  }

  get inFlight(): number {
    return this.#loop.inFlight;
  }

  start(): void {
    this.#loop.start();
  }

  /** Jobs of this partition were enqueued. */
  wake(): void {
    this.#loop.wake();
  }

  /** The push changed (cancelled): read it again on its next job, and stop its sends in flight. */
  forget(seq: number): void {
    this.#pushes.delete(seq);
    this.#encodings.delete(seq);
    this.#sends.cancel(seq);
  }

  /**
   * Stops taking jobs and waits for the ones in hand. With `timeoutMs`, sends still in flight when
   * it runs out are stopped and the sender closed, so a provider that never answers cannot hold
   * the shutdown: their deliveries are handed back to the queue, due at once. Resolves with the
   * number of sends so stopped.
   */
  async stop(options: { timeoutMs?: number } = {}): Promise<number> {
    let stopped = 0;
    const deadline = options.timeoutMs === undefined ? undefined : setTimeout(() => {
      stopped = this.#sends.stopAll();
      void this.#d.sender?.close();
    }, options.timeoutMs);
    try {
      await this.#loop.stop();
    } finally {
      clearTimeout(deadline);
    }
    return stopped;
  }

  async #push(seq: number): Promise<PushRecord | undefined> {
    const cached = this.#pushes.get(seq);
    if (cached) return cached;
    const push = await this.#d.store.bySeq(seq);
    if (push) remember(this.#pushes, seq, push);
    return push;
  }

  #encoded(push: PushRecord, sender: PushSender): EncodedPush {
    let encoded = this.#encodings.get(push.seq);
    if (!encoded) remember(this.#encodings, push.seq, (encoded = sender.encode(push.content)));
    return encoded;
  }
}

/** Insertion-ordered Map as a small LRU: re-inserting moves a key to the back, the front is evicted. */
function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > CACHE_SIZE) map.delete(map.keys().next().value as K);
}
