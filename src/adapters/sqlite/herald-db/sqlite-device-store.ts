import type Database from 'better-sqlite3';
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { AudienceMember, AudienceSource, DeviceRecord, DeviceRegistration, DeviceStore } from '../../../ports/device-store.js';
import { randomId } from '../../../util/ids.js';
import type { DevicesTable, HeraldDatabase } from './schema.js';

/** Devices deleted per transaction when pruning dead tokens. */
const PRUNE_BATCH = 500;

/** The most devices one `list` page holds, whatever limit the caller asks for. */
export const DEVICE_LIST_MAX_LIMIT = 1000;

type Db = Kysely<HeraldDatabase> | Transaction<HeraldDatabase>;
type DeviceRow = Selectable<DevicesTable> & { topics: string };

/**
 * The push device registry in Herald's database, on a connection that openHeraldDatabase owns and
 * closes. Writes that touch more than one row run in a transaction; the connection is single, so
 * they are serialized with every other store's work.
 */
export function createSqliteDeviceStore(db: Kysely<HeraldDatabase>, sqlite: Database.Database): DeviceStore {
  const audience = prepareAudience(sqlite);
  return {
    async register(input, now) {
      return db.transaction().execute(async (trx) => {
        const byToken = await trx.selectFrom('devices').select('id')
          .where('app', '=', input.app).where('provider', '=', input.provider).where('token', '=', input.token)
          .executeTakeFirst();
        const named = input.id === undefined ? undefined
          : await trx.selectFrom('devices').select('id').where('id', '=', input.id).executeTakeFirst();
        // A rotation that lands on a token another device holds: the client that sent the id owns
        // the token now, so the stale twin goes rather than the device the client knows about.
        if (named && byToken && byToken.id !== named.id) await deleteDevice(trx, byToken.id);
        const id = named?.id ?? byToken?.id;
        if (id === undefined) {
          // Registration is the hot write of the registry, so a new device is not read back.
          const row = newDevice(input, now);
          await trx.insertInto('devices').values(row).execute();
          const topics = unique(input.topics).sort();
          if (topics.length > 0) await insertTopics(trx, row.id, topics);
          return { device: deviceFromRow({ ...row, topics: JSON.stringify(topics) }), created: true };
        }
        await trx.updateTable('devices').set({
          app: input.app,
          provider: input.provider,
          platform: input.platform,
          token: input.token,
          ...(input.keys !== undefined && { p256dh: input.keys?.p256dh ?? null, auth: input.keys?.auth ?? null }),
          ...optionalFields(input),
          state: 'active',
          invalid_reason: null,
          updated_at: now,
          last_seen_at: now,
        }).where('id', '=', id).execute();
        if (input.topics) await replaceTopics(trx, id, input.topics);
        return { device: (await selectDevice(trx, id))!, created: false };
      });
    },

    async byId(id) {
      return selectDevice(db, id);
    },

    async byToken(app, provider, token) {
      const row = await selectDevices(db).where('devices.app', '=', app).where('devices.provider', '=', provider).where('devices.token', '=', token).executeTakeFirst();
      return row && deviceFromRow(row);
    },

    async update(id, changes, now) {
      return db.transaction().execute(async (trx) => {
        const result = await trx.updateTable('devices').set({ ...optionalFields(changes), updated_at: now })
          .where('id', '=', id).executeTakeFirst();
        if (result.numUpdatedRows === 0n) return undefined;
        if (changes.topics) await replaceTopics(trx, id, changes.topics);
        return selectDevice(trx, id);
      });
    },

    async remove(id) {
      return db.transaction().execute((trx) => deleteDevice(trx, id));
    },

    async list(query) {
      const limit = clampLimit(query.limit, DEVICE_LIST_MAX_LIMIT);
      if (limit === 0) return { devices: [] };
      let q = selectDevices(db);
      if (query.cursor !== undefined) q = q.where('devices.id', '>', query.cursor);
      if (query.user !== undefined) q = q.where('devices.user', '=', query.user);
      if (query.provider !== undefined) q = q.where('devices.provider', '=', query.provider);
      if (query.platform !== undefined) q = q.where('devices.platform', '=', query.platform);
      if (query.app !== undefined) q = q.where('devices.app', '=', query.app);
      if (query.state !== undefined) q = q.where('devices.state', '=', query.state);
      const topic = query.topic;
      if (topic !== undefined) {
        q = q.where((eb) => eb.or([
          eb.exists(eb.selectFrom('device_topics').select(sql.lit(1).as('one'))
            .whereRef('device_topics.device_id', '=', 'devices.id').where('device_topics.topic', '=', topic)),
          eb.exists(eb.selectFrom('user_topics').select(sql.lit(1).as('one'))
            .whereRef('user_topics.user', '=', 'devices.user').where('user_topics.topic', '=', topic)),
        ]));
      }
      // One row past the page tells whether another page exists without a count.
      const rows = await q.orderBy('devices.id').limit(limit + 1).execute();
      const devices = rows.slice(0, limit).map(deviceFromRow);
      return rows.length > limit ? { devices, nextCursor: devices[devices.length - 1]!.id } : { devices };
    },

    async setTopics(id, topics, op, now) {
      return db.transaction().execute(async (trx) => {
        const result = await trx.updateTable('devices').set({ updated_at: now }).where('id', '=', id).executeTakeFirst();
        if (result.numUpdatedRows === 0n) return undefined;
        if (op === 'set') await replaceTopics(trx, id, topics);
        else if (op === 'add') await insertTopics(trx, id, topics);
        else if (topics.length > 0) {
          await trx.deleteFrom('device_topics').where('device_id', '=', id).where('topic', 'in', topics).execute();
        }
        return selectDevice(trx, id);
      });
    },

    async userTopics(user) {
      const rows = await db.selectFrom('user_topics').select('topic').where('user', '=', user).orderBy('topic').execute();
      return rows.map((row) => row.topic);
    },

    async topicUsers(topic, options) {
      let query = db.selectFrom('user_topics').select('user').where('topic', '=', topic);
      if (options.after !== undefined) query = query.where('user', '>', options.after);
      const rows = await query.orderBy('user').limit(clampLimit(options.limit, 10_000)).execute();
      return rows.map((row) => row.user);
    },

    async setUserTopics(user, topics) {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('user_topics').where('user', '=', user).execute();
        const unique = [...new Set(topics)];
        if (unique.length > 0) await trx.insertInto('user_topics').values(unique.map((topic) => ({ user, topic }))).execute();
      });
    },

    async markInvalid(id, reason, now, options = {}) {
      let update = db.updateTable('devices').set({ state: 'invalid', invalid_reason: reason, updated_at: now }).where('id', '=', id);
      if (options.unlessSeenAfter !== undefined) update = update.where('last_seen_at', '<=', options.unlessSeenAfter);
      const result = await update.executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async pruneInvalid(before) {
      let pruned = 0;
      for (;;) {
        const batch = await db.transaction().execute(async (trx) => {
          const ids = (await trx.selectFrom('devices').select('id')
            .where('state', '=', 'invalid').where('updated_at', '<', before).limit(PRUNE_BATCH).execute()).map((r) => r.id);
          if (ids.length === 0) return 0;
          await trx.deleteFrom('device_topics').where('device_id', 'in', ids).execute();
          await trx.deleteFrom('devices').where('id', 'in', ids).execute();
          return ids.length;
        });
        pruned += batch;
        if (batch < PRUNE_BATCH) return pruned;
      }
    },

    async hasTopic(topic) {
      const own = await db.selectFrom('device_topics').select('device_id').where('topic', '=', topic).limit(1).executeTakeFirst();
      if (own) return true;
      const bound = await db.selectFrom('user_topics').select('user').where('topic', '=', topic).limit(1).executeTakeFirst();
      return bound !== undefined;
    },

    async pageAudience(source, options) {
      const limit = clampLimit(options.limit, 10_000);
      if (limit === 0) return { members: [] };
      const rows = audience(source, options.after, limit);
      const members = rows.map((r): AudienceMember => ({
        id: r.id, app: r.app, provider: r.provider, token: r.token, keys: r.p256dh !== null && r.auth !== null ? { p256dh: r.p256dh, auth: r.auth } : null,
      }));
      const last = rows[rows.length - 1];
      if (rows.length < limit || !last) return { members };
      // Sources ordered by user carry the user in the cursor; the others only the device id.
      const next = source.kind === 'users' || source.kind === 'topicUsers' ? JSON.stringify([last.user, last.id]) : last.id;
      return { members, next };
    },
  };
}

type AudienceRow = Pick<DevicesTable, 'id' | 'app' | 'provider' | 'token' | 'p256dh' | 'auth' | 'user'>;

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
function prepareAudience(sqlite: Database.Database): (source: AudienceSource, after: string | undefined, limit: number) => AudienceRow[] {
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
        const [afterUser, afterId] = parseUserCursor(after);
        const position = { afterUser: afterUser ?? null, afterId: afterId ?? '', limit };
        if (source.kind === 'topicUsers') return topicUsers.all({ topic: source.topic, ...position });
        return source.users.length === 0 ? [] : users.all({ users: JSON.stringify(source.users), ...position });
      }
    }
  };
}

function parseUserCursor(after: string | undefined): [string | undefined, string | undefined] {
  if (after === undefined) return [undefined, undefined];
  try {
    const parsed = JSON.parse(after) as unknown;
    if (Array.isArray(parsed) && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') return [parsed[0], parsed[1]];
  } catch {
    // fall through: a cursor from another source starts this one from the top
  }
  return [undefined, undefined];
}

/** Devices with their own topics folded into one JSON column, so a page is a single query. */
function selectDevices(db: Db) {
  // The primary key of device_topics is (device_id, topic), so the aggregate reads topics in order.
  const topics = sql<string>`(SELECT json_group_array(topic) FROM device_topics WHERE device_id = devices.id)`;
  return db.selectFrom('devices').selectAll('devices').select(topics.as('topics'));
}

async function selectDevice(db: Db, id: string): Promise<DeviceRecord | undefined> {
  const row = await selectDevices(db).where('devices.id', '=', id).executeTakeFirst();
  return row && deviceFromRow(row);
}

async function deleteDevice(trx: Transaction<HeraldDatabase>, id: string): Promise<boolean> {
  await trx.deleteFrom('device_topics').where('device_id', '=', id).execute();
  const result = await trx.deleteFrom('devices').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

async function replaceTopics(trx: Transaction<HeraldDatabase>, id: string, topics: string[]): Promise<void> {
  await trx.deleteFrom('device_topics').where('device_id', '=', id).execute();
  await insertTopics(trx, id, topics);
}

async function insertTopics(trx: Transaction<HeraldDatabase>, id: string, topics: string[]): Promise<void> {
  const values = unique(topics).map((topic) => ({ device_id: id, topic }));
  if (values.length === 0) return;
  await trx.insertInto('device_topics').values(values).onConflict((oc) => oc.doNothing()).execute();
}

function newDevice(input: DeviceRegistration, now: number): DevicesTable {
  return {
    id: `dev_${randomId(16)}`,
    app: input.app,
    provider: input.provider,
    platform: input.platform,
    token: input.token,
    p256dh: input.keys?.p256dh ?? null,
    auth: input.keys?.auth ?? null,
    user: input.user ?? null,
    locale: input.locale ?? null,
    timezone: input.timezone ?? null,
    meta: JSON.stringify(input.meta ?? {}),
    state: 'active',
    invalid_reason: null,
    created_at: now,
    updated_at: now,
    last_seen_at: now,
  };
}

/** The columns shared by register and update where undefined means "keep" and null means "clear". */
function optionalFields(fields: Pick<DeviceRegistration, 'user' | 'locale' | 'timezone' | 'meta'>): Partial<DevicesTable> {
  const set: Partial<DevicesTable> = {};
  if (fields.user !== undefined) set.user = fields.user;
  if (fields.locale !== undefined) set.locale = fields.locale;
  if (fields.timezone !== undefined) set.timezone = fields.timezone;
  if (fields.meta !== undefined) set.meta = JSON.stringify(fields.meta);
  return set;
}

function deviceFromRow(row: DeviceRow): DeviceRecord {
  return {
    id: row.id,
    app: row.app,
    provider: row.provider,
    platform: row.platform,
    token: row.token,
    keys: row.p256dh !== null && row.auth !== null ? { p256dh: row.p256dh, auth: row.auth } : null,
    user: row.user,
    topics: JSON.parse(row.topics) as string[],
    locale: row.locale,
    timezone: row.timezone,
    meta: metaFromText(row.meta),
    state: row.state,
    invalidReason: row.invalid_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastSeenAt: row.last_seen_at,
  };
}

/** meta is written as an object; another JSON value put there by hand is kept under `value`. */
function metaFromText(text: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  return { value };
}

function unique(values: string[] | undefined): string[] {
  return [...new Set(values ?? [])];
}

/** SQLite reads a negative LIMIT as "no limit", so anything not a positive number becomes 0 here. */
function clampLimit(limit: number, max: number): number {
  const n = Math.trunc(limit);
  return n > 0 ? Math.min(n, max) : 0;
}
