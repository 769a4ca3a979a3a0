import { DEFAULT_MIGRATION_LOCK_TABLE, DEFAULT_MIGRATION_TABLE } from 'kysely';
import type { CacheQuery, MessageCache } from '../../../ports/message-cache.js';
import type { Message } from '../../../ports/message.js';
import { AsyncGroupCommit } from '../../sql/async-group-commit.js';
import { messageToRow, rowToMessage } from '../../sql/message-cache/message-row.js';
import { prepareCacheQueries } from '../../sql/message-cache/queries.js';
import type { CacheDatabase } from '../../sql/message-cache/schema.js';
import { openSqlite } from '../open-sqlite.js';
import { cacheMigrations } from './migrations.js';
import { inlineCacheWriter, startCacheWriterThread, type CacheWriter } from './writer.js';
import { insertValues, type InsertValues } from './writes.js';

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

/**
 * The embedded message cache: SQLite in WAL mode. The reads are the dialect-neutral queries of
 * adapters/sql/message-cache, on this thread's connection; the writes (writes.ts) run in a writer
 * thread of their own (writer.ts), adds grouped into one commit per batch.
 * Every read and write first waits for the adds made before it, so it sees them.
 */
export async function createSqliteMessageCache(options: SqliteMessageCacheOptions): Promise<MessageCache> {
  const synchronous = options.sync === 'full' ? 'FULL' : 'NORMAL';
  const connection = await openSqlite<CacheDatabase>({
    file: options.file,
    synchronous,
    // Kysely's default bookkeeping tables: the cache was the first store and never named its own.
    migrations: { provider: cacheMigrations, migrationTableName: DEFAULT_MIGRATION_TABLE, migrationLockTableName: DEFAULT_MIGRATION_LOCK_TABLE },
  });
  const { db, sqlite } = connection;
  const queries = prepareCacheQueries(db, rowToMessage);
  let writer: CacheWriter;
  try {
    writer = options.file === ':memory:' ? inlineCacheWriter(sqlite) : await startCacheWriterThread({ file: options.file, synchronous });
  } catch (err) {
    await connection.close();
    throw err;
  }
  const adds = new AsyncGroupCommit<InsertValues>({
    write: (rows) => writer.run('insert', rows),
    maxBatch: options.maxBatch,
    delayMs: options.batchDelayMs,
    // The thread runs its writes in the order posted. Two on their way: one being committed while
    // the next waits, so neither thread waits for the other; more would only cost more posts.
    maxInFlight: 2,
    ...(options.onBatch ? { onBatch: options.onBatch } : {}),
  });
  /** Runs `then` once every add made before it has committed. */
  const afterAdds = async <T>(then: () => Promise<T>): Promise<T> => {
    await adds.flush();
    return then();
  };
  let closed: Promise<void> | undefined;

  return {
    add: (message: Message, scheduled: boolean) => adds.add(insertValues(messageToRow(message, !scheduled))),

    deleteScheduled: (topic: string, sequenceId: string) =>
      afterAdds(async () => (await writer.run('deleteScheduled', topic, sequenceId)).map(rowToMessage)),

    messages: (query: CacheQuery) => afterAdds(() => queries.messages(query)),
    dueMessages: (nowSeconds: number) => afterAdds(() => queries.dueMessages(nowSeconds)),

    markPublished: (ids: readonly string[]) => (ids.length === 0 ? Promise.resolve([]) : afterAdds(() => writer.run('markPublished', [...ids]))),

    messageById: (id: string) => afterAdds(() => queries.messageById(id)),
    pruneExpired: (nowSeconds: number) => afterAdds(() => writer.run('pruneExpired', nowSeconds)),
    expireTopic: (topic: string, nowSeconds: number) => afterAdds(() => writer.run('expireTopic', topic, nowSeconds)),
    expiredAttachmentIds: (nowSeconds: number) => afterAdds(() => writer.run('expiredAttachmentIds', nowSeconds)),
    attachmentIds: () => afterAdds(() => queries.attachmentIds()),
    attachmentBytesBySender: (sender: string, nowSeconds: number) => afterAdds(() => queries.attachmentBytesBySender(sender, nowSeconds)),

    publishedCount: () => queries.publishedCount(),
    countPublished: (n: number) => writer.run('countPublished', n),

    close(): Promise<void> {
      closed ??= (async () => {
        await adds.close();
        await writer.close();
        await connection.close();
      })();
      return closed;
    },
  };
}
