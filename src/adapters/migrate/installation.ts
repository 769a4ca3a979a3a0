import { DEFAULT_MIGRATION_LOCK_TABLE, DEFAULT_MIGRATION_TABLE } from 'kysely';
import { AUTH_MIGRATIONS } from '../postgres/auth/migrations.js';
import { DEVICE_MIGRATIONS } from '../postgres/devices/migrations.js';
import { API_KEY_MIGRATIONS, AUDIT_MIGRATIONS, EVENT_ENDPOINT_MIGRATIONS, SERVER_SECRET_MIGRATIONS } from '../postgres/herald-db/migrations.js';
import { CACHE_MIGRATIONS } from '../postgres/message-cache/migrations.js';
import type { PostgresMigrations } from '../postgres/migrate.js';
import { NOTIFY_MIGRATIONS } from '../postgres/notify/migrations.js';
import { PUSH_MIGRATIONS } from '../postgres/push/migrations.js';
import { QUEUE_MIGRATIONS } from '../postgres/queue/migrations.js';
import { AUTH_MIGRATION_LOCK_TABLE, AUTH_MIGRATION_TABLE, authMigrations } from '../sqlite/auth/migrations.js';
import { HERALD_DB_MIGRATION_LOCK_TABLE, HERALD_DB_MIGRATION_TABLE, heraldDbMigrations } from '../sqlite/herald-db/migrations.js';
import type { LockedMigration } from '../sqlite/locked-migrate.js';
import { cacheMigrations } from '../sqlite/message-cache/migrations.js';
import { NOTIFY_MIGRATION_LOCK_TABLE, NOTIFY_MIGRATION_TABLE, notifyMigrations } from '../sqlite/notify/migrations.js';
import { PUSH_MIGRATION_LOCK_TABLE, PUSH_MIGRATION_TABLE, pushMigrations } from '../sqlite/push/migrations.js';
import { QUEUE_MIGRATION_LOCK_TABLE, QUEUE_MIGRATION_TABLE, queueMigrations } from '../sqlite/queue/migrations.js';
import type { SourceName } from './tables.js';

/**
 * The migrations of every store of each SQLite file, as `herald serve` applies them when it opens
 * the file. A source is brought up to date with them before it is read, so an installation last
 * run by an older Herald has the columns this version's mapping reads.
 */
export const SOURCE_MIGRATIONS: Readonly<Record<SourceName, readonly LockedMigration[]>> = {
  cache: [{ provider: cacheMigrations, migrationTableName: DEFAULT_MIGRATION_TABLE, migrationLockTableName: DEFAULT_MIGRATION_LOCK_TABLE }],
  auth: [{ provider: authMigrations, migrationTableName: AUTH_MIGRATION_TABLE, migrationLockTableName: AUTH_MIGRATION_LOCK_TABLE }],
  database: [{ provider: heraldDbMigrations, migrationTableName: HERALD_DB_MIGRATION_TABLE, migrationLockTableName: HERALD_DB_MIGRATION_LOCK_TABLE }],
  queue: [
    { provider: queueMigrations, migrationTableName: QUEUE_MIGRATION_TABLE, migrationLockTableName: QUEUE_MIGRATION_LOCK_TABLE },
    { provider: pushMigrations, migrationTableName: PUSH_MIGRATION_TABLE, migrationLockTableName: PUSH_MIGRATION_LOCK_TABLE },
    { provider: notifyMigrations, migrationTableName: NOTIFY_MIGRATION_TABLE, migrationLockTableName: NOTIFY_MIGRATION_LOCK_TABLE },
  ],
};

/**
 * Every PostgreSQL store's own migrations, run on the target before anything is copied: the
 * copy writes into exactly the tables the stores create, never a schema of its own.
 */
export const TARGET_MIGRATIONS: readonly PostgresMigrations[] = [
  CACHE_MIGRATIONS,
  AUTH_MIGRATIONS,
  API_KEY_MIGRATIONS,
  AUDIT_MIGRATIONS,
  SERVER_SECRET_MIGRATIONS,
  EVENT_ENDPOINT_MIGRATIONS,
  DEVICE_MIGRATIONS,
  QUEUE_MIGRATIONS,
  PUSH_MIGRATIONS,
  NOTIFY_MIGRATIONS,
];
