import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import { FailureLog } from '../../util/failure-log.js';
import type { Queue, ReservedJob } from '../../ports/queue.js';
import { backoffDelay } from '../retry/backoff.js';

export interface QueueLoopOptions<P> {
  queue: Queue<P>;
  partition: string;
  /** How much work may be in flight at once, in units of {@link weight}. */
  capacity: number;
  /** A job's share of the capacity (targets of a send job; 1 for a route job). */
  weight(job: ReservedJob<P>): number;
  /** The weight of a typical job, to size each reserve to the room left. */
  typicalWeight: number;
  /**
   * Extra room only `high` jobs may use: with the partition full of bulk work, a high job is still
   * taken at once instead of waiting for a slot.
   */
  highHeadroom: number;
  /** Works one job to its end: ack, retry or dead-letter. A throw is retried with backoff. */
  handle(job: ReservedJob<P>): Promise<void>;
  /** Whether the partition may take work now; with the time to look again when it may not. */
  gate?(now: number): { open: true } | { open: false; untilMs: number };
  visibilityMs: number;
  /** Longest sleep when the partition looks empty; other processes may enqueue without waking us. */
  idlePollMs: number;
  clock: Clock;
  logger: Logger;
}

/**
 * Keeps one partition of the queue busy: reserves as much work as the capacity allows, runs the
 * jobs concurrently, and sleeps when there is nothing due, until woken by a local enqueue or the
 * idle poll. A failed reserve (the database is busy or broken) backs off instead of spinning.
 */
export class QueueLoop<P> {
  readonly #o: QueueLoopOptions<P>;
  #inFlight = 0;
  /** High-lane work in flight, counted apart: it has a budget of its own (highHeadroom). */
  #highInFlight = 0;
  readonly #running = new Set<Promise<void>>();
  #stopped = false;
  #wakeUp: (() => void) | undefined;
  /** A wake that came while the loop was busy (reserving): the next sleep returns at once instead of missing it. */
  #woken = false;
  #done: Promise<void> | undefined;

  readonly #reserveFailures: FailureLog;

  constructor(options: QueueLoopOptions<P>) {
    this.#o = options;
    this.#reserveFailures = new FailureLog(options.logger, 'queue reserve failed');
  }

  get partition(): string {
    return this.#o.partition;
  }

  get inFlight(): number {
    return this.#inFlight + this.#highInFlight;
  }

  start(): void {
    this.#done ??= this.#run();
  }

  /**
   * New work may be due: reserve now instead of at the next poll. The loop resumes on the next
   * turn of the event loop rather than inside the caller's, so the request that enqueued the work
   * is answered first.
   */
  wake(): void {
    const wake = this.#wakeUp;
    if (!wake) {
      this.#woken = true;
      return;
    }
    this.#wakeUp = undefined;
    setImmediate(wake);
  }

  /** Stops reserving and waits for the jobs in hand to finish (they ack or retry as usual). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.wake();
    await this.#done;
    await Promise.all([...this.#running]);
  }

  async #run(): Promise<void> {
    const o = this.#o;
    let failures = 0;
    while (!this.#stopped) {
      const now = o.clock.now();
      const gate = o.gate?.(now) ?? { open: true };
      if (!gate.open) {
        await this.#sleep(Math.max(1, gate.untilMs - now));
        continue;
      }
      const room = o.capacity - this.#inFlight;
      const highRoom = o.highHeadroom - this.#highInFlight;
      if (room <= 0 && highRoom <= 0) {
        await this.#sleep(o.idlePollMs);
        continue;
      }
      let jobs: ReservedJob<P>[];
      try {
        // Jobs are weighed only once reserved, so the capacity is a target rather than a hard cap:
        // rounding up keeps a partition of small jobs from reserving one at a time. With the
        // partition full, only high work is taken, on its own budget.
        const limit = Math.max(1, Math.min(100, Math.ceil((room > 0 ? room : highRoom) / o.typicalWeight)));
        jobs = await o.queue.reserve({ partition: o.partition, limit, visibilityMs: o.visibilityMs, ...(room > 0 ? {} : { lanes: ['high'] as const }) });
        failures = 0;
        this.#reserveFailures.succeeded({ partition: o.partition });
      } catch (err) {
        failures++;
        this.#reserveFailures.failed(err, { partition: o.partition });
        await this.#sleep(backoffDelay(failures, { baseMs: 100, maxMs: 10_000 }) + 10);
        continue;
      }
      if (jobs.length === 0) {
        // Full of other work with no high job waiting: sleep until a job ends or one is enqueued.
        await this.#sleep(o.idlePollMs);
        continue;
      }
      for (const job of jobs) this.#launch(job);
    }
  }

  #launch(job: ReservedJob<P>): void {
    const o = this.#o;
    const weight = Math.max(1, o.weight(job));
    const high = job.lane === 'high';
    if (high) this.#highInFlight += weight;
    else this.#inFlight += weight;
    const run = o.handle(job)
      .catch((err: unknown) => this.#failed(job, err))
      .finally(() => {
        if (high) this.#highInFlight -= weight;
        else this.#inFlight -= weight;
        this.#running.delete(run);
        this.wake();
      });
    this.#running.add(run);
  }

  /** A handler that threw left its job reserved: put it back with backoff, so a poison job ends in the dead letters. */
  async #failed(job: ReservedJob<P>, err: unknown): Promise<void> {
    const o = this.#o;
    o.logger.error({ err, partition: o.partition, job: job.id, attempt: job.attempts }, 'queue job failed');
    const at = o.clock.now() + backoffDelay(job.attempts, { baseMs: 1000, maxMs: 60_000 });
    try {
      await o.queue.retry(job, at, err instanceof Error ? err.message.slice(0, 500) : String(err));
    } catch (retryErr) {
      // The reservation times out and the job comes back on its own.
      o.logger.error({ err: retryErr, partition: o.partition, job: job.id }, 'queue retry failed');
    }
  }

  #sleep(ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#woken) {
      this.#woken = false;
      // Through the event loop, so a loop woken over and over still lets I/O run.
      return new Promise((resolve) => setImmediate(resolve));
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wakeUp = undefined;
        resolve();
      }, ms);
      timer.unref();
      this.#wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
