import { sql } from 'kysely';
import { systemClock, type Clock } from '../../../ports/clock.js';
import type { AuthStore } from '../../../ports/auth-store.js';
import { createAuthQueries, type AuthDatabase } from '../../sql/auth/auth-queries.js';
import { postgresConstraintBroken } from '../constraint-errors.js';
import type { PostgresDatabase } from '../open-postgres.js';
import { prepareChangeCounter } from './change-counter.js';
import { AUTH_MIGRATIONS } from './migrations.js';

export interface PostgresAuthStoreOptions {
  /** The shared database handle (see openPostgres); the store uses its pool and does not close it. */
  database: PostgresDatabase;
  /** Source of a token's creation time; default the system clock. */
  clock?: Clock;
}

/**
 * The account database on PostgreSQL: migrates its tables (under the advisory lock), then answers
 * the port with the queries it shares with SQLite (src/adapters/sql/auth/). Every node and the CLI
 * may use the same schema at once; see index.ts for the change counter and the write order.
 */
export async function createPostgresAuthStore(options: PostgresAuthStoreOptions): Promise<AuthStore> {
  const clock = options.clock ?? systemClock;
  const { database } = options;
  await database.migrate(AUTH_MIGRATIONS);
  const db = database.kysely.withTables<AuthDatabase>();
  const queries = createAuthQueries(db, {
    tokenInsertionOrder: sql`seq`,
    // The expression of the unique index access_user_pattern, which ON CONFLICT must name to use it.
    accessKey: sql`(coalesce(user_id, '')), pattern`,
    constraintBroken: postgresConstraintBroken,
    now: () => clock.now(),
  });
  return {
    ...queries,
    changeCounter: prepareChangeCounter(database.kysely),
    // The pool is the database owner's to close.
    async close() {},
  };
}
