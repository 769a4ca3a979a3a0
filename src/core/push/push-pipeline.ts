import type { Bus } from '../../ports/bus.js';
import type { Clock } from '../../ports/clock.js';
import type { DeviceStore } from '../../ports/device-store.js';
import type { Logger } from '../../ports/logger.js';
import { FailureLog } from '../../util/failure-log.js';
import type { PushRecord, PushStore } from '../../ports/push-store.js';
import type { PushRateLimiter } from '../../ports/push-rate-limiter.js';
import type { PartitionStats, Queue } from '../../ports/queue.js';
import type { DeliveryPolicy } from './deliverer.js';
import { parsePartition, partitionOf, PUSH_QUEUE, ROUTE_PARTITION, routeKey, type PushJob } from './jobs.js';
import { PartitionWorker } from './partition-worker.js';
import type { PushEvents } from './push-events.js';
import { QueueLoop } from './queue-loop.js';
import { Router } from './router.js';
import type { SenderRegistry } from './senders.js';

export interface PipelineOptions {
  policy: DeliveryPolicy;
  /** Deliveries in flight per partition. */
  concurrency: number;
  /** Route jobs worked at once (each walks one push's audience). */
  routers: number;
  visibilityMs: number;
  idlePollMs: number;
  /** How often queue depth and lag are sampled (for shedding, routing pace and metrics). */
  sampleMs: number;
}

/**
 * Partitions worked somewhere else than this thread (delivery threads, one per provider app).
 * The pipeline still routes, samples and wakes them; it works every other partition itself.
 */
export interface DeliveryRunners {
  partitions(): string[];
  start(): Promise<void>;
  wake(partition: string): void;
  /** A push changed (cancelled): drop cached copies of it and stop its sends in flight. */
  forget(seq: number): void;
  inFlight(): Map<string, number>;
  /**
   * As {@link PushPipeline.stop}; resolves with the sends stopped at the deadline. A runner that
   * has still not handed its work back `handBackMs` after the deadline is ended anyway (its
   * reserved jobs come back after their visibility timeout).
   */
  stop(options?: PipelineStopOptions): Promise<number>;
}

export interface PipelineDeps {
  store: PushStore;
  devices: DeviceStore;
  queue: Queue<PushJob>;
  senders: SenderRegistry;
  clock: Clock;
  logger: Logger;
  events: PushEvents;
  /** Carries wake-ups and cancellations to the pipelines of every node (this one included). */
  bus: Bus;
  options: PipelineOptions;
  runners?: DeliveryRunners;
  /** The shared counters behind the rate limits a push may carry, for the partitions worked here. */
  rateLimiter?: PushRateLimiter;
}

export interface PipelineStopOptions {
  /** How long sends in flight may take before they are stopped; unbounded when absent. */
  timeoutMs?: number;
  /** After that, how long a stopped send may take to hand its deliveries back to the queue. */
  handBackMs?: number;
}

/** The last sample of the queue: per-partition counts and the lag of the oldest due job. */
export interface QueueSample {
  at: number;
  partitions: PartitionStats[];
  /** ms the oldest due job has waited, over every partition; 0 when nothing waits. */
  lagMs: number;
}

/**
 * The moving parts of the push gateway: one loop for route jobs, and a worker per provider
 * partition for send jobs (here, or in a delivery thread), each with its own breaker and pause, so
 * a slow or failing provider only ever holds up itself. It also samples the queue for load
 * shedding, routing pace and metrics.
 *
 * Every node runs one, all on the same queue. {@link wake} and {@link forget} go through the bus,
 * so work enqueued on one node is reserved at once by whichever node's worker is idle (not after
 * an idle poll), and a cancel stops the push's sends in flight on every node.
 */
export class PushPipeline {
  readonly #d: PipelineDeps;
  readonly router: Router;
  readonly #routeLoop: QueueLoop<PushJob>;
  readonly #workers = new Map<string, PartitionWorker>();
  #sample: QueueSample = { at: 0, partitions: [], lagMs: 0 };
  #sampler: NodeJS.Timeout | undefined;
  #started = false;
  #stopping = false;
  #enqueuedSinceSample = 0;
  #sampling: Promise<void> | undefined;
  /** performance.now() of the last sample, which the (possibly fake) clock cannot tell. */
  #sampledAt = 0;
  readonly #unsubscribe: (() => void)[];

  readonly #sampleFailures: FailureLog;

  constructor(deps: PipelineDeps) {
    this.#d = deps;
    this.#sampleFailures = new FailureLog(deps.logger, 'queue sample failed');
    this.#unsubscribe = [
      deps.bus.subscribe('queue.wake', ({ queue, partitions }) => {
        if (queue === PUSH_QUEUE) this.#wakeHere(partitions);
      }),
      deps.bus.subscribe('push.cancelled', ({ seq }) => this.#forgetHere(seq)),
    ];
    this.router = new Router({
      store: deps.store, devices: deps.devices, queue: deps.queue, wake: (ps) => this.wake(ps),
      // The sample is up to sampleMs old: jobs enqueued since count too, or routing would run
      // far ahead in bursts between two samples.
      backlog: () => this.#enqueuedSinceSample + this.#sample.partitions.reduce((n, p) => (p.partition === ROUTE_PARTITION ? n : n + p.ready), 0),
      enqueued: (n) => (this.#enqueuedSinceSample += n),
      refreshBacklog: () => this.#freshSample(),
    });
    const { queue, clock, logger, options } = deps;
    this.#routeLoop = new QueueLoop<PushJob>({
      queue,
      partition: ROUTE_PARTITION,
      capacity: options.routers,
      typicalWeight: 1,
      highHeadroom: 1,
      weight: () => 1,
      handle: async (job) => {
        if (job.payload.kind !== 'route') {
          await queue.deadLetter(job, 'a send job in the route partition');
          return;
        }
        const finished = await this.router.route(job.payload.seq, () => clock.now(), () => this.#stopping);
        // Stopped part-way: hand the job back now rather than after its visibility timeout.
        if (finished) await queue.ack(job);
        else await queue.retry(job, clock.now(), 'server stopped while routing');
      },
      visibilityMs: options.visibilityMs,
      idlePollMs: options.idlePollMs,
      clock,
      logger,
    });
  }

  /** Re-queues routing that a crash interrupted, then starts the loops. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const { store, queue, clock, runners, senders } = this.#d;
    const unrouted = await store.unrouted();
    if (unrouted.length > 0) {
      await queue.enqueue(unrouted.map((p) => ({
        partition: ROUTE_PARTITION, lane: p.lane, runAt: p.sendAt ?? clock.now(), dedupKey: routeKey(p.seq), payload: { kind: 'route', seq: p.seq },
      })));
    }
    this.#routeLoop.start();
    await runners?.start();
    for (const s of senders.all()) this.#worker(partitionOf(s.app, s.provider));
    // Jobs of partitions nobody works yet: apps removed from the config (their deliveries end as
    // failed) or enqueued by another process.
    for (const p of await queue.partitions()) this.#worker(p.partition);
    await this.#takeSample();
    this.#sampler = setInterval(() => void this.#takeSample(), this.#d.options.sampleMs);
    this.#sampler.unref();
  }

  /**
   * Stops taking work and waits for the jobs in hand, which ack or retry as usual. With
   * `timeoutMs`, sends still waiting on a provider when it runs out are stopped and their
   * deliveries handed back to the queue (due at once, so a restart sends them first). Resolves
   * with the number of sends so stopped.
   */
  async stop(options: PipelineStopOptions = {}): Promise<number> {
    this.#stopping = true;
    clearInterval(this.#sampler);
    const [, runners, ...workers] = await Promise.all([
      this.#routeLoop.stop(),
      this.#d.runners?.stop(options) ?? 0,
      ...[...this.#workers.values()].map((w) => w.stop(options)),
    ]);
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    return workers.reduce((a, b) => a + b, runners);
  }

  /**
   * Work was enqueued for these partitions: the workers of every node that serve them reserve at
   * once. This node's are woken before this returns.
   */
  wake(partitions: Iterable<string>): void {
    void this.#d.bus.publish('queue.wake', { queue: PUSH_QUEUE, partitions: [...partitions] });
  }

  /**
   * A push changed (cancelled): the workers of every node read it again, and stop its sends in
   * flight. This node's are told before this returns.
   */
  forget(seq: number): Promise<void> {
    return this.#d.bus.publish('push.cancelled', { seq });
  }

  /** The push by seq (for replays, which need its lane). */
  push(seq: number): Promise<PushRecord | undefined> {
    return this.#d.store.bySeq(seq);
  }

  get sample(): QueueSample {
    return this.#sample;
  }

  /** Deliveries in flight, per partition. */
  inFlight(): Map<string, number> {
    const out = new Map(this.#d.runners?.inFlight() ?? []);
    for (const [p, w] of this.#workers) out.set(p, w.inFlight);
    return out;
  }

  #wakeHere(partitions: readonly string[]): void {
    // Another node's wake can come before this node started: start reserves at once anyway, and a
    // worker made now would not be started by it.
    if (!this.#started) return;
    for (const p of partitions) {
      if (p === ROUTE_PARTITION) this.#routeLoop.wake();
      else if (this.#d.runners?.partitions().includes(p)) this.#d.runners.wake(p);
      else this.#worker(p)?.wake();
    }
  }

  #forgetHere(seq: number): void {
    for (const w of this.#workers.values()) w.forget(seq);
    this.#d.runners?.forget(seq);
  }

  /** The in-process worker of a partition, made on first need; undefined for one a runner owns. */
  #worker(partition: string): PartitionWorker | undefined {
    if (partition === ROUTE_PARTITION || isForeign(partition) || this.#d.runners?.partitions().includes(partition)) return undefined;
    const existing = this.#workers.get(partition);
    if (existing) return existing;
    const { queue, clock, logger, options, senders, store, devices, events, rateLimiter } = this.#d;
    const target = parsePartition(partition);
    const worker = new PartitionWorker({
      partition,
      sender: target ? senders.get(target.provider, target.app) : undefined,
      queue, store, devices, clock, logger, events,
      ...(rateLimiter ? { rateLimiter } : {}),
      options: { policy: options.policy, concurrency: options.concurrency, visibilityMs: options.visibilityMs, idlePollMs: options.idlePollMs },
    });
    this.#workers.set(partition, worker);
    if (this.#started) worker.start();
    return worker;
  }

  /** A new sample unless one was taken in the last few ms (several routers may ask at once). */
  #freshSample(): Promise<void> {
    if (this.#sampling) return this.#sampling;
    if (performance.now() - this.#sampledAt < FRESH_SAMPLE_MS) return Promise.resolve();
    return this.#takeSample();
  }

  #takeSample(): Promise<void> {
    this.#sampling ??= this.#readSample().finally(() => {
      this.#sampling = undefined;
      this.#sampledAt = performance.now();
    });
    return this.#sampling;
  }

  async #readSample(): Promise<void> {
    const { queue, clock } = this.#d;
    try {
      const now = clock.now();
      const enqueuedBefore = this.#enqueuedSinceSample;
      // The notify face shares the queue file; its partitions are its own business (and its lag).
      const partitions = (await queue.stats({ now })).filter((p) => !isForeign(p.partition));
      let oldest = Infinity;
      for (const p of partitions) {
        // Only jobs already due count as lag; scheduled ones are waiting on purpose.
        if (p.ready > 0 && p.oldestWaitingRunAt !== null && p.oldestWaitingRunAt < oldest) oldest = p.oldestWaitingRunAt;
        if (p.waiting > 0 || p.reserved > 0) this.#worker(p.partition);
      }
      this.#sample = { at: now, partitions, lagMs: oldest === Infinity ? 0 : Math.max(0, now - oldest) };
      this.#enqueuedSinceSample -= enqueuedBefore;
      this.#sampleFailures.succeeded();
    } catch (err) {
      this.#sampleFailures.failed(err);
    }
  }
}

/** Routing that waits for the workers reads the queue at most this often. */
const FRESH_SAMPLE_MS = 5;

/** Partitions of the notify face, which shares the queue: never worked, sampled or shed here. */
export const NOTIFY_PARTITION_PREFIX = 'notify:';

/** Partitions of the event webhooks (src/core/events), which share the queue likewise. */
export const EVENTS_PARTITION_PREFIX = 'events:';

function isForeign(partition: string): boolean {
  return partition.startsWith(NOTIFY_PARTITION_PREFIX) || partition.startsWith(EVENTS_PARTITION_PREFIX);
}
