import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import type { DeviceStore, UserTopicFilter } from '../../../ports/device-store.js';
import { clampLimit, DEVICE_LIST_MAX_LIMIT, type DevicesDatabase } from './schema.js';

type BindingsEb = ExpressionBuilder<DevicesDatabase, 'user_topics'>;

/**
 * The listing of every user's bound topics, in the order of user_topics' primary key (user, topic)
 * so a page walks the index from the cursor. The cursor is the JSON pair `[user, topic]`: a user id
 * may hold any character, so no separator would split it safely.
 */
export function prepareUserTopicList(db: Kysely<DevicesDatabase>): Pick<DeviceStore, 'listUserTopics' | 'countUserTopics'> {
  const base = (filter: UserTopicFilter) => db.selectFrom('user_topics').where((eb) => bindingFilter(eb, filter));
  return {
    async listUserTopics(query) {
      const limit = clampLimit(query.limit, DEVICE_LIST_MAX_LIMIT);
      if (limit === 0) return { bindings: [] };
      let q = base(query).select(['user_topics.user as user', 'user_topics.topic as topic']);
      const after = query.cursor !== undefined ? parseCursor(query.cursor) : undefined;
      if (after) q = q.where((eb) => eb(eb.refTuple('user_topics.user', 'user_topics.topic'), '>', eb.tuple(after.user, after.topic)));
      // One row past the page tells whether another page exists without a count.
      const rows = await q.orderBy('user_topics.user').orderBy('user_topics.topic').limit(limit + 1).execute();
      const bindings = rows.slice(0, limit).map((r) => ({ user: r.user, topic: r.topic }));
      const last = bindings[bindings.length - 1];
      return rows.length > limit && last ? { bindings, nextCursor: JSON.stringify([last.user, last.topic]) } : { bindings };
    },

    async countUserTopics(filter) {
      const row = await base(filter).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

/** A cursor not of this listing starts it from the top. */
function parseCursor(cursor: string): { user: string; topic: string } | undefined {
  try {
    const parsed = JSON.parse(cursor) as unknown;
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') return { user: parsed[0], topic: parsed[1] };
  } catch {
    // fall through
  }
  return undefined;
}

function bindingFilter(eb: BindingsEb, filter: UserTopicFilter): Expression<SqlBool> {
  const all: Expression<SqlBool>[] = [];
  if (filter.users?.length) all.push(eb('user_topics.user', 'in', [...new Set(filter.users)]));
  if (filter.topics?.length) all.push(eb('user_topics.topic', 'in', [...new Set(filter.topics)]));
  if (filter.topicPrefix) {
    // substr, not LIKE, as in the device topic listing: case-sensitive, and no wildcard to escape.
    all.push(sql<SqlBool>`substr(user_topics.topic, 1, ${sql.lit([...filter.topicPrefix].length)}) = ${filter.topicPrefix}`);
  }
  return eb.and(all);
}
