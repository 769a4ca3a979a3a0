import type { PushStore } from '../../../ports/push-store.js';
import { openSqlite } from '../open-sqlite.js';
import { NO_WRITE_LOCK, type WriteLock } from '../write-lock.js';
import { prepareCancel } from './cancel.js';
import { prepareClaim } from './claim.js';
import { preparePushCounts } from './counts.js';
import { prepareDeadLetters } from './dead-letters.js';
import { prepareInspect } from './inspect.js';
import { PUSH_MIGRATION_LOCK_TABLE, PUSH_MIGRATION_TABLE, pushMigrations } from './migrations.js';
import { preparePushes } from './pushes.js';
import { prepareRecord } from './record.js';
import { prepareReport } from './report.js';
import { prepareRetention } from './retention.js';
import { prepareRoute } from './route.js';
import { prepareMinuteStats } from './stats.js';

export interface SqlitePushStoreOptions {
  /** The queue file (shared with the queue's tables), or ':memory:'. */
  file: string;
  /** Shared with every other thread writing the same file (the queue's connections included). */
  writeLock?: WriteLock;
}

export type SqlitePushStore = PushStore & { close(): Promise<void> };

/**
 * The push ledger on SQLite, in the queue's file but on a connection of its own. Each operation
 * (one file beside this one) prepares its statements once, and every transaction is synchronous
 * (better-sqlite3), so no transaction ever spans an await and the two connections can never wait
 * on each other inside this process.
 *
 * Its commits are not synced (synchronous = NORMAL), and that is safe because of where it lives:
 * both connections write one WAL, in commit order, and the queue syncs every commit. Each ledger
 * write that must survive a power cut is followed by a queue write before anything relies on it
 * (a push row before its route job and the 202; outcomes before the ack), and syncing the WAL
 * for the queue's commit makes every earlier frame durable too. A ledger write lost with no queue
 * write after it (a claim, a cursor) is one the recovery paths redo.
 */
export async function createSqlitePushStore(options: SqlitePushStoreOptions): Promise<SqlitePushStore> {
  const connection = await openSqlite<unknown>({
    file: options.file,
    synchronous: 'NORMAL',
    pragmas: [
      // A broadcast rewrites the same pages of the ledger over and over: keep them in memory.
      'cache_size = -65536',
      'mmap_size = 268435456',
      // Each delivery's row is written twice within seconds; a larger WAL before checkpointing
      // copies such a page into the database once instead of after every thousand page writes.
      'wal_autocheckpoint = 10000',
    ],
    migrations: { provider: pushMigrations, migrationTableName: PUSH_MIGRATION_TABLE, migrationLockTableName: PUSH_MIGRATION_LOCK_TABLE },
  });
  const { sqlite } = connection;
  const lock = options.writeLock ?? NO_WRITE_LOCK;
  const counts = preparePushCounts(sqlite);
  const stats = prepareMinuteStats(sqlite);
  const claims = prepareClaim(sqlite, lock, counts);
  const records = prepareRecord(sqlite, lock, counts, stats);

  let closed: Promise<void> | undefined;
  return {
    ...preparePushes(sqlite, lock),
    ...prepareRoute(sqlite, lock, counts),
    claim: claims.claim,
    record: records.record,
    ...prepareCancel(sqlite, lock, counts, stats),
    ...prepareReport(sqlite, lock, counts),
    ...prepareInspect(sqlite, counts),
    ...prepareDeadLetters(sqlite, lock, counts, stats),
    ...prepareRetention(sqlite, lock, counts, stats),
    async stats(query) {
      return stats.query(query);
    },
    close() {
      closed ??= (async () => {
        claims.flush();
        records.flush();
        await connection.close();
      })();
      return closed;
    },
  };
}
