import { systemClock, type Clock } from '../../../ports/clock.js';
import { LANES, type Queue } from '../../../ports/queue.js';
import type { PostgresDatabase } from '../open-postgres.js';
import { prepareDeadLetters } from './dead-letters.js';
import { prepareEnqueue } from './enqueue.js';
import { prepareInspect } from './inspect.js';
import { QUEUE_MIGRATIONS } from './migrations.js';
import { prepareReserve } from './reserve.js';
import { clampTime, laneNumber, positiveLimit } from './schema.js';
import { prepareSettle } from './settle.js';

export interface PostgresQueueOptions {
  /** The shared database handle (see openPostgres); the queue uses its pool and does not close it. */
  database: PostgresDatabase;
  /** Source of "now" wherever a caller does not pass it; default the system clock. See index.ts. */
  clock?: Clock;
}

export type PostgresQueue<P> = Queue<P> & {
  /** Sends pending acks and waits for them; idempotent. The database stays open (its owner closes it). */
  close(): Promise<void>;
};

/**
 * The queue on PostgreSQL: migrates its tables (under the advisory lock), then answers the port
 * with one statement per operation on the shared pool. Any number of processes may use the same
 * schema at once.
 */
export async function createPostgresQueue<P>(options: PostgresQueueOptions): Promise<PostgresQueue<P>> {
  const clock = options.clock ?? systemClock;
  const { pool } = options.database;
  await options.database.migrate(QUEUE_MIGRATIONS);

  const enqueue = prepareEnqueue(pool);
  const reserve = prepareReserve(pool);
  const settle = prepareSettle(pool);
  const dead = prepareDeadLetters(pool);
  const inspect = prepareInspect(pool);
  const now = (): number => clampTime(clock.now());

  let closed: Promise<void> | undefined;
  return {
    async enqueue(jobs) {
      return enqueue(jobs, now());
    },
    async reserve(request) {
      if (typeof request.partition !== 'string' || request.partition === '') throw new RangeError('reserve: partition must be a non-empty string');
      if (!(request.visibilityMs > 0) || !Number.isFinite(request.visibilityMs)) throw new RangeError('reserve: visibilityMs must be a positive number');
      const at = request.now ?? clock.now();
      if (!Number.isFinite(at)) throw new RangeError('reserve: now must be a finite number');
      const limit = positiveLimit(request.limit, 'reserve');
      const lanes = (request.lanes ?? LANES).map((lane) => {
        const n = laneNumber(lane);
        if (n === undefined) throw new RangeError(`reserve: unknown lane ${String(lane)}`);
        return n;
      });
      const jobs = await reserve({ partition: request.partition, limit, visibilityMs: Math.ceil(request.visibilityMs), now: clampTime(at), lanes });
      return jobs as Awaited<ReturnType<Queue<P>['reserve']>>;
    },
    ack(job) {
      return settle.ack(job);
    },
    retry(job, runAt, error) {
      return settle.retry(job, runAt, error, now());
    },
    deadLetter(job, reason) {
      return settle.deadLetter(job, reason, now());
    },
    replay(target) {
      return dead.replay(target, now());
    },
    async deadLetters(query) {
      return (await dead.list(query)) as Awaited<ReturnType<Queue<P>['deadLetters']>>;
    },
    partitions() {
      return inspect.partitions();
    },
    stats(request) {
      return inspect.stats(clampTime(request?.now ?? clock.now()));
    },
    cancel(filter) {
      return inspect.cancel(filter, now());
    },
    close() {
      closed ??= settle.drain();
      return closed;
    },
  };
}
