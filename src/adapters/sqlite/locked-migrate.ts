import type Database from 'better-sqlite3';
import { Migrator, type Kysely, type MigrationProvider } from 'kysely';

export interface LockedMigration {
  provider: MigrationProvider;
  migrationTableName: string;
  migrationLockTableName: string;
}

/**
 * Brings a database up to date with its migrations under SQLite's write lock.
 *
 * Kysely's SQLite migrator takes no lock and runs outside a transaction, so two processes (the
 * server and the CLI) opening a new file together could both try to create the tables.
 * BEGIN IMMEDIATE takes the write lock first: the second process waits under busy_timeout, then
 * finds nothing left to do, and a failed migration rolls back whole. The lock is only taken
 * when something is pending, so opening an up-to-date file never waits on other writers.
 */
export async function migrateLocked(sqlite: Database.Database, db: Kysely<unknown>, m: LockedMigration): Promise<void> {
  if (await isCurrent(sqlite, m)) return;
  sqlite.exec('BEGIN IMMEDIATE');
  try {
    const { error } = await new Migrator({ db, provider: m.provider, migrationTableName: m.migrationTableName, migrationLockTableName: m.migrationLockTableName }).migrateToLatest();
    if (error) throw error;
    sqlite.exec('COMMIT');
  } finally {
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
  }
}

async function isCurrent(sqlite: Database.Database, m: LockedMigration): Promise<boolean> {
  const exists = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(m.migrationTableName);
  if (!exists) return false;
  const applied = new Set(sqlite.prepare(`SELECT name FROM "${m.migrationTableName}"`).pluck().all());
  return Object.keys(await m.provider.getMigrations()).every((name) => applied.has(name));
}
