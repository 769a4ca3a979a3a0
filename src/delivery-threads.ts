/**
 * The main thread's side of the delivery threads (part of the composition root): one worker
 * thread per configured provider app, woken when its jobs are enqueued, started again if it dies
 * (its reserved jobs come back to the queue after their visibility timeout).
 */
import { Worker } from 'node:worker_threads';
import type { SenderSpec } from './adapters/providers/sender-factory.js';
import type { DeliveryRunners } from './core/push/push-pipeline.js';
import { partitionOf } from './core/push/jobs.js';
import type { PartitionWorkerOptions } from './core/push/partition-worker.js';
import type { PushEvents } from './core/push/push-events.js';
import type { Logger } from './ports/logger.js';
import type { DeliveryThreadData, FromDeliveryThread, ToDeliveryThread } from './delivery-thread-messages.js';

const RESTART_DELAY_MS = 1000;

interface Thread {
  data: DeliveryThreadData;
  worker: Worker | undefined;
  inFlight: number;
}

export class DeliveryThreads implements DeliveryRunners {
  readonly #threads = new Map<string, Thread>();
  readonly #logger: Logger;
  readonly #events: PushEvents;
  #stopping = false;

  constructor(specs: readonly SenderSpec[], files: { queueFile: string; databaseFile: string; queueLock: SharedArrayBuffer }, options: PartitionWorkerOptions, logger: Logger, events: PushEvents) {
    for (const spec of specs) {
      const partition = partitionOf(spec.options.app, spec.provider);
      this.#threads.set(partition, { data: { partition, spec, ...files, options }, worker: undefined, inFlight: 0 });
    }
    this.#logger = logger;
    this.#events = events;
  }

  partitions(): string[] {
    return [...this.#threads.keys()];
  }

  async start(): Promise<void> {
    await Promise.all([...this.#threads.values()].map((t) => this.#spawn(t)));
  }

  wake(partition: string): void {
    this.#post(this.#threads.get(partition), { op: 'wake' });
  }

  forget(seq: number): void {
    for (const t of this.#threads.values()) this.#post(t, { op: 'forget', seq });
  }

  inFlight(): Map<string, number> {
    return new Map([...this.#threads].map(([p, t]) => [p, t.inFlight]));
  }

  /** Each thread finishes the jobs in its hands, acks them and closes its connections. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all([...this.#threads.values()].map((t) => new Promise<void>((resolve) => {
      const worker = t.worker;
      if (!worker) return resolve();
      const force = setTimeout(() => void worker.terminate(), 30_000);
      worker.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      worker.postMessage({ op: 'stop' } satisfies ToDeliveryThread);
    })));
  }

  #post(thread: Thread | undefined, message: ToDeliveryThread): void {
    thread?.worker?.postMessage(message);
  }

  #spawn(thread: Thread): Promise<void> {
    return new Promise((resolve) => {
      const worker = new Worker(new URL('./delivery-thread.js', import.meta.url), { workerData: thread.data });
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
          case 'inflight':
            thread.inFlight = m.n;
            return;
          case 'log':
            this.#logger[m.level]({ partition: thread.data.partition, ...m.fields }, m.msg);
            return;
          case 'stopped':
            return;
        }
      });
      worker.on('error', (err) => this.#logger.error({ err, partition: thread.data.partition }, 'delivery thread failed'));
      worker.on('exit', (code) => {
        if (thread.worker === worker) thread.worker = undefined;
        thread.inFlight = 0;
        if (!ready) resolve();
        if (this.#stopping) return;
        this.#logger.error({ code, partition: thread.data.partition }, 'delivery thread exited; starting it again');
        setTimeout(() => void this.#spawn(thread), RESTART_DELAY_MS).unref();
      });
    });
  }
}
