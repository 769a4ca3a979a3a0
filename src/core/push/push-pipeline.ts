import type { Clock } from '../../ports/clock.js';
import type { DeviceStore } from '../../ports/device-store.js';
import type { Logger } from '../../ports/logger.js';
import type { EncodedPush, PushSender } from '../../ports/push-sender.js';
import type { PushRecord, PushStore } from '../../ports/push-store.js';
import type { PartitionStats, Queue } from '../../ports/queue.js';
import { Deliverer, PartitionState, type DeliveryPolicy } from './deliverer.js';
import { CHUNK_SIZE, parsePartition, partitionOf, ROUTE_PARTITION, routeKey, type PushJob, type SendJob } from './jobs.js';
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
  /** How often queue depth and lag are sampled (for shedding and metrics). */
  sampleMs: number;
}

export interface PipelineDeps {
  store: PushStore;
  devices: DeviceStore;
  queue: Queue<PushJob>;
  senders: SenderRegistry;
  clock: Clock;
  logger: Logger;
  events: PushEvents;
  options: PipelineOptions;
}

/** The last sample of the queue: per-partition counts and the lag of the oldest due job. */
export interface QueueSample {
  at: number;
  partitions: PartitionStats[];
  /** ms the oldest due job has waited, over every partition; 0 when nothing waits. */
  lagMs: number;
}

const CACHE_SIZE = 256;

/**
 * The moving parts of the push gateway: one loop for route jobs, one per provider partition for
 * send jobs, each with its own breaker and pause, so a slow or failing provider only ever holds up
 * itself. Also the caches every job of a broadcast shares (the push, its encoding per sender).
 */
export class PushPipeline {
  readonly #d: PipelineDeps;
  readonly router: Router;
  readonly #deliverer: Deliverer;
  readonly #loops = new Map<string, QueueLoop<PushJob>>();
  readonly #states = new Map<string, PartitionState>();
  readonly #pushes = new Map<number, PushRecord>();
  readonly #encodings = new Map<string, EncodedPush>();
  #sample: QueueSample = { at: 0, partitions: [], lagMs: 0 };
  #sampler: NodeJS.Timeout | undefined;
  #started = false;
  #stopping = false;

  constructor(deps: PipelineDeps) {
    this.#d = deps;
    this.router = new Router({
      store: deps.store, devices: deps.devices, queue: deps.queue, wake: (ps) => this.wake(ps),
      backlog: () => this.#sample.partitions.reduce((n, p) => (p.partition === ROUTE_PARTITION ? n : n + p.ready), 0),
    });
    this.#deliverer = new Deliverer({
      store: deps.store,
      devices: deps.devices,
      queue: deps.queue,
      clock: deps.clock,
      logger: deps.logger,
      events: deps.events,
      policy: deps.options.policy,
      push: (seq) => this.push(seq),
      encoded: (push, sender) => this.#encoded(push, sender),
      wake: (p) => this.wake([p]),
    });
  }

  /** Re-queues routing that a crash interrupted, then starts the loops. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const { store, queue, clock } = this.#d;
    const unrouted = await store.unrouted();
    if (unrouted.length > 0) {
      await queue.enqueue(unrouted.map((p) => ({
        partition: ROUTE_PARTITION, lane: p.lane, runAt: p.sendAt ?? clock.now(), dedupKey: routeKey(p.seq), payload: { kind: 'route', seq: p.seq },
      })));
    }
    this.#loop(ROUTE_PARTITION);
    for (const s of this.#d.senders.all()) this.#loop(partitionOf(s.app, s.provider));
    // Jobs of partitions this process has no loop for yet: apps removed from the config (their
    // deliveries end as failed) or enqueued by another process.
    for (const p of await queue.partitions()) this.#loop(p.partition);
    await this.#takeSample();
    this.#sampler = setInterval(() => void this.#takeSample(), this.#d.options.sampleMs);
    this.#sampler.unref();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#sampler);
    await Promise.all([...this.#loops.values()].map((l) => l.stop()));
  }

  /** Work was enqueued for these partitions. */
  wake(partitions: Iterable<string>): void {
    for (const p of partitions) (this.#loops.get(p) ?? this.#loop(p)).wake();
  }

  /** The push by seq, from the cache when possible; cancellation updates the cached copy. */
  async push(seq: number): Promise<PushRecord | undefined> {
    const cached = this.#pushes.get(seq);
    if (cached) return cached;
    const push = await this.#d.store.bySeq(seq);
    if (push) remember(this.#pushes, seq, push);
    return push;
  }

  forget(seq: number): void {
    this.#pushes.delete(seq);
  }

  get sample(): QueueSample {
    return this.#sample;
  }

  /** Deliveries in flight, per partition. */
  inFlight(): Map<string, number> {
    return new Map([...this.#loops].filter(([p]) => p !== ROUTE_PARTITION).map(([p, l]) => [p, l.inFlight]));
  }

  #encoded(push: PushRecord, sender: PushSender): EncodedPush {
    const key = `${push.seq}:${sender.app}:${sender.provider}`;
    let encoded = this.#encodings.get(key);
    if (!encoded) remember(this.#encodings, key, (encoded = sender.encode(push.content)));
    return encoded;
  }

  #loop(partition: string): QueueLoop<PushJob> {
    const existing = this.#loops.get(partition);
    if (existing) return existing;
    const { queue, clock, logger, options, senders } = this.#d;
    const isRoute = partition === ROUTE_PARTITION;
    const target = isRoute ? undefined : parsePartition(partition);
    const sender = target ? senders.get(target.provider, target.app) : undefined;
    const state = new PartitionState();
    this.#states.set(partition, state);
    const loop = new QueueLoop<PushJob>({
      queue,
      partition,
      capacity: isRoute ? options.routers : options.concurrency,
      typicalWeight: isRoute ? 1 : CHUNK_SIZE,
      highHeadroom: isRoute ? 1 : Math.max(CHUNK_SIZE, Math.ceil(options.concurrency / 4)),
      weight: (job) => (job.payload.kind === 'send' ? (job.payload as SendJob).targets.length : 1),
      handle: async (job) => {
        if (job.payload.kind === 'route') {
          const finished = await this.router.route(job.payload.seq, () => clock.now(), () => this.#stopping);
          // Stopped part-way: hand the job back now rather than after its visibility timeout.
          if (finished) await queue.ack(job);
          else await queue.retry(job, clock.now(), 'server stopped while routing');
          return;
        }
        await this.#deliverer.handle(job, sender, state);
      },
      // Route jobs have no provider to protect.
      ...(isRoute ? {} : { gate: (now: number) => state.gate(now) }),
      visibilityMs: options.visibilityMs,
      idlePollMs: options.idlePollMs,
      clock,
      logger,
    });
    this.#loops.set(partition, loop);
    if (this.#started) loop.start();
    return loop;
  }

  async #takeSample(): Promise<void> {
    const { queue, clock, logger } = this.#d;
    try {
      const now = clock.now();
      const partitions = await queue.stats({ now });
      let oldest = Infinity;
      for (const p of partitions) {
        // Only jobs already due count as lag; scheduled ones are waiting on purpose.
        if (p.ready > 0 && p.oldestWaitingRunAt !== null && p.oldestWaitingRunAt < oldest) oldest = p.oldestWaitingRunAt;
        if (!this.#loops.has(p.partition) && (p.waiting > 0 || p.reserved > 0)) this.#loop(p.partition);
      }
      this.#sample = { at: now, partitions, lagMs: oldest === Infinity ? 0 : Math.max(0, now - oldest) };
    } catch (err) {
      logger.error({ err }, 'queue sample failed');
    }
  }
}

/** Insertion-ordered Map as a small LRU: re-inserting moves a key to the back, the front is evicted. */
function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > CACHE_SIZE) map.delete(map.keys().next().value as K);
}
