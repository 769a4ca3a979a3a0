/**
 * The main thread's side of the delivery threads (part of the composition root): one worker
 * thread or a few per configured provider app, woken when its jobs are enqueued, started again if
 * it dies (its reserved jobs come back to the queue after their visibility timeout). The threads
 * of one app all take jobs from the app's partition of the queue, whose reservations never hand
 * one job to two of them.
 */
import { Worker } from 'node:worker_threads';
import type { SenderSpec } from '../adapters/providers/sender-factory.js';
import type { DeliveryRunners, PipelineStopOptions } from '../core/push/push-pipeline.js';
import { partitionOf } from '../core/push/jobs.js';
import type { PartitionWorkerOptions } from '../core/push/partition-worker.js';
import type { PushEvents } from '../core/push/push-events.js';
import type { DeliveryEventRow } from '../ports/delivery-event-sink.js';
import type { Logger } from '../ports/logger.js';
import type { PushRateLimiter } from '../ports/push-rate-limiter.js';
import type { DeliveryThreadData, FromDeliveryThread, ToDeliveryThread } from './delivery-thread-messages.js';

const RESTART_DELAY_MS = 1000;
/**
 * Every request in flight holds a stream, its headers and its buffers until its answer comes, so
 * with hundreds in flight V8's default young generation is full of live objects at each scavenge,
 * which copies them and then promotes them to the old generation, to be marked and swept there.
 * A larger one lets most of them die young.
 */
const YOUNG_GENERATION_MB = 96;

interface Thread {
  data: DeliveryThreadData;
  /** 1-based, among its app's threads; in its log lines when the app has more than one. */
  index: number;
  worker: Worker | undefined;
  inFlight: number;
}

/** Most threads `push-threads-per-app: 0` gives an app: past a few, routing on the main thread is the limit. */
const AUTO_MAX_THREADS = 4;

/**
 * Threads per provider app: the configured number, or for 0 the cores but one (kept for the API
 * and routing) shared among the apps, between 1 and {@link AUTO_MAX_THREADS} each.
 */
export function threadsPerApp(configured: number, apps: number, cores: number): number {
  if (configured > 0) return configured;
  return Math.min(AUTO_MAX_THREADS, Math.max(1, Math.floor((cores - 1) / Math.max(1, apps))));
}

/** One thread's part of its app: its share of the connections (one at least); every other setting is the app's. */
function shareOf(spec: SenderSpec, threads: number): SenderSpec {
  if (threads === 1 || (spec.provider !== 'apns' && spec.provider !== 'fcm')) return spec;
  const connections = Math.max(1, Math.ceil((spec.options.connections ?? 1) / threads));
  return spec.provider === 'apns' ? { provider: 'apns', options: { ...spec.options, connections } } : { provider: 'fcm', options: { ...spec.options, connections } };
}

export class DeliveryThreads implements DeliveryRunners {
  /** Each app's threads, by partition. */
  readonly #apps = new Map<string, Thread[]>();
  readonly #logger: Logger;
  readonly #events: PushEvents;
  readonly #rateLimiter: PushRateLimiter | undefined;
  #stopping = false;
  #eventsQueued: ((partitions: string[]) => void) | undefined;
  #exportRows: ((rows: DeliveryEventRow[]) => void) | undefined;

  constructor(specs: readonly SenderSpec[], files: { queueFile: string; databaseFile: string; queueLock: SharedArrayBuffer }, options: PartitionWorkerOptions, perApp: number, logger: Logger, events: PushEvents, rateLimiter?: PushRateLimiter) {
    // The app's deliveries in flight are shared out too, so the app as a whole keeps its limit.
    const threadOptions = { ...options, concurrency: Math.max(1, Math.ceil(options.concurrency / perApp)) };
    for (const spec of specs) {
      const partition = partitionOf(spec.options.app, spec.provider);
      const data: DeliveryThreadData = { partition, spec: shareOf(spec, perApp), ...files, options: threadOptions };
      this.#apps.set(partition, Array.from({ length: perApp }, (_, i): Thread => ({ data, index: i + 1, worker: undefined, inFlight: 0 })));
    }
    this.#logger = logger;
    this.#events = events;
    this.#rateLimiter = rateLimiter;
  }

  /**
   * Threads queue event webhook messages for push outcomes themselves (they record the outcomes);
   * `queued` wakes the dispatcher. Call before start.
   */
  useEventWebhooks(maxAttempts: number, queued: (partitions: string[]) => void): void {
    for (const t of this.#all()) t.data = { ...t.data, events: { maxAttempts } };
    this.#eventsQueued = queued;
  }

  /** Threads report a row per outcome for the analytics export, which `add` takes. Call before start. */
  useAnalyticsExport(add: (rows: DeliveryEventRow[]) => void): void {
    for (const t of this.#all()) t.data = { ...t.data, analyticsExport: true };
    this.#exportRows = add;
  }

  /** Event endpoints changed here: each thread re-reads them at once instead of at its next refresh. */
  eventEndpointsChanged(): void {
    for (const t of this.#all()) this.#post(t, { op: 'event-endpoints-changed' });
  }

  partitions(): string[] {
    return [...this.#apps.keys()];
  }

  async start(): Promise<void> {
    await Promise.all(this.#all().map((t) => this.#spawn(t)));
  }

  /** Every thread of the app: the first to ask takes the new jobs, the others find none left. */
  wake(partition: string): void {
    for (const t of this.#apps.get(partition) ?? []) this.#post(t, { op: 'wake' });
  }

  forget(seq: number): void {
    for (const t of this.#all()) this.#post(t, { op: 'forget', seq });
  }

  inFlight(): Map<string, number> {
    return new Map([...this.#apps].map(([p, threads]) => [p, threads.reduce((n, t) => n + t.inFlight, 0)]));
  }

  /**
   * Each thread finishes the jobs in its hands, acks them and closes its connections; with
   * `timeoutMs`, sends still in flight then are stopped and handed back to the queue. A thread not
   * done `handBackMs` later is terminated: its reserved jobs come back after their visibility timeout.
   */
  async stop(options: PipelineStopOptions = {}): Promise<number> {
    this.#stopping = true;
    const limitMs = options.timeoutMs === undefined ? 30_000 : options.timeoutMs + (options.handBackMs ?? 1000);
    const stopped = await Promise.all(this.#all().map((t) => new Promise<number>((resolve) => {
      const worker = t.worker;
      if (!worker) return resolve(0);
      let sendsStopped = 0;
      const force = setTimeout(() => {
        this.#logger.warn(this.#where(t), 'delivery thread did not stop in time; terminating it');
        void worker.terminate();
      }, limitMs);
      worker.on('message', (m: FromDeliveryThread) => {
        if (m.op === 'stopped') sendsStopped = m.sendsStopped;
      });
      worker.once('exit', () => {
        clearTimeout(force);
        resolve(sendsStopped);
      });
      worker.postMessage({ op: 'stop', ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) } satisfies ToDeliveryThread);
    })));
    return stopped.reduce((a, b) => a + b, 0);
  }

  #all(): Thread[] {
    return [...this.#apps.values()].flat();
  }

  /** The log fields naming a thread: its partition, and which of the app's threads when there are several. */
  #where(thread: Thread): { partition: string; thread?: number } {
    return (this.#apps.get(thread.data.partition)?.length ?? 1) > 1 ? { partition: thread.data.partition, thread: thread.index } : { partition: thread.data.partition };
  }

  #post(thread: Thread, message: ToDeliveryThread): void {
    thread.worker?.postMessage(message);
  }

  /** A thread's rate-limit reservation, answered from this thread's counters. */
  #reserve(worker: Worker, m: Extract<FromDeliveryThread, { op: 'reserve' }>): void {
    const answer = (message: ToDeliveryThread) => worker.postMessage(message);
    if (!this.#rateLimiter) {
      // Nothing to count against: every reservation holds, as in a pipeline built without counters.
      answer({ op: 'reserved', req: m.req, reservation: { reserved: true, repeated: false } });
      return;
    }
    this.#rateLimiter.reserve(m.id, m.windows, m.now).then(
      (reservation) => answer({ op: 'reserved', req: m.req, reservation }),
      (err: unknown) => answer({ op: 'reserved', req: m.req, error: err instanceof Error ? err.message : String(err) }),
    );
  }

  #spawn(thread: Thread): Promise<void> {
    return new Promise((resolve) => {
      const worker = new Worker(new URL('./delivery-thread.js', import.meta.url), { workerData: thread.data, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
      thread.worker = worker;
      let ready = false;
      worker.on('message', (m: FromDeliveryThread) => {
        switch (m.op) {
          case 'ready':
            ready = true;
            resolve();
            return;
          case 'recorded':
            this.#events.recorded(m.summary);
            return;
          case 'events-queued':
            this.#eventsQueued?.(m.partitions);
            return;
          case 'inflight':
            thread.inFlight = m.n;
            return;
          case 'export':
            this.#exportRows?.(m.rows);
            return;
          case 'log':
            this.#logger[m.level]({ ...this.#where(thread), ...m.fields }, m.msg);
            return;
          case 'reserve':
            this.#reserve(worker, m);
            return;
          case 'stopped':
            return;
        }
      });
      worker.on('error', (err) => this.#logger.error({ err, ...this.#where(thread) }, 'delivery thread failed'));
      worker.on('exit', (code) => {
        if (thread.worker === worker) thread.worker = undefined;
        thread.inFlight = 0;
        if (!ready) resolve();
        if (this.#stopping) return;
        this.#logger.error({ code, ...this.#where(thread) }, 'delivery thread exited; starting it again');
        setTimeout(() => void this.#spawn(thread), RESTART_DELAY_MS).unref();
      });
    });
  }
}
