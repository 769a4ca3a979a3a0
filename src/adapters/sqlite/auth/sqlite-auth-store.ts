import { sql } from 'kysely';
import type { AuthStore } from '../../../ports/auth-store.js';
import { createAuthQueries, type AuthDatabase } from '../../sql/auth/auth-queries.js';
import { sqliteConstraintBroken } from '../constraint-errors.js';
import { openSqlite } from '../open-sqlite.js';
import { prepareChangeCounter } from './change-counter.js';
import { AUTH_MIGRATION_LOCK_TABLE, AUTH_MIGRATION_TABLE, authMigrations } from './migrations.js';

export interface SqliteAuthStoreOptions {
  /** File path (its directory is created if missing), or ':memory:'. */
  file: string;
}

/**
 * The account database (`auth-file`) in SQLite. The CLI opens the same file from another process
 * while the server runs, so it is WAL with a long busy timeout, and `changeCounter` notices the
 * other process's commits through `PRAGMA data_version`. The queries are shared with PostgreSQL
 * (src/adapters/sql/auth/).
 */
export async function createSqliteAuthStore(options: SqliteAuthStoreOptions): Promise<AuthStore> {
  const connection = await openSqlite<AuthDatabase>({
    file: options.file,
    synchronous: 'FULL',
    foreignKeys: true,
    migrations: { provider: authMigrations, migrationTableName: AUTH_MIGRATION_TABLE, migrationLockTableName: AUTH_MIGRATION_LOCK_TABLE },
  });
  const counter = prepareChangeCounter(connection.db);
  const queries = createAuthQueries(connection.db, {
    tokenInsertionOrder: sql`rowid`,
    // Must repeat the expression of idx_access_user_pattern for SQLite to pick that index as the target.
    accessKey: sql`ifnull(user_id, ''), pattern`,
    constraintBroken: sqliteConstraintBroken,
    now: Date.now,
    written: counter.written,
  });
  return {
    ...queries,
    changeCounter: counter.read,
    close() {
      return connection.close();
    },
  };
}
