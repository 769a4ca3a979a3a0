import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/** Versioned migrations of the push ledger, which lives in the queue file beside the queue's tables. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_push_ledger': {
    async up(db: Kysely<unknown>): Promise<void> {
      // AUTOINCREMENT: a seq is never reused, so a delivery id of a pruned push cannot name a new one.
      await sql`CREATE TABLE pushes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        send_at INTEGER,
        expires_at INTEGER,
        content TEXT NOT NULL,
        audience TEXT NOT NULL,
        lane INTEGER NOT NULL,
        phase TEXT NOT NULL CHECK (phase IN ('accepted', 'routing', 'routed', 'cancelled')),
        routed_cursor TEXT,
        enqueued_cursor TEXT,
        targets INTEGER NOT NULL DEFAULT 0,
        actor TEXT NOT NULL
      )`.execute(db);
      await sql`CREATE INDEX pushes_id ON pushes (id, created_at)`.execute(db);
      await sql`CREATE INDEX pushes_created ON pushes (created_at)`.execute(db);
      await sql`CREATE INDEX pushes_unrouted ON pushes (seq) WHERE phase IN ('accepted', 'routing')`.execute(db);

      // One row per (push, target); the target is the device id or, for a raw token, tok_<hash>.
      // WITHOUT ROWID keeps each delivery in one b-tree keyed as it is always looked up.
      await sql`CREATE TABLE deliveries (
        push_seq INTEGER NOT NULL,
        target TEXT NOT NULL,
        device_id TEXT,
        provider TEXT NOT NULL,
        app TEXT NOT NULL,
        token TEXT NOT NULL,
        p256dh TEXT,
        auth TEXT,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        claim TEXT,
        next_at INTEGER,
        last_status INTEGER,
        last_error TEXT,
        provider_id TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        sent_at INTEGER,
        PRIMARY KEY (push_seq, target)
      ) WITHOUT ROWID`.execute(db);
      // Per-push listings by state and the per-state counts read this index alone.
      await sql`CREATE INDEX deliveries_state ON deliveries (push_seq, state, target)`.execute(db);
      // The dead-letter listing, newest first, without touching live deliveries.
      await sql`CREATE INDEX deliveries_dead ON deliveries (updated_at, push_seq, target) WHERE state = 'dead'`.execute(db);

      // Outcome counts and latency histograms per minute, written with the outcomes they count.
      await sql`CREATE TABLE push_stats (
        minute INTEGER NOT NULL, app TEXT NOT NULL, provider TEXT NOT NULL, state TEXT NOT NULL, count INTEGER NOT NULL,
        PRIMARY KEY (minute, app, provider, state)
      ) WITHOUT ROWID`.execute(db);
      await sql`CREATE TABLE push_latency (
        minute INTEGER NOT NULL, app TEXT NOT NULL, provider TEXT NOT NULL, bucket INTEGER NOT NULL, count INTEGER NOT NULL,
        PRIMARY KEY (minute, app, provider, bucket)
      ) WITHOUT ROWID`.execute(db);
    },
  },
  '0002_push_counts': {
    async up(db: Kysely<unknown>): Promise<void> {
      // Deliveries per (push, provider, state), kept in step by every write that moves a delivery,
      // so a status read of a million-device push is a handful of rows instead of a scan.
      await sql`CREATE TABLE push_counts (
        push_seq INTEGER NOT NULL, provider TEXT NOT NULL, state TEXT NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (push_seq, provider, state)
      ) WITHOUT ROWID`.execute(db);
    },
  },
  '0003_drop_deliveries_state_index': {
    async up(db: Kysely<unknown>): Promise<void> {
      // Every state change of every delivery paid for this index; counts now live in push_counts,
      // and the per-state listings scan one push's rows in key order, which they page through anyway.
      await sql`DROP INDEX deliveries_state`.execute(db);
    },
  },
  '0004_push_attempts': {
    async up(db: Kysely<unknown>): Promise<void> {
      // push_stats now counts each delivery once, in the final state it reached; what every single
      // attempt ended in is counted here, by the provider's outcome (ok, retry, throttled, ...).
      await sql`CREATE TABLE push_attempts (
        minute INTEGER NOT NULL, app TEXT NOT NULL, provider TEXT NOT NULL, outcome TEXT NOT NULL, count INTEGER NOT NULL,
        PRIMARY KEY (minute, app, provider, outcome)
      ) WITHOUT ROWID`.execute(db);
      // Rows written before counted attempts: a retry is not where a delivery ended.
      await sql`DELETE FROM push_stats WHERE state = 'retrying'`.execute(db);
    },
  },
  '0005_push_category': {
    async up(db: Kysely<unknown>): Promise<void> {
      // Keys limited to categories may only see and cancel pushes in them, so the category is kept.
      await sql`ALTER TABLE pushes ADD COLUMN category TEXT`.execute(db);
    },
  },
  '0006_delivery_target_kind': {
    async up(db: Kysely<unknown>): Promise<void> {
      // FCM and HMS topic and condition sends: what the token column holds, null for a token.
      await sql`ALTER TABLE deliveries ADD COLUMN target_kind TEXT`.execute(db);
    },
  },
  '0007_pushes_analytics_id': {
    async up(db: Kysely<unknown>): Promise<void> {
      // Centrifugo's analytics_uid: apps report delivery under an id of the sender's choosing,
      // which may differ from the push id. Most pushes have none, so only those that do are indexed.
      await sql`ALTER TABLE pushes ADD COLUMN analytics_id TEXT`.execute(db);
      await sql`CREATE INDEX pushes_analytics_id ON pushes (analytics_id, created_at) WHERE analytics_id IS NOT NULL`.execute(db);
    },
  },
};

export const pushMigrations: MigrationProvider = {
  async getMigrations() {
    return MIGRATIONS;
  },
};

export const PUSH_MIGRATION_TABLE = 'herald_push_migration';
export const PUSH_MIGRATION_LOCK_TABLE = 'herald_push_migration_lock';
