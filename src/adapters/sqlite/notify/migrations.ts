import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/** Versioned migrations of the notify store, which lives in the queue file beside the push ledger. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_notify': {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`CREATE TABLE subscribers (
        id TEXT PRIMARY KEY,
        email TEXT, phone TEXT, name TEXT, locale TEXT, timezone TEXT, webhook_url TEXT,
        data TEXT NOT NULL CHECK (json_valid(data)),
        preferences TEXT CHECK (preferences IS NULL OR json_valid(preferences)),
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
      )`.execute(db);
      await sql`CREATE TABLE categories (
        name TEXT PRIMARY KEY, description TEXT NOT NULL,
        channels TEXT NOT NULL CHECK (json_valid(channels)), critical INTEGER NOT NULL,
        digest_window_ms INTEGER, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
      )`.execute(db);
      await sql`CREATE TABLE templates (
        name TEXT PRIMARY KEY, definition TEXT NOT NULL CHECK (json_valid(definition)),
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
      )`.execute(db);
      // AUTOINCREMENT: a seq is never reused, so a pruned notification's rows cannot be mistaken for a new one's.
      await sql`CREATE TABLE notifications (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        template TEXT NOT NULL, category TEXT NOT NULL, priority TEXT NOT NULL, strategy TEXT NOT NULL,
        channels TEXT, data TEXT NOT NULL, audience TEXT NOT NULL, send_at TEXT, expires_at INTEGER,
        idempotency_key TEXT, actor TEXT NOT NULL, created_at INTEGER NOT NULL,
        phase TEXT NOT NULL CHECK (phase IN ('routing', 'routed', 'canceled')),
        route_cursor TEXT, recipients INTEGER NOT NULL DEFAULT 0
      )`.execute(db);
      await sql`CREATE INDEX notifications_idem ON notifications (actor, idempotency_key, created_at) WHERE idempotency_key IS NOT NULL`.execute(db);
      await sql`CREATE INDEX notifications_created ON notifications (created_at)`.execute(db);
      await sql`CREATE INDEX notifications_routing ON notifications (seq) WHERE phase = 'routing'`.execute(db);
      await sql`CREATE TABLE notify_recipients (
        notification_seq INTEGER NOT NULL, subscriber_id TEXT NOT NULL,
        state TEXT NOT NULL, reason TEXT, plan TEXT NOT NULL,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
        PRIMARY KEY (notification_seq, subscriber_id)
      ) WITHOUT ROWID`.execute(db);
      await sql`CREATE INDEX notify_recipients_subscriber ON notify_recipients (subscriber_id)`.execute(db);
      await sql`CREATE TABLE notify_channels (
        notification_seq INTEGER NOT NULL, subscriber_id TEXT NOT NULL, channel TEXT NOT NULL,
        state TEXT NOT NULL, reason TEXT, address TEXT, provider_id TEXT, attempts INTEGER NOT NULL,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, sent_at INTEGER,
        PRIMARY KEY (notification_seq, subscriber_id, channel)
      ) WITHOUT ROWID`.execute(db);
      await sql`CREATE INDEX notify_channels_subscriber ON notify_channels (subscriber_id)`.execute(db);
      await sql`CREATE INDEX notify_channels_provider ON notify_channels (channel, provider_id) WHERE provider_id IS NOT NULL`.execute(db);
      await sql`CREATE TABLE notify_sends (subscriber_id TEXT NOT NULL, at INTEGER NOT NULL, category TEXT NOT NULL)`.execute(db);
      await sql`CREATE INDEX notify_sends_subscriber ON notify_sends (subscriber_id, at)`.execute(db);
      await sql`CREATE TABLE inbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, subscriber_id TEXT NOT NULL,
        notification_id TEXT, category TEXT, title TEXT, body TEXT NOT NULL, url TEXT,
        data TEXT NOT NULL, created_at INTEGER NOT NULL, seen_at INTEGER, read_at INTEGER, archived_at INTEGER
      )`.execute(db);
      await sql`CREATE INDEX inbox_subscriber ON inbox (subscriber_id, seq)`.execute(db);
      await sql`CREATE TABLE digests (
        subscriber_id TEXT NOT NULL, category TEXT NOT NULL, carrier_seq INTEGER NOT NULL,
        flush_at INTEGER NOT NULL, events TEXT NOT NULL, PRIMARY KEY (subscriber_id, category)
      ) WITHOUT ROWID`.execute(db);
      await sql`CREATE TABLE suppressed_addresses (
        address TEXT PRIMARY KEY, kind TEXT NOT NULL, reason TEXT NOT NULL, at INTEGER NOT NULL
      ) WITHOUT ROWID`.execute(db);
    },
  },
  // One spelling across Herald's APIs: push says 'cancelled', and so does notify now. SQLite cannot
  // change a CHECK in place, so notifications is rebuilt; its AUTOINCREMENT high-water mark is
  // carried over, so a seq of a notification pruned before the move is still never handed out again.
  '0002_cancelled': {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`CREATE TABLE notifications_0002 (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        template TEXT NOT NULL, category TEXT NOT NULL, priority TEXT NOT NULL, strategy TEXT NOT NULL,
        channels TEXT, data TEXT NOT NULL, audience TEXT NOT NULL, send_at TEXT, expires_at INTEGER,
        idempotency_key TEXT, actor TEXT NOT NULL, created_at INTEGER NOT NULL,
        phase TEXT NOT NULL CHECK (phase IN ('routing', 'routed', 'cancelled')),
        route_cursor TEXT, recipients INTEGER NOT NULL DEFAULT 0
      )`.execute(db);
      await sql`INSERT INTO notifications_0002 (seq, id, template, category, priority, strategy, channels, data, audience, send_at,
          expires_at, idempotency_key, actor, created_at, phase, route_cursor, recipients)
        SELECT seq, id, template, category, priority, strategy, channels, data, audience, send_at,
          expires_at, idempotency_key, actor, created_at, CASE phase WHEN 'canceled' THEN 'cancelled' ELSE phase END, route_cursor, recipients
        FROM notifications`.execute(db);
      const high = await sql<{ seq: number }>`SELECT seq FROM sqlite_sequence WHERE name = 'notifications'`.execute(db);
      await sql`DROP TABLE notifications`.execute(db);
      await sql`ALTER TABLE notifications_0002 RENAME TO notifications`.execute(db);
      const mark = high.rows[0]?.seq;
      if (mark !== undefined) await sql`UPDATE sqlite_sequence SET seq = max(seq, ${mark}) WHERE name = 'notifications'`.execute(db);
      await sql`INSERT INTO sqlite_sequence (name, seq) SELECT 'notifications', ${mark ?? 0} WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'notifications')`.execute(db);
      await sql`CREATE INDEX notifications_idem ON notifications (actor, idempotency_key, created_at) WHERE idempotency_key IS NOT NULL`.execute(db);
      await sql`CREATE INDEX notifications_created ON notifications (created_at)`.execute(db);
      await sql`CREATE INDEX notifications_routing ON notifications (seq) WHERE phase = 'routing'`.execute(db);
      await sql`UPDATE notify_recipients SET state = 'cancelled' WHERE state = 'canceled'`.execute(db);
      await sql`UPDATE notify_channels SET state = 'cancelled' WHERE state = 'canceled'`.execute(db);
      await sql`UPDATE notify_channels SET reason = 'cancelled' WHERE reason = 'canceled'`.execute(db);
    },
  },
};

export const notifyMigrations: MigrationProvider = { getMigrations: () => Promise.resolve(MIGRATIONS) };
export const NOTIFY_MIGRATION_TABLE = 'notify_migrations';
export const NOTIFY_MIGRATION_LOCK_TABLE = 'notify_migrations_lock';
