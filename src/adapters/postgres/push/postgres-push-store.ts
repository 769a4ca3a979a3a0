import type { PushStore } from '../../../ports/push-store.js';
import type { PostgresDatabase } from '../open-postgres.js';
import { prepareCancel } from './cancel.js';
import { prepareClaim } from './claim.js';
import { commitMode } from './commit-mode.js';
import { pushSql } from './context.js';
import { prepareDeadLetters } from './dead-letters.js';
import { prepareInspect } from './inspect.js';
import { PUSH_MIGRATIONS } from './migrations.js';
import { preparePushes } from './pushes.js';
import { prepareRecord } from './record.js';
import { prepareReport } from './report.js';
import { prepareRetention } from './retention.js';
import { prepareRoute } from './route.js';
import { queryStats } from './stats.js';

export interface PostgresPushStoreOptions {
  /** The shared database handle (see openPostgres); the ledger uses its pool and does not close it. */
  database: PostgresDatabase;
  /**
   * Make every commit wait for the WAL flush, as the server's setting says. Off by default: the
   * hot-path writes (routing pages, claims, records) commit without waiting, which is safe while
   * the queue lives on the same PostgreSQL server (see commit-mode.ts). Turn it on when it does not.
   */
  waitForFlush?: boolean;
}

export type PostgresPushStore = PushStore & {
  /** Nothing of its own to release (the pool is the database owner's); idempotent, like the SQLite ledger's. */
  close(): Promise<void>;
};

/**
 * The push ledger on PostgreSQL: migrates its tables (under the advisory lock), then answers the
 * port with the operations beside this file, on the shared pool. Any number of processes may use
 * the same schema at once. It takes no clock: every time comes from the caller, as the port says.
 */
export async function createPostgresPushStore(options: PostgresPushStoreOptions): Promise<PostgresPushStore> {
  const { database } = options;
  await database.migrate(PUSH_MIGRATIONS);
  const sql = pushSql(database.pool, commitMode(options.waitForFlush ?? false));

  return {
    ...preparePushes(sql),
    ...prepareRoute(sql),
    ...prepareClaim(sql),
    ...prepareRecord(sql),
    ...prepareCancel(sql),
    ...prepareReport(sql),
    ...prepareInspect(sql),
    ...prepareDeadLetters(sql),
    ...prepareRetention(sql),
    stats: (query) => queryStats(sql, query),
    async close() {},
  };
}
