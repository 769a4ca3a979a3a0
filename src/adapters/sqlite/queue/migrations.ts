import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/** Versioned migrations of the queue file, applied in name order at open. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_queue': {
    async up(db: Kysely<unknown>): Promise<void> {
      // AUTOINCREMENT so an id is never reused while queue_dead still holds it for a replay.
      await sql`CREATE TABLE queue_jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        partition TEXT NOT NULL CHECK (partition <> ''),
        lane INTEGER NOT NULL CHECK (lane IN (0, 1, 2)),
        payload TEXT NOT NULL,
        run_at INTEGER NOT NULL,
        visible_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL,
        max_attempts INTEGER NOT NULL CHECK (max_attempts > 0),
        dedup_key TEXT,
        token TEXT,
        last_error TEXT,
        created_at INTEGER NOT NULL
      )`.execute(db);
      // reserve reads one (partition, lane) range up to now, already in hand-out order.
      await sql`CREATE INDEX queue_jobs_visible ON queue_jobs (partition, lane, visible_at, id)`.execute(db);
      // Live keys only: acked rows are deleted and dead ones leave the table, which frees the key.
      await sql`CREATE UNIQUE INDEX queue_jobs_dedup ON queue_jobs (dedup_key) WHERE dedup_key IS NOT NULL`.execute(db);

      await sql`CREATE TABLE queue_dead (
        id INTEGER PRIMARY KEY,
        partition TEXT NOT NULL,
        lane INTEGER NOT NULL,
        payload TEXT NOT NULL,
        run_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL,
        max_attempts INTEGER NOT NULL,
        dedup_key TEXT,
        reason TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        dead_at INTEGER NOT NULL
      )`.execute(db);
      await sql`CREATE INDEX queue_dead_time ON queue_dead (dead_at, id)`.execute(db);
      await sql`CREATE INDEX queue_dead_partition_time ON queue_dead (partition, dead_at, id)`.execute(db);
    },
  },
};

export const queueMigrations: MigrationProvider = {
  async getMigrations() {
    return MIGRATIONS;
  },
};

/** Own bookkeeping tables, so the queue may share a file with other Herald tables. */
export const QUEUE_MIGRATION_TABLE = 'herald_queue_migration';
export const QUEUE_MIGRATION_LOCK_TABLE = 'herald_queue_migration_lock';
