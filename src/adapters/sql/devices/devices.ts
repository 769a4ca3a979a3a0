import type { Kysely } from 'kysely';
import type { DeviceStore } from '../../../ports/device-store.js';
import { deviceFilter } from './device-filter.js';
import { deleteDevice, insertTopics, optionalFields, replaceTopics, selectDevice, selectDevices } from './device-rows.js';
import { clampLimit, DEVICE_LIST_MAX_LIMIT, deviceFromRow, type DevicesDatabase, type DevicesDialect } from './schema.js';

/** Devices deleted per transaction when pruning dead tokens. */
const PRUNE_BATCH = 500;
/** Device ids per query of `platforms`. */
const PLATFORM_BATCH = 500;

type DeviceOperations = 'byId' | 'platforms' | 'byToken' | 'update' | 'remove' | 'list' | 'count' | 'setTopics' | 'markInvalid' | 'pruneInvalid';

/**
 * Reads and edits of registered devices, a few per API call. Every write that touches a device's
 * topics first updates (so locks) the device row, and deletions remove the device before its topics:
 * on PostgreSQL, topic writes of one device from several nodes wait for each other instead of
 * leaving topics behind a device removed meanwhile.
 */
export function prepareDevices(db: Kysely<DevicesDatabase>, dialect: DevicesDialect): Pick<DeviceStore, DeviceOperations> {
  return {
    async byId(id) {
      return selectDevice(db, dialect, id);
    },

    async platforms(ids) {
      const found = new Map<string, string>();
      // Send jobs hold at most a few hundred devices; the slices keep any caller under the parameter limits.
      for (let i = 0; i < ids.length; i += PLATFORM_BATCH) {
        const rows = await db.selectFrom('devices').select(['id', 'platform']).where('id', 'in', ids.slice(i, i + PLATFORM_BATCH)).execute();
        for (const r of rows) found.set(r.id, r.platform);
      }
      return found;
    },

    async byToken(app, provider, token) {
      const row = await selectDevices(db, dialect)
        .where('devices.app', '=', app).where('devices.provider', '=', provider).where('devices.token', '=', token)
        .executeTakeFirst();
      return row && deviceFromRow(row);
    },

    async update(id, changes, now) {
      return db.transaction().execute(async (trx) => {
        const result = await trx.updateTable('devices').set({ ...optionalFields(changes), updated_at: now })
          .where('id', '=', id).executeTakeFirst();
        if (result.numUpdatedRows === 0n) return undefined;
        if (changes.topics) await replaceTopics(trx, id, changes.topics);
        return selectDevice(trx, dialect, id);
      });
    },

    async remove(id) {
      return db.transaction().execute((trx) => deleteDevice(trx, id));
    },

    async list(query) {
      const limit = clampLimit(query.limit, DEVICE_LIST_MAX_LIMIT);
      if (limit === 0) return { devices: [] };
      let q = selectDevices(db, dialect).where((eb) => deviceFilter(eb, query));
      if (query.cursor !== undefined) q = q.where('devices.id', '>', query.cursor);
      // One row past the page tells whether another page exists without a count.
      const rows = await q.orderBy('devices.id').limit(limit + 1).execute();
      const devices = rows.slice(0, limit).map(deviceFromRow);
      return rows.length > limit ? { devices, nextCursor: devices[devices.length - 1]!.id } : { devices };
    },

    async count(filter) {
      const row = await db.selectFrom('devices').select((eb) => eb.fn.countAll().as('n'))
        .where((eb) => deviceFilter(eb, filter)).executeTakeFirstOrThrow();
      return Number(row.n);
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
        return selectDevice(trx, dialect, id);
      });
    },

    async markInvalid(id, reason, now, options = {}) {
      // One statement: on PostgreSQL a registration committing meanwhile is seen (the row is
      // re-checked once locked), so a token renewed after its death is never marked.
      let update = db.updateTable('devices').set({ state: 'invalid', invalid_reason: reason, updated_at: now }).where('id', '=', id);
      if (options.unlessSeenAfter !== undefined) update = update.where('last_seen_at', '<=', options.unlessSeenAfter);
      const result = await update.executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async pruneInvalid(before) {
      let pruned = 0;
      for (;;) {
        const batch = await db.transaction().execute(async (trx) => {
          // Nodes pruning at once take disjoint batches (SKIP LOCKED), and a device being
          // registered again right now is left for the next run.
          const ids = (await trx.selectFrom('devices').select('id')
            .where('state', '=', 'invalid').where('updated_at', '<', before).limit(PRUNE_BATCH)
            .$if(dialect.rowLocks, (q) => q.forUpdate().skipLocked())
            .execute()).map((r) => r.id);
          if (ids.length === 0) return 0;
          await trx.deleteFrom('devices').where('id', 'in', ids).execute();
          await trx.deleteFrom('device_topics').where('device_id', 'in', ids).execute();
          return ids.length;
        });
        pruned += batch;
        if (batch < PRUNE_BATCH) return pruned;
      }
    },
  };
}
