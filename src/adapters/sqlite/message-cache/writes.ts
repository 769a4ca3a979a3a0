import type Database from 'better-sqlite3';
import type { NewMessageRow } from '../../sql/message-cache/message-row.js';
import type { MessageRow } from '../../sql/message-cache/schema.js';

/** The columns an insert sets, in the order of a row's values. */
const INSERT_COLUMNS = [
  'mid', 'time', 'expires', 'topic', 'message', 'title', 'priority', 'tags', 'click', 'icon', 'actions',
  'attachment_name', 'attachment_type', 'attachment_size', 'attachment_expires', 'attachment_url',
  'attachment_deleted', 'content_type', 'encoding', 'sender', 'user', 'published', 'event', 'sequence_id',
] as const satisfies readonly (keyof NewMessageRow)[];

/** A row as the writer takes it: its values in INSERT_COLUMNS order (cheap to hand to a thread). */
export type InsertValues = NewMessageRow[(typeof INSERT_COLUMNS)[number]][];

export function insertValues(row: NewMessageRow): InsertValues {
  return INSERT_COLUMNS.map((c) => row[c]);
}

/**
 * Every write of the message cache, as synchronous functions of one connection. They run in the
 * cache's writer thread (writer.ts), or inline for a cache kept in memory. Each is one
 * transaction; those that hand rows back read them with RETURNING, in the same statement.
 */
export function prepareCacheWrites(sqlite: Database.Database) {
  const insert = sqlite.prepare(`INSERT INTO messages (${INSERT_COLUMNS.map((c) => `"${c}"`).join(', ')}) VALUES (${INSERT_COLUMNS.map(() => '?').join(', ')})`);
  const insertMany = sqlite.transaction((rows: InsertValues[]) => {
    for (const values of rows) insert.run(values);
  });
  // One statement, so the rows found are the rows deleted.
  const deleteWaiting = sqlite.prepare(
    `DELETE FROM messages WHERE published = 0 AND topic = ? AND (sequence_id = ? OR (sequence_id = '' AND mid = ?)) RETURNING *`,
  );
  // Only rows still waiting: a caller learns which messages it published, and none is published twice.
  const publish = sqlite.prepare(`UPDATE messages SET published = 1 WHERE published = 0 AND mid IN (SELECT value FROM json_each(?)) RETURNING mid`).pluck();
  const expiredWithFiles = sqlite.prepare(
    `SELECT mid FROM messages WHERE expires > 0 AND expires < ? AND attachment_size > 0 AND attachment_deleted = 0`,
  ).pluck();
  const deleteExpired = sqlite.prepare(`DELETE FROM messages WHERE expires > 0 AND expires < ?`);
  const pruneExpired = sqlite.transaction((nowSeconds: number) => {
    const withFiles = expiredWithFiles.all(nowSeconds) as string[];
    deleteExpired.run(nowSeconds);
    return withFiles;
  });
  const expireTopic = sqlite.prepare(`UPDATE messages SET expires = ? WHERE topic = ?`);
  // Literal zeros: SQLite uses a partial index only when the statement states its condition.
  const handOutFiles = sqlite.prepare(
    `UPDATE messages SET attachment_deleted = 1 WHERE attachment_expires > 0 AND attachment_expires < ? AND attachment_deleted = 0 RETURNING mid`,
  ).pluck();
  const count = sqlite.prepare(`UPDATE stats SET value = value + ? WHERE key = 'messages'`);

  return {
    insert(rows: InsertValues[]): void {
      insertMany(rows);
    },
    deleteScheduled(topic: string, sequenceId: string): MessageRow[] {
      return deleteWaiting.all(topic, sequenceId, sequenceId) as MessageRow[];
    },
    markPublished(ids: string[]): string[] {
      return publish.all(JSON.stringify(ids)) as string[];
    },
    pruneExpired(nowSeconds: number): string[] {
      return pruneExpired(nowSeconds);
    },
    expireTopic(topic: string, nowSeconds: number): void {
      expireTopic.run(nowSeconds - 1, topic);
    },
    expiredAttachmentIds(nowSeconds: number): string[] {
      return handOutFiles.all(nowSeconds) as string[];
    },
    countPublished(n: number): void {
      count.run(n);
    },
  };
}

export type CacheWrites = ReturnType<typeof prepareCacheWrites>;
export type CacheWriteOp = keyof CacheWrites;
