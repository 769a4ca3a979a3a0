import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/** Versioned migrations of the message cache, applied in name order at start. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_messages': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('messages')
        .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('mid', 'text', (c) => c.notNull().unique())
        .addColumn('time', 'integer', (c) => c.notNull())
        .addColumn('expires', 'integer', (c) => c.notNull())
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('click', 'text', (c) => c.notNull())
        .addColumn('icon', 'text', (c) => c.notNull())
        .addColumn('actions', 'text', (c) => c.notNull())
        .addColumn('attachment_name', 'text', (c) => c.notNull())
        .addColumn('attachment_type', 'text', (c) => c.notNull())
        .addColumn('attachment_size', 'integer', (c) => c.notNull())
        .addColumn('attachment_expires', 'integer', (c) => c.notNull())
        .addColumn('attachment_url', 'text', (c) => c.notNull())
        .addColumn('attachment_deleted', 'integer', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('encoding', 'text', (c) => c.notNull())
        .addColumn('sender', 'text', (c) => c.notNull())
        .addColumn('user', 'text', (c) => c.notNull())
        .addColumn('published', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('idx_messages_topic_seq').on('messages').columns(['topic', 'seq']).execute();
      await db.schema.createIndex('idx_messages_time').on('messages').column('time').execute();
      await db.schema.createIndex('idx_messages_expires').on('messages').column('expires').execute();
      await db.schema.createIndex('idx_messages_sender').on('messages').column('sender').execute();
      await db.schema.createIndex('idx_messages_published_time').on('messages').columns(['published', 'time']).execute();
      await db.schema
        .createTable('stats')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'integer', (c) => c.notNull())
        .execute();
      await sql`INSERT INTO stats (key, value) VALUES ('messages', 0)`.execute(db);
    },
  },
  // ntfy 2.16's sequence IDs: clear and delete events are cached beside messages, and a publish
  // with the sequence ID of a waiting scheduled message replaces it (found through the index).
  '0002_sequence_ids': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('messages').addColumn('event', 'text', (c) => c.notNull().defaultTo('message')).execute();
      await db.schema.alterTable('messages').addColumn('sequence_id', 'text', (c) => c.notNull().defaultTo('')).execute();
      await sql`CREATE INDEX idx_messages_waiting_sequence ON messages (topic, sequence_id) WHERE published = 0`.execute(db);
    },
  },
  // Every index is written by every publish, and each costs a page in every commit's WAL frames:
  // 0001's seven b-trees per insert were most of a durable publish's database time. Only the
  // primary key, mid's unique index, (topic, seq) and expires now see every message; the
  // scheduled-message and upload indexes are partial, as in the PostgreSQL schema. Subscribers'
  // `since=<time>` reads go through (topic, seq): a topic holds at most the cache duration's worth.
  '0003_lean_indexes': {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`DROP INDEX idx_messages_time`.execute(db);
      await sql`DROP INDEX idx_messages_published_time`.execute(db);
      await sql`DROP INDEX idx_messages_sender`.execute(db);
      // dueMessages: `published = 0 AND time <= now ORDER BY time, seq`.
      await sql`CREATE INDEX idx_messages_due ON messages (time, seq) WHERE published = 0`.execute(db);
      // attachmentBytesBySender (on every upload) and attachmentIds: live uploads only.
      await sql`CREATE INDEX idx_messages_sender_uploads ON messages (sender, attachment_expires)
        WHERE attachment_size > 0 AND attachment_deleted = 0`.execute(db);
      // expiredAttachmentIds: files not yet handed out, `attachment_expires < now`.
      await sql`CREATE INDEX idx_messages_attachment_expires ON messages (attachment_expires)
        WHERE attachment_deleted = 0 AND attachment_expires > 0`.execute(db);
    },
  },
};

export const cacheMigrations: MigrationProvider = {
  async getMigrations() {
    return MIGRATIONS;
  },
};
