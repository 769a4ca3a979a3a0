import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { migrateLocked, type LockedMigration } from './locked-migrate.js';

/** How long a statement waits for another connection's write lock before failing with SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 15_000;

export interface OpenSqliteOptions {
  /** File path (its directory is created if missing), or ':memory:'. */
  file: string;
  /**
   * SQLite `synchronous` level of the connection's commits: FULL syncs the WAL on every commit,
   * NORMAL only at checkpoints (a commit may be lost on power cut, never corrupted).
   */
  synchronous: 'FULL' | 'NORMAL';
  /**
   * Enforce FOREIGN KEY constraints. better-sqlite3's build turns them on by default; a store whose
   * schema relies on them (cascading deletes) asks anyway, so it does not depend on that build.
   */
  foreignKeys?: boolean;
  /** Further `PRAGMA`s as `name = value`, applied after the common ones and before migrating. */
  pragmas?: readonly string[];
  /** The connection's migrations and the Kysely bookkeeping tables that record them. */
  migrations: LockedMigration;
}

/** One open SQLite connection, up to date with its migrations. */
export interface SqliteConnection<DB> {
  /** The raw handle, for prepared statements on hot paths. */
  readonly sqlite: Database.Database;
  /** The query builder over the same connection. */
  readonly db: Kysely<DB>;
  /**
   * Runs `write` with `synchronous = FULL`, then restores the connection's level: for the one
   * commit of a NORMAL connection that must survive a power cut. `write` must be synchronous.
   */
  synced<T>(write: () => T): T;
  /** Closes the connection; idempotent (every call returns the same promise). */
  close(): Promise<void>;
}

/**
 * Opens a SQLite database the way every Herald store does: WAL (readers never block the writer,
 * and the CLI may open a file the server holds), a long busy timeout, the store's sync level, and
 * its migrations applied under the write lock (see locked-migrate.ts). Errors opening the file
 * name it; on any failure the connection is closed before the error is thrown.
 */
export async function openSqlite<DB>(options: OpenSqliteOptions): Promise<SqliteConnection<DB>> {
  const { file } = options;
  let sqlite: Database.Database;
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    // The timeout is given at construction so that even switching to WAL waits for another process.
    sqlite = new Database(file, { timeout: BUSY_TIMEOUT_MS });
  } catch (err) {
    throw openError(file, err);
  }
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    try {
      // A file that is not a database is only detected here, on first read.
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma(`synchronous = ${options.synchronous}`);
      sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      if (options.foreignKeys) sqlite.pragma('foreign_keys = ON');
      for (const pragma of options.pragmas ?? []) sqlite.pragma(pragma);
    } catch (err) {
      throw openError(file, err);
    }
    await migrateLocked(sqlite, db as Kysely<unknown>, options.migrations);
  } catch (err) {
    await closeBoth(db, sqlite);
    throw err;
  }

  const level = options.synchronous;
  let closed: Promise<void> | undefined;
  return {
    sqlite,
    db,
    synced(write) {
      if (level === 'FULL') return write();
      sqlite.pragma('synchronous = FULL');
      try {
        return write();
      } finally {
        sqlite.pragma(`synchronous = ${level}`);
      }
    },
    close() {
      closed ??= closeBoth(db, sqlite);
      return closed;
    },
  };
}

/**
 * Kysely closes the handle only if it ever ran a query on it; stores that run prepared statements
 * alone (and any open that fails before migrating) would leave the file open, so close it here too.
 */
async function closeBoth<DB>(db: Kysely<DB>, sqlite: Database.Database): Promise<void> {
  try {
    await db.destroy();
  } finally {
    if (sqlite.open) sqlite.close();
  }
}

function openError(file: string, cause: unknown): Error {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new Error(`cannot open SQLite database ${file}: ${reason}`, { cause });
}
