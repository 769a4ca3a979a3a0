import { DEFAULT_MIGRATION_LOCK_TABLE, DEFAULT_MIGRATION_TABLE, sql } from 'kysely';
import type { CacheQuery, MessageCache } from '../../ports/message-cache.js';
import type { Message } from '../../ports/message.js';
import { GroupCommit } from './group-commit.js';
import { messageToRow, rowToMessage } from './message-row.js';
import { cacheMigrations } from './migrations.js';
import { openSqlite } from './open-sqlite.js';
import type { CacheDatabase } from './schema.js';

export interface SqliteMessageCacheOptions {
  /** File path, or ':memory:'. */
  file: string;
  /** SQLite `synchronous` level: 'full' syncs the WAL on every commit, 'normal' only at checkpoints. */
  sync: 'full' | 'normal';
  maxBatch: number;
  batchDelayMs: number;
  /** Called with the size of each committed batch (for metrics). */
  onBatch?: (size: number) => void;
}

const INSERT_COLUMNS = [
  'mid', 'time', 'expires', 'topic', 'message', 'title', 'priority', 'tags', 'click', 'icon', 'actions',
  'attachment_name', 'attachment_type', 'attachment_size', 'attachment_expires', 'attachment_url',
  'attachment_deleted', 'content_type', 'encoding', 'sender', 'user', 'published',
] as const;

/** The embedded message cache: SQLite in WAL mode, writes grouped into one commit per batch. */
export async function createSqliteMessageCache(options: SqliteMessageCacheOptions): Promise<MessageCache> {
  const connection = await openSqlite<CacheDatabase>({
    file: options.file,
    synchronous: options.sync === 'full' ? 'FULL' : 'NORMAL',
    // Kysely's default bookkeeping tables: the cache was the first store and never named its own.
    migrations: { provider: cacheMigrations, migrationTableName: DEFAULT_MIGRATION_TABLE, migrationLockTableName: DEFAULT_MIGRATION_LOCK_TABLE },
  });
  const { db, sqlite } = connection;

  // The hot path skips the query builder: one prepared INSERT, run for each item inside one transaction.
  const insert = sqlite.prepare(
    `INSERT INTO messages (${INSERT_COLUMNS.map((c) => `"${c}"`).join(', ')}) VALUES (${INSERT_COLUMNS.map((c) => `@${c}`).join(', ')})`,
  );
  const insertMany = sqlite.transaction((rows: Record<string, unknown>[]) => {
    for (const row of rows) insert.run(row);
  });
  const writer = new GroupCommit<Record<string, unknown>>({
    write: (rows) => insertMany(rows),
    maxBatch: options.maxBatch,
    delayMs: options.batchDelayMs,
    onBatch: options.onBatch,
  });
  let closed: Promise<void> | undefined;

  return {
    add(message: Message, scheduled: boolean) {
      return writer.add(messageToRow(message, !scheduled) as Record<string, unknown>);
    },

    async messages(query: CacheQuery): Promise<Message[]> {
      if (query.topics.length === 0 || query.since.kind === 'none') return [];
      // Make sure the caller sees its own just-acknowledged writes.
      writer.flush();
      let q = db.selectFrom('messages').selectAll().where('topic', 'in', query.topics as string[]);
      if (!query.scheduled) q = q.where('published', '=', 1);
      const since = query.since;
      if (since.kind === 'time') {
        q = q.where('time', '>=', since.time);
      } else if (since.kind === 'id') {
        const row = await db.selectFrom('messages').select('seq').where('mid', '=', since.id).executeTakeFirst();
        if (row) q = q.where('seq', '>', row.seq);
      } else if (since.kind === 'latest') {
        q = q.where('seq', 'in', db.selectFrom('messages').select((eb) => eb.fn.max('seq').as('seq'))
          .where('topic', 'in', query.topics as string[]).where('published', '=', 1).groupBy('topic'));
      }
      const rows = await q.orderBy('time').orderBy('seq').execute();
      return rows.map(rowToMessage);
    },

    async dueMessages(nowSeconds: number): Promise<Message[]> {
      writer.flush();
      const rows = await db.selectFrom('messages').selectAll()
        .where('published', '=', 0).where('time', '<=', nowSeconds).orderBy('time').orderBy('seq').execute();
      return rows.map(rowToMessage);
    },

    async markPublished(ids: readonly string[]): Promise<void> {
      if (ids.length === 0) return;
      await db.updateTable('messages').set({ published: 1 }).where('mid', 'in', ids as string[]).execute();
    },

    async messageById(id: string): Promise<Message | undefined> {
      writer.flush();
      const row = await db.selectFrom('messages').selectAll().where('mid', '=', id).executeTakeFirst();
      return row ? rowToMessage(row) : undefined;
    },

    async pruneExpired(nowSeconds: number): Promise<string[]> {
      writer.flush();
      const withFiles = await db.selectFrom('messages').select('mid')
        .where('expires', '>', 0).where('expires', '<', nowSeconds)
        .where('attachment_size', '>', 0).where('attachment_deleted', '=', 0).execute();
      await db.deleteFrom('messages').where('expires', '>', 0).where('expires', '<', nowSeconds).execute();
      return withFiles.map((r) => r.mid);
    },

    async expiredAttachmentIds(nowSeconds: number): Promise<string[]> {
      writer.flush();
      const rows = await db.selectFrom('messages').select('mid')
        .where('attachment_expires', '>', 0).where('attachment_expires', '<', nowSeconds)
        .where('attachment_deleted', '=', 0).execute();
      const ids = rows.map((r) => r.mid);
      if (ids.length > 0) await db.updateTable('messages').set({ attachment_deleted: 1 }).where('mid', 'in', ids).execute();
      return ids;
    },

    async attachmentIds(): Promise<string[]> {
      writer.flush();
      const rows = await db.selectFrom('messages').select('mid').where('attachment_size', '>', 0).where('attachment_deleted', '=', 0).execute();
      return rows.map((r) => r.mid);
    },

    async attachmentBytesBySender(sender: string, nowSeconds: number): Promise<number> {
      writer.flush();
      const row = await db.selectFrom('messages')
        .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('attachment_size'), sql<number>`0`).as('total'))
        .where('sender', '=', sender).where('attachment_expires', '>=', nowSeconds)
        .where('attachment_deleted', '=', 0).executeTakeFirst();
      return Number(row?.total ?? 0);
    },

    async publishedCount(): Promise<number> {
      const row = await db.selectFrom('stats').select('value').where('key', '=', 'messages').executeTakeFirst();
      return row?.value ?? 0;
    },

    async countPublished(n: number): Promise<void> {
      await db.updateTable('stats').set((eb) => ({ value: eb('value', '+', n) })).where('key', '=', 'messages').execute();
    },

    close(): Promise<void> {
      closed ??= (async () => {
        writer.flush();
        await connection.close();
      })();
      return closed;
    },
  };
}
