import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import type { DeviceStore, DeviceTopicFilter } from '../../../ports/device-store.js';
import { ofUsers } from './device-filter.js';
import { clampLimit, DEVICE_LIST_MAX_LIMIT, type DevicesDatabase } from './schema.js';

type TopicsEb = ExpressionBuilder<DevicesDatabase, 'device_topics' | 'devices'>;

/**
 * The listing of devices' own topics, one entry per (device, topic), in the order of
 * device_topics' primary key so a page walks the index. The cursor is `<device id>:<topic>`: a
 * device id holds no colon, so the first one splits it whatever the topic holds.
 */
export function prepareDeviceTopics(db: Kysely<DevicesDatabase>): Pick<DeviceStore, 'listDeviceTopics' | 'countDeviceTopics'> {
  const base = (filter: DeviceTopicFilter) => db.selectFrom('device_topics')
    .innerJoin('devices', 'devices.id', 'device_topics.device_id')
    .where((eb) => topicFilter(eb, filter));
  return {
    async listDeviceTopics(query) {
      const limit = clampLimit(query.limit, DEVICE_LIST_MAX_LIMIT);
      if (limit === 0) return { entries: [] };
      let q = base(query).select(['device_topics.device_id as deviceId', 'device_topics.topic as topic']);
      const after = query.cursor !== undefined ? splitCursor(query.cursor) : undefined;
      if (after) {
        q = q.where((eb) => eb.or([
          eb('device_topics.device_id', '>', after.deviceId),
          eb.and([eb('device_topics.device_id', '=', after.deviceId), eb('device_topics.topic', '>', after.topic)]),
        ]));
      }
      const rows = await q.orderBy('device_topics.device_id').orderBy('device_topics.topic').limit(limit + 1).execute();
      const entries = rows.slice(0, limit).map((r) => ({ deviceId: r.deviceId, topic: r.topic }));
      const last = entries[entries.length - 1];
      return rows.length > limit && last ? { entries, nextCursor: `${last.deviceId}:${last.topic}` } : { entries };
    },

    async countDeviceTopics(filter) {
      const row = await base(filter).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

function splitCursor(cursor: string): { deviceId: string; topic: string } {
  const colon = cursor.indexOf(':');
  // A cursor with no colon starts after every topic of that device id.
  return colon < 0 ? { deviceId: cursor, topic: '\u{10FFFF}' } : { deviceId: cursor.slice(0, colon), topic: cursor.slice(colon + 1) };
}

function topicFilter(eb: TopicsEb, filter: DeviceTopicFilter): Expression<SqlBool> {
  const all: Expression<SqlBool>[] = [];
  if (filter.deviceIds?.length) all.push(eb('device_topics.device_id', 'in', [...new Set(filter.deviceIds)]));
  if (filter.providers?.length) all.push(eb('devices.provider', 'in', [...new Set(filter.providers)]));
  if (filter.platforms?.length) all.push(eb('devices.platform', 'in', [...new Set(filter.platforms)]));
  if (filter.users?.length) all.push(ofUsers(eb as unknown as ExpressionBuilder<DevicesDatabase, 'devices'>, filter.users));
  if (filter.topics?.length) all.push(eb('device_topics.topic', 'in', [...new Set(filter.topics)]));
  if (filter.topicPrefix) {
    // substr, not LIKE: SQLite's LIKE ignores ASCII case, and a prefix holding % or _ needs no escaping.
    all.push(sql<SqlBool>`substr(device_topics.topic, 1, ${sql.lit(charLength(filter.topicPrefix))}) = ${filter.topicPrefix}`);
  }
  return eb.and(all);
}

/** Characters as both databases count them in substr: code points. */
function charLength(s: string): number {
  return [...s].length;
}
