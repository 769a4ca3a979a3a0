import { DEFAULT_MIGRATION_LOCK_TABLE, DEFAULT_MIGRATION_TABLE, sql } from 'kysely';
import type { CacheQuery, MessageCache } from '../../ports/message-cache.js';
import type { Message } from '../../ports/message.js';
import { messageToRow, rowToMessage } from '../sql/message-cache/message-row.js';
import { prepareCacheQueries } from '../sql/message-cache/queries.js';
import type { CacheDatabase, MessageRow } from '../sql/message-cache/schema.js';
import { GroupCommit } from './group-commit.js';
import { cacheMigrations } from './migrations.js';
import { openSqlite } from './open-sqlite.js';
import { WalSync } from './wal-sync.js';

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
  'attachment_deleted', 'content_type', 'encoding', 'sender', 'user', 'published', 'event', 'sequence_id',
] as const;

/**
 * The embedded message cache: SQLite in WAL mode, writes grouped into one commit per batch. The
 * reads are the dialect-neutral queries of adapters/sql/message-cache; the writes are here.
 */
export async function createSqliteMessageCache(options: SqliteMessageCacheOptions): Promise<MessageCache> {
  const connection = await openSqlite<CacheDatabase>({
    file: options.file,
    // 'full' is kept by WalSync, off the event loop, rather than by SQLite inside each commit.
    synchronous: 'NORMAL',
    // Kysely's default bookkeeping tables: the cache was the first store and never named its own.
    migrations: { provider: cacheMigrations, migrationTableName: DEFAULT_MIGRATION_TABLE, migrationLockTableName: DEFAULT_MIGRATION_LOCK_TABLE },
  });
  const { db, sqlite } = connection;
  const queries = prepareCacheQueries(db, rowToMessage);

  // The hot path skips the query builder: one prepared INSERT, run for each item inside one transaction.
  // Positional parameters: binding by name looks every column up on the row object, in C++.
  const insert = sqlite.prepare(
    `INSERT INTO messages (${INSERT_COLUMNS.map((c) => `"${c}"`).join(', ')}) VALUES (${INSERT_COLUMNS.map(() => '?').join(', ')})`,
  );
  const insertMany = sqlite.transaction((rows: Record<string, unknown>[]) => {
    for (const row of rows) insert.run(INSERT_COLUMNS.map((c) => row[c]));
  });
  // One statement, so the rows found are the rows deleted; SQLite serialises it with markPublished.
  const deleteWaiting = sqlite.prepare(
    `DELETE FROM messages WHERE published = 0 AND topic = @topic AND (sequence_id = @sid OR (sequence_id = '' AND mid = @sid)) RETURNING *`,
  );
  const walSync = options.sync === 'full' && options.file !== ':memory:' ? new WalSync(options.file) : undefined;
  /** After a write outside the group commit: under 'full', the write is on disk once this resolves. */
  const persist = async (): Promise<void> => {
    await walSync?.sync();
  };
  const writer = new GroupCommit<Record<string, unknown>>({
    write: (rows) => insertMany(rows),
    maxBatch: options.maxBatch,
    delayMs: options.batchDelayMs,
    onBatch: options.onBatch,
    ...(walSync ? { durable: () => walSync.sync() } : {}),
  });
  let closed: Promise<void> | undefined;

  // Reads first write what is pending (synchronously), so they see every add made before them.
  return {
    add(message: Message, scheduled: boolean) {
      return writer.add(messageToRow(message, !scheduled));
    },

    async deleteScheduled(topic: string, sequenceId: string): Promise<Message[]> {
      writer.flush();
      const deleted = (deleteWaiting.all({ topic, sid: sequenceId }) as MessageRow[]).map(rowToMessage);
      await persist();
      return deleted;
    },

    messages(query: CacheQuery): Promise<Message[]> {
      writer.flush();
      return queries.messages(query);
    },

    dueMessages(nowSeconds: number): Promise<Message[]> {
      writer.flush();
      return queries.dueMessages(nowSeconds);
    },

    async markPublished(ids: readonly string[]): Promise<string[]> {
      if (ids.length === 0) return [];
      // Only rows still waiting: a caller learns which messages it published, and no id is
      // published twice (the connection's writes are serialised by SQLite).
      const rows = await db.updateTable('messages').set({ published: 1 })
        .where('mid', 'in', ids as string[]).where('published', '=', 0).returning('mid').execute();
      await persist();
      return rows.map((r) => r.mid);
    },

    messageById(id: string): Promise<Message | undefined> {
      writer.flush();
      return queries.messageById(id);
    },

    async pruneExpired(nowSeconds: number): Promise<string[]> {
      writer.flush();
      const withFiles = await db.selectFrom('messages').select('mid')
        .where('expires', '>', 0).where('expires', '<', nowSeconds)
        .where('attachment_size', '>', 0).where('attachment_deleted', '=', 0).execute();
      await db.deleteFrom('messages').where('expires', '>', 0).where('expires', '<', nowSeconds).execute();
      await persist();
      return withFiles.map((r) => r.mid);
    },

    async expireTopic(topic: string, nowSeconds: number): Promise<void> {
      writer.flush();
      await db.updateTable('messages').set({ expires: nowSeconds - 1 }).where('topic', '=', topic).execute();
      await persist();
    },

    async expiredAttachmentIds(nowSeconds: number): Promise<string[]> {
      writer.flush();
      // Literal zeros: SQLite uses a partial index only when the query states its condition.
      const rows = await db.selectFrom('messages').select('mid')
        .where('attachment_expires', '>', sql.lit(0)).where('attachment_expires', '<', nowSeconds)
        .where('attachment_deleted', '=', sql.lit(0)).execute();
      const ids = rows.map((r) => r.mid);
      if (ids.length > 0) {
        await db.updateTable('messages').set({ attachment_deleted: 1 }).where('mid', 'in', ids).execute();
        await persist();
      }
      return ids;
    },

    attachmentIds(): Promise<string[]> {
      writer.flush();
      return queries.attachmentIds();
    },

    attachmentBytesBySender(sender: string, nowSeconds: number): Promise<number> {
      writer.flush();
      return queries.attachmentBytesBySender(sender, nowSeconds);
    },

    publishedCount: () => queries.publishedCount(),
    countPublished: (n: number) => queries.countPublished(n),

    close(): Promise<void> {
      closed ??= (async () => {
        await writer.drain();
        await walSync?.close();
        await connection.close();
      })();
      return closed;
    },
  };
}
