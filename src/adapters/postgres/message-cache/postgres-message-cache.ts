import type { CacheQuery, MessageCache } from '../../../ports/message-cache.js';
import type { Message } from '../../../ports/message.js';
import { prepareCacheQueries } from '../../sql/message-cache/queries.js';
import type { CacheDatabase } from '../../sql/message-cache/schema.js';
import type { PostgresDatabase } from '../open-postgres.js';
import { prepareExpiry } from './expiry.js';
import { AsyncGroupCommit } from '../../sql/async-group-commit.js';
import { prepareInsert } from './insert.js';
import { CACHE_MIGRATIONS } from './migrations.js';
import { prepareDeleteScheduled, prepareMarkPublished } from './scheduled.js';
import { storedRow, storedRowToMessage, type StoredMessageRow } from './schema.js';

export interface PostgresMessageCacheOptions {
  /** The shared database handle (see openPostgres); the cache uses its pool and does not close it. */
  database: PostgresDatabase;
  /** Most messages in one INSERT (`cache-batch-size`). */
  maxBatch: number;
  /** Extra wait before a batch goes (`cache-batch-timeout`); 0: the next event-loop turn. */
  batchDelayMs: number;
  /** Called with the size of each committed batch (for metrics). */
  onBatch?: (size: number) => void;
}

/**
 * The message cache on PostgreSQL: migrates its tables (under the advisory lock), then answers
 * the port with one statement per operation on the shared pool. Any number of processes may use
 * the same schema at once. See index.ts for the design.
 */
export async function createPostgresMessageCache(options: PostgresMessageCacheOptions): Promise<MessageCache> {
  const { database } = options;
  await database.migrate(CACHE_MIGRATIONS);
  const queries = prepareCacheQueries(database.kysely.withTables<CacheDatabase>(), storedRowToMessage);
  const markPublished = prepareMarkPublished(database.pool);
  const deleteScheduled = prepareDeleteScheduled(database.pool);
  const expiry = prepareExpiry(database.pool);
  const writer = new AsyncGroupCommit<StoredMessageRow>({
    write: prepareInsert(database.pool),
    maxBatch: options.maxBatch,
    delayMs: options.batchDelayMs,
    onBatch: options.onBatch,
  });
  let closed: Promise<void> | undefined;

  return {
    async add(message: Message, scheduled: boolean) {
      // Checked before it joins a batch, so a message PostgreSQL would refuse fails alone.
      const row = storedRow(message, !scheduled);
      await writer.add(row);
    },
    // Reads do not wait for pending writes: an add resolves only after its commit, so whatever
    // was acknowledged, on this node or another, is already visible.
    messages: (query: CacheQuery) => queries.messages(query),
    dueMessages: (nowSeconds: number) => queries.dueMessages(nowSeconds),
    markPublished,
    deleteScheduled,
    messageById: (id: string) => queries.messageById(id),
    pruneExpired: (nowSeconds: number) => expiry.pruneExpired(nowSeconds),
    expiredAttachmentIds: (nowSeconds: number) => expiry.expiredAttachmentIds(nowSeconds),
    async expireTopic(topic: string, nowSeconds: number) {
      await database.pool.query({ name: 'herald_cache_expire_topic', text: 'UPDATE messages SET expires = $2 WHERE topic = $1', values: [topic, Math.floor(nowSeconds) - 1] });
    },
    attachmentIds: () => queries.attachmentIds(),
    attachmentBytesBySender: (sender: string, nowSeconds: number) => queries.attachmentBytesBySender(sender, nowSeconds),
    publishedCount: () => queries.publishedCount(),
    countPublished: (n: number) => queries.countPublished(n),
    close() {
      closed ??= writer.close();
      return closed;
    },
  };
}
