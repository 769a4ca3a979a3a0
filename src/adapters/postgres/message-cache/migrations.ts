import { sql, type Kysely, type Migration } from 'kysely';
import { storeMigrations } from '../migrate.js';

/**
 * Versioned migrations of the message cache on PostgreSQL, applied in name order at start (under
 * the advisory lock of migrate.ts). Same tables and columns as the SQLite cache, plus
 * `nul_escaped` (see schema.ts). Times are Unix seconds from the callers, never the server's now().
 */
const MIGRATIONS: Record<string, Migration> = {
  '0001_messages': {
    async up(db: Kysely<unknown>): Promise<void> {
      // Identifiers compare byte-wise (COLLATE "C"), as on SQLite, and cost no locale work in the
      // indexes every publish updates. Flags are smallint 0/1 like SQLite's, so both dialects share
      // their queries (adapters/sql/message-cache).
      await sql`CREATE TABLE messages (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        mid text COLLATE "C" NOT NULL UNIQUE,
        "time" bigint NOT NULL,
        expires bigint NOT NULL,
        topic text COLLATE "C" NOT NULL,
        message text NOT NULL,
        title text NOT NULL,
        priority smallint NOT NULL,
        tags text NOT NULL,
        click text NOT NULL,
        icon text NOT NULL,
        actions text NOT NULL,
        attachment_name text NOT NULL,
        attachment_type text NOT NULL,
        attachment_size bigint NOT NULL,
        attachment_expires bigint NOT NULL,
        attachment_url text NOT NULL,
        attachment_deleted smallint NOT NULL,
        content_type text NOT NULL,
        encoding text NOT NULL,
        sender text COLLATE "C" NOT NULL,
        "user" text NOT NULL,
        published smallint NOT NULL,
        nul_escaped boolean NOT NULL DEFAULT false
      )`.execute(db);
      // Every publish writes the primary key, mid's unique index, this one and the expiry index
      // below; the other indexes are partial and only see scheduled messages or uploads.
      // Subscribers' reads: `topic IN (…)` with `seq > (seq of the since id)`, the highest seq per
      // topic for `latest`, or all of a topic's rows for `all` and `since=<time>` (a topic holds at
      // most the cache duration's worth, so no separate time index is kept).
      await sql`CREATE INDEX messages_topic_seq ON messages (topic, seq)`.execute(db);
      // dueMessages: `published = 0 AND time <= now ORDER BY time, seq`, read in order. Only
      // scheduled messages are in it, so every node's delayed-sender tick reads a tiny index.
      await sql`CREATE INDEX messages_due ON messages ("time", seq) WHERE published = 0`.execute(db);
      // pruneExpired: `expires > 0 AND expires < now`.
      await sql`CREATE INDEX messages_expires ON messages (expires) WHERE expires > 0`.execute(db);
      // expiredAttachmentIds: files not yet handed out, `attachment_expires < now`.
      await sql`CREATE INDEX messages_attachment_expires ON messages (attachment_expires)
        WHERE attachment_deleted = 0 AND attachment_expires > 0`.execute(db);
      // attachmentBytesBySender (checked on every upload): one sender's live uploads not yet
      // expired; attachmentIds (at start) reads the whole of this small index's table rows.
      await sql`CREATE INDEX messages_sender_uploads ON messages (sender, attachment_expires)
        WHERE attachment_size > 0 AND attachment_deleted = 0`.execute(db);

      await sql`CREATE TABLE stats (key text PRIMARY KEY, value bigint NOT NULL)`.execute(db);
      await sql`INSERT INTO stats (key, value) VALUES ('messages', 0)`.execute(db);
    },
  },
  // ntfy 2.16's sequence IDs: clear and delete events are cached beside messages, and a publish
  // with the sequence ID of a waiting scheduled message replaces it. Adding a column with a
  // constant default rewrites no rows on PostgreSQL 11+.
  '0002_sequence_ids': {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`ALTER TABLE messages ADD COLUMN event text COLLATE "C" NOT NULL DEFAULT 'message'`.execute(db);
      await sql`ALTER TABLE messages ADD COLUMN sequence_id text COLLATE "C" NOT NULL DEFAULT ''`.execute(db);
      // replaceScheduled: a topic's waiting messages with one sequence ID (or, without one, that id).
      await sql`CREATE INDEX messages_waiting_sequence ON messages (topic, sequence_id) WHERE published = 0`.execute(db);
    },
  },
};

/** The cache's migrations with their own bookkeeping tables, so it may share a schema with other stores. */
export const CACHE_MIGRATIONS = storeMigrations('herald_cache', MIGRATIONS);
