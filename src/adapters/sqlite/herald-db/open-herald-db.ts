import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import type { ApiKeyStore } from '../../../ports/api-key-store.js';
import type { AuditLog } from '../../../ports/audit-log.js';
import type { DeviceStore } from '../../../ports/device-store.js';
import { HERALD_DB_MIGRATION_LOCK_TABLE, HERALD_DB_MIGRATION_TABLE, heraldDbMigrations } from './migrations.js';
import type { HeraldDatabase } from './schema.js';
import { createSqliteApiKeyStore } from './sqlite-api-key-store.js';
import { createSqliteAuditLog } from './sqlite-audit-log.js';
import { createSqliteDeviceStore } from './sqlite-device-store.js';

export interface OpenHeraldDatabaseOptions {
  /** File path (its directory is created if missing), or ':memory:'. */
  file: string;
}

/** The stores of Herald's own database, sharing one connection. */
export interface HeraldDatabaseStores {
  keys: ApiKeyStore;
  audit: AuditLog;
  devices: DeviceStore;
  /** Closes the connection; idempotent. The stores must not be used afterwards. */
  close(): Promise<void>;
}

/**
 * Opens Herald's own database (`database-file`) and brings its schema up to date. The CLI may open
 * the file while the server runs, so it is WAL with a long busy timeout, and every commit is synced
 * because audit entries and key revocations must survive a power cut. Within one process, open a
 * new file once before sharing it: better-sqlite3 waits for locks synchronously, so a second
 * connection opened while the first still migrates would block the thread the first needs.
 */
export async function openHeraldDatabase(options: OpenHeraldDatabaseOptions): Promise<HeraldDatabaseStores> {
  if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true });
  // The timeout is given at construction so that even switching to WAL waits for another process.
  const sqlite = new Database(options.file, { timeout: 15000 });
  const db = new Kysely<HeraldDatabase>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('busy_timeout = 15000');
    await migrate(sqlite, db);
  } catch (err) {
    await db.destroy();
    throw err;
  }

  let closed: Promise<void> | undefined;
  return {
    keys: createSqliteApiKeyStore(db),
    audit: createSqliteAuditLog(db),
    devices: createSqliteDeviceStore(db),
    close() {
      closed ??= db.destroy();
      return closed;
    },
  };
}

/**
 * Kysely's SQLite migrator takes no lock and runs outside a transaction, so two processes opening a
 * new file together could both try to create the tables. BEGIN IMMEDIATE takes the write lock first:
 * the second process waits under busy_timeout, then finds nothing left to do. A failed migration
 * also rolls back whole instead of leaving half a schema behind. The lock is only taken when
 * something is pending, so opening an up-to-date file never waits on other writers.
 */
async function migrate(sqlite: Database.Database, db: Kysely<HeraldDatabase>): Promise<void> {
  if (await isCurrent(sqlite)) return;
  sqlite.exec('BEGIN IMMEDIATE');
  try {
    const { error } = await new Migrator({
      db,
      provider: heraldDbMigrations,
      migrationTableName: HERALD_DB_MIGRATION_TABLE,
      migrationLockTableName: HERALD_DB_MIGRATION_LOCK_TABLE,
    }).migrateToLatest();
    if (error) throw error;
    sqlite.exec('COMMIT');
  } finally {
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
  }
}

async function isCurrent(sqlite: Database.Database): Promise<boolean> {
  const exists = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(HERALD_DB_MIGRATION_TABLE);
  if (!exists) return false;
  const applied = new Set(sqlite.prepare(`SELECT name FROM "${HERALD_DB_MIGRATION_TABLE}"`).pluck().all());
  return Object.keys(await heraldDbMigrations.getMigrations()).every((name) => applied.has(name));
}
