import { systemClock, type Clock } from '../../../ports/clock.js';
import { LANES, type Queue } from '../../../ports/queue.js';
import { prepareDeadLetters } from './dead-letters.js';
import { prepareEnqueue } from './enqueue.js';
import { prepareInspect } from './inspect.js';
import { QUEUE_MIGRATION_LOCK_TABLE, QUEUE_MIGRATION_TABLE, queueMigrations } from './migrations.js';
import { prepareReserve } from './reserve.js';
import { laneNumber, positiveLimit } from './schema.js';
import { prepareSettle } from './settle.js';
import { openSqlite } from '../open-sqlite.js';
import { NO_WRITE_LOCK, type WriteLock } from '../write-lock.js';

export interface SqliteQueueOptions {
  /** File path (its directory is created if missing). Several processes may open the same file. */
  file: string;
  /** Shared with every other thread writing the same file. */
  writeLock?: WriteLock;
  /** Source of "now" wherever a caller does not pass it; default the system clock. */
  clock?: Clock;
}

export type SqliteQueue<P> = Queue<P> & {
  /** Commits pending acks, then closes the connection; idempotent. The queue must not be used afterwards. */
  close(): Promise<void>;
};

/**
 * The embedded queue: one SQLite file in WAL mode. An enqueue that returned must survive a power
 * cut, so its commit is synced; reserves, acks and retries are not, because losing one only means
 * a job is worked again, which at-least-once delivery allows anyway. The WAL is one file written
 * in commit order, so each synced enqueue also makes every earlier commit durable, those of other
 * connections to the same file included (the push ledger relies on that). Every write runs in a
 * BEGIN IMMEDIATE transaction,
 * which takes the write lock up front: a reserve in another process waits under busy_timeout
 * instead of failing on a lock upgrade halfway through. better-sqlite3 waits synchronously, so
 * the methods are async only to match the port.
 */
export async function createSqliteQueue<P>(options: SqliteQueueOptions): Promise<SqliteQueue<P>> {
  const clock = options.clock ?? systemClock;
  // Kysely only runs the migrations; the operations use prepared statements directly, which keeps
  // reserve and enqueue synchronous inside their transactions.
  const connection = await openSqlite<unknown>({
    file: options.file,
    synchronous: 'NORMAL',
    pragmas: ['wal_autocheckpoint = 10000'],
    migrations: { provider: queueMigrations, migrationTableName: QUEUE_MIGRATION_TABLE, migrationLockTableName: QUEUE_MIGRATION_LOCK_TABLE },
  });
  const { sqlite } = connection;

  const lock = options.writeLock ?? NO_WRITE_LOCK;
  const enqueue = prepareEnqueue(sqlite);
  const reserve = prepareReserve(sqlite);
  const settle = prepareSettle(sqlite, lock);
  const dead = prepareDeadLetters(sqlite);
  const inspect = prepareInspect(sqlite);

  let closed: Promise<void> | undefined;
  return {
    async enqueue(jobs) {
      return lock.run(() => connection.synced(() => enqueue(jobs, clock.now())));
    },
    async reserve(request) {
      if (typeof request.partition !== 'string' || request.partition === '') throw new RangeError('reserve: partition must be a non-empty string');
      if (!(request.visibilityMs > 0) || !Number.isFinite(request.visibilityMs)) throw new RangeError('reserve: visibilityMs must be a positive number');
      const now = request.now ?? clock.now();
      if (!Number.isFinite(now)) throw new RangeError('reserve: now must be a finite number');
      const limit = positiveLimit(request.limit, 'reserve');
      const lanes = (request.lanes ?? LANES).map((lane) => {
        const n = laneNumber(lane);
        if (n === undefined) throw new RangeError(`reserve: unknown lane ${String(lane)}`);
        return n;
      });
      const input = { partition: request.partition, limit, visibilityMs: Math.ceil(request.visibilityMs), now: Math.trunc(now), lanes };
      if (!reserve.anyDue(input)) return [];
      const jobs = lock.run(() => reserve.reserve(input));
      return jobs as Awaited<ReturnType<Queue<P>['reserve']>>;
    },
    ack(job) {
      return settle.ack(job);
    },
    async retry(job, runAt, error) {
      return lock.run(() => settle.retry(job, runAt, error, clock.now()));
    },
    async deadLetter(job, reason) {
      return lock.run(() => settle.deadLetter(job, reason, clock.now()));
    },
    async replay(target) {
      return lock.run(() => dead.replay(target, clock.now()));
    },
    async deadLetters(query) {
      return dead.list(query) as Awaited<ReturnType<Queue<P>['deadLetters']>>;
    },
    async partitions() {
      return inspect.partitions();
    },
    async stats(request) {
      return inspect.stats(request?.now ?? clock.now());
    },
    async cancel(filter) {
      return lock.run(() => inspect.cancel(filter, clock.now()));
    },
    close() {
      closed ??= (async () => {
        settle.flush();
        await connection.close();
      })();
      return closed;
    },
  };
}
