import type Database from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import type { AudienceSource, DeviceStore } from '../../../ports/device-store.js';
import { pageEveryoneAudience, pageFilterAudience, type FilterPaging } from '../../sql/devices/audience-filter.js';
import { audiencePage, userCursor } from '../../sql/devices/audience-page.js';
import { createDeviceQueries } from '../../sql/devices/device-queries.js';
import { AUDIENCE_MAX_LIMIT, clampLimit, type AudienceRow, type DevicesDatabase } from '../../sql/devices/schema.js';
import type { HeraldDatabase } from './schema.js';

/**
 * The push device registry in Herald's database, on a connection that openHeraldDatabase owns and
 * closes. Registration, edits and listings are the queries shared with PostgreSQL
 * (src/adapters/sql/devices/); audience paging is SQLite's own. The connection is single, so
 * transactions are serialized with every other store's work and need no row locks.
 */
export function createSqliteDeviceStore(db: Kysely<HeraldDatabase>, sqlite: Database.Database): DeviceStore {
  const audience = prepareAudience(sqlite);
  // Kysely<DB> is invariant in DB, so the connection typed for the whole file is narrowed to the registry's tables.
  const devicesDb = db as unknown as Kysely<DevicesDatabase>;
  const queries = createDeviceQueries(devicesDb, {
    // The primary key of device_topics is (device_id, topic), so the aggregate reads topics in order.
    topicsOfDevice: sql`(SELECT json_group_array(topic) FROM device_topics WHERE device_id = devices.id)`,
    rowLocks: false,
    isRegistrationRace: () => false,
    serialize: async () => {},
  });
  const filters = filterPaging(devicesDb, sqlite);
  return {
    ...queries,
    async pageAudience(source, options) {
      const limit = clampLimit(options.limit, AUDIENCE_MAX_LIMIT);
      if (limit === 0) return { members: [] };
      if (source.kind === 'filter') return pageFilterAudience(filters, source.filter, options.after, limit);
      if (source.kind === 'topicEveryone') return pageEveryoneAudience(filters, source.topic, options.after, limit);
      return audiencePage(source, audience(source, options.after, limit), limit);
    },
  };
}

/** The sources paged by the prepared statements below; filters are shaped per push (audience-filter.ts). */
type PreparedSource = Extract<AudienceSource, { kind: 'devices' | 'users' | 'topic' | 'topicUsers' }>;

/** Distinct filter statements kept prepared; past this the cache starts over. */
const FILTER_STATEMENTS = 200;

/**
 * Filter pages run on the connection directly, their statements prepared once per query text: one
 * push's pages share their text, and preparing anew on every page (as Kysely's driver does) cost
 * more than SQLite's answer. Read-only, like the audience statements below.
 */
function filterPaging(db: Kysely<DevicesDatabase>, sqlite: Database.Database): FilterPaging {
  const statements = new Map<string, Database.Statement>();
  return {
    db,
    boundBothKeys: false,
    async run<R>(query: { sql: string; parameters: readonly unknown[] }) {
      let statement = statements.get(query.sql);
      if (!statement) {
        if (statements.size >= FILTER_STATEMENTS) statements.clear();
        statement = sqlite.prepare(query.sql);
        statements.set(query.sql, statement);
      }
      return statement.all(...query.parameters) as R[];
    },
  };
}

const AUDIENCE_COLUMNS = 'devices.id, devices.app, devices.provider, devices.token, devices.p256dh, devices.auth, devices.user';
/** Listed users after a (user, id) position; ids and users come in as JSON arrays, so one statement serves every list length. */
const AFTER_USER = '(:afterUser IS NULL OR devices.user > :afterUser OR (devices.user = :afterUser AND devices.id > :afterId))';

/**
 * One page of one source, each shaped so SQLite walks an index already in the page's order and
 * stops after `limit` matches: device_topics (topic, device_id) for a topic's own devices,
 * user_topics (topic, user) then devices (user, id) for its users, devices (user, id) for listed
 * users. A single UNION over all sources would have to build the whole audience to sort it.
 *
 * These read-only statements run on the connection directly, prepared once: a broadcast pages
 * through them a thousand times per million devices, and building and preparing each query
 * anew cost four times what SQLite spends answering it. Reads can safely interleave with a
 * Kysely transaction on the same connection; nothing here writes.
 */
function prepareAudience(sqlite: Database.Database): (source: PreparedSource, after: string | undefined, limit: number) => AudienceRow[] {
  const devices = sqlite.prepare<{ ids: string; after: string; limit: number }, AudienceRow>(
    `SELECT ${AUDIENCE_COLUMNS} FROM devices WHERE devices.id IN (SELECT value FROM json_each(:ids)) AND devices.state = 'active' AND devices.id > :after
     ORDER BY devices.id LIMIT :limit`);
  const topic = sqlite.prepare<{ topic: string; after: string; limit: number }, AudienceRow>(
    `SELECT ${AUDIENCE_COLUMNS} FROM device_topics INNER JOIN devices ON devices.id = device_topics.device_id
     WHERE device_topics.topic = :topic AND devices.state = 'active' AND device_topics.device_id > :after
     ORDER BY device_topics.device_id LIMIT :limit`);
  // The unary plus keeps SQLite on the (user, id) index instead of the far less selective (state, id).
  const users = sqlite.prepare<{ users: string; afterUser: string | null; afterId: string; limit: number }, AudienceRow>(
    `SELECT ${AUDIENCE_COLUMNS} FROM devices WHERE devices.user IN (SELECT value FROM json_each(:users)) AND +devices.state = 'active' AND ${AFTER_USER}
     ORDER BY devices.user, devices.id LIMIT :limit`);
  const topicUsers = sqlite.prepare<{ topic: string; afterUser: string | null; afterId: string; limit: number }, AudienceRow>(
    `SELECT ${AUDIENCE_COLUMNS} FROM user_topics INNER JOIN devices ON devices.user = user_topics.user
     WHERE user_topics.topic = :topic AND +devices.state = 'active' AND ${AFTER_USER}
     ORDER BY devices.user, devices.id LIMIT :limit`);
  return (source, after, limit) => {
    switch (source.kind) {
      case 'devices':
        return source.ids.length === 0 ? [] : devices.all({ ids: JSON.stringify(source.ids), after: after ?? '', limit });
      case 'topic':
        return topic.all({ topic: source.topic, after: after ?? '', limit });
      case 'users':
      case 'topicUsers': {
        const position = userCursor(after);
        const bound = { afterUser: position?.user ?? null, afterId: position?.id ?? '', limit };
        if (source.kind === 'topicUsers') return topicUsers.all({ topic: source.topic, ...bound });
        return source.users.length === 0 ? [] : users.all({ users: JSON.stringify(source.users), ...bound });
      }
    }
  };
}
