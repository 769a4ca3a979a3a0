import { sql, type Kysely } from 'kysely';
import type { CacheQuery } from '../../../ports/message-cache.js';
import type { Message } from '../../../ports/message.js';
import type { CacheDatabase, MessageRow } from './schema.js';

/**
 * The message cache's reads and its counter, in SQL both dialects understand (docs/storage.md:
 * queries by topic and `since` are Kysely). Each is one statement. The writes that several nodes
 * may race on (publishing due messages, pruning, handing out expired files) are per dialect.
 *
 * Times are compared with whole seconds, rounded so that the answer is the one the exact time
 * would give (the columns hold integers, and PostgreSQL binds the parameter as a bigint).
 *
 * Flags and "set" tests are literals, not parameters, so PostgreSQL can match its partial
 * indexes (`published = 0`, `attachment_size > 0 AND attachment_deleted = 0`) whatever the plan.
 */
export interface CacheQueries {
  messages(query: CacheQuery): Promise<Message[]>;
  messageById(id: string): Promise<Message | undefined>;
  dueMessages(nowSeconds: number): Promise<Message[]>;
  attachmentIds(): Promise<string[]>;
  attachmentBytesBySender(sender: string, nowSeconds: number): Promise<number>;
  publishedCount(): Promise<number>;
  countPublished(n: number): Promise<void>;
}

/** `toMessage` maps a row as this dialect stores it. */
export function prepareCacheQueries(db: Kysely<CacheDatabase>, toMessage: (row: MessageRow) => Message): CacheQueries {
  const zero = sql.lit(0);
  const one = sql.lit(1);
  return {
    async messages(query) {
      if (query.topics.length === 0 || query.since.kind === 'none') return [];
      const topics = query.topics as string[];
      let q = db.selectFrom('messages').selectAll().where('topic', 'in', topics);
      if (!query.scheduled) q = q.where('published', '=', one);
      const since = query.since;
      if (since.kind === 'time') {
        q = q.where('time', '>=', Math.ceil(since.time));
      } else if (since.kind === 'id') {
        // One statement: an unknown id finds no seq, and 0 is below every seq.
        q = q.where('seq', '>', sql<number>`coalesce((SELECT seq FROM messages WHERE mid = ${since.id}), 0)`);
      } else if (since.kind === 'latest') {
        q = q.where('seq', 'in', db.selectFrom('messages').select((eb) => eb.fn.max('seq').as('seq'))
          .where('topic', 'in', topics).where('published', '=', one).groupBy('topic'));
      }
      const rows = await q.orderBy('time').orderBy('seq').execute();
      return rows.map(toMessage);
    },

    async messageById(id) {
      const row = await db.selectFrom('messages').selectAll().where('mid', '=', id).executeTakeFirst();
      return row ? toMessage(row) : undefined;
    },

    async dueMessages(nowSeconds) {
      const rows = await db.selectFrom('messages').selectAll()
        .where('published', '=', zero).where('time', '<=', Math.floor(nowSeconds)).orderBy('time').orderBy('seq').execute();
      return rows.map(toMessage);
    },

    async attachmentIds() {
      const rows = await db.selectFrom('messages').select('mid')
        .where('attachment_size', '>', zero).where('attachment_deleted', '=', zero).execute();
      return rows.map((r) => r.mid);
    },

    async attachmentBytesBySender(sender, nowSeconds) {
      // `attachment_size > 0` changes no sum; it lets PostgreSQL use its index of live uploads.
      const row = await db.selectFrom('messages')
        .select((eb) => eb.fn.coalesce(eb.fn.sum<number | string>('attachment_size'), sql<number>`0`).as('total'))
        .where('sender', '=', sender).where('attachment_expires', '>=', Math.ceil(nowSeconds))
        .where('attachment_size', '>', zero).where('attachment_deleted', '=', zero).executeTakeFirst();
      return Number(row?.total ?? 0);
    },

    async publishedCount() {
      const row = await db.selectFrom('stats').select('value').where('key', '=', 'messages').executeTakeFirst();
      return Number(row?.value ?? 0);
    },

    async countPublished(n) {
      // One UPDATE adding to the stored value: concurrent additions, from any node, all count.
      await db.updateTable('stats').set({ value: sql<number>`value + ${n}` }).where('key', '=', 'messages').execute();
    },
  };
}
