import { sql, type Kysely, type Selectable } from 'kysely';
import type { EventAttemptRecord, EventEndpointRecord, EventEndpointStore } from '../../../ports/event-endpoint-store.js';
import { parsedJson, type EventAttemptsTable, type EventEndpointsDatabase, type EventEndpointsTable } from './schema.js';

/** The most attempts one `attempts` call returns, whatever the caller asks for. */
const ATTEMPTS_MAX_LIMIT = 1000;

/** The event endpoints and their attempts, on a connection their owner opens and closes; the same queries on both dialects. */
export function createEventEndpointQueries(db: Kysely<EventEndpointsDatabase>): EventEndpointStore {
  return {
    async add(endpoint) {
      await db.insertInto('event_endpoints').values(toRow(endpoint)).execute();
    },

    async byId(id) {
      const row = await db.selectFrom('event_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
      return row && fromRow(row);
    },

    async list({ cursor, limit }) {
      let q = db.selectFrom('event_endpoints').selectAll().orderBy('id').limit(limit + 1);
      if (cursor !== undefined) q = q.where('id', '>', cursor);
      const rows = await q.execute();
      const page = rows.slice(0, limit).map(fromRow);
      return rows.length > limit ? { endpoints: page, nextCursor: page[page.length - 1]!.id } : { endpoints: page };
    },

    async all() {
      return (await db.selectFrom('event_endpoints').selectAll().orderBy('id').execute()).map(fromRow);
    },

    async update(id, changes) {
      const set: Partial<EventEndpointsTable> = {};
      if (changes.url !== undefined) set.url = changes.url;
      if (changes.events !== undefined) set.events = JSON.stringify(changes.events);
      if (changes.description !== undefined) set.description = changes.description;
      if (changes.secret !== undefined) set.secret = changes.secret;
      if (changes.previousSecret !== undefined) set.previous_secret = changes.previousSecret;
      if (changes.previousSecretExpires !== undefined) set.previous_secret_expires = changes.previousSecretExpires;
      if (changes.disabledAt !== undefined) set.disabled_at = changes.disabledAt;
      if (changes.disabledReason !== undefined) set.disabled_reason = changes.disabledReason;
      if (changes.updatedAt !== undefined) set.updated_at = changes.updatedAt;
      // Re-enabling starts the failure count afresh.
      if (changes.disabledAt === 0) set.consecutive_failures = 0;
      if (Object.keys(set).length === 0) return (await db.selectFrom('event_endpoints').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
      const result = await db.updateTable('event_endpoints').set(set).where('id', '=', id).executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async remove(id) {
      // Two statements, one transaction: attempts never outlive their endpoint.
      return db.transaction().execute(async (trx) => {
        await trx.deleteFrom('event_attempts').where('endpoint_id', '=', id).execute();
        const result = await trx.deleteFrom('event_endpoints').where('id', '=', id).executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      });
    },

    async settle(id, succeeded) {
      const row = await db.updateTable('event_endpoints')
        .set({ consecutive_failures: succeeded ? 0 : sql<number>`consecutive_failures + 1` })
        .where('id', '=', id)
        .returning('consecutive_failures')
        .executeTakeFirst();
      return row ? Number(row.consecutive_failures) : 0;
    },

    async addAttempt(a) {
      await db.insertInto('event_attempts').values({
        endpoint_id: a.endpointId, message_id: a.messageId, type: a.type, time: a.time, attempt: a.attempt,
        result: a.result, status: a.status ?? 0, error: a.error ?? '',
      }).execute();
    },

    async attempts(endpointId, limit) {
      const rows = await db.selectFrom('event_attempts').selectAll().where('endpoint_id', '=', endpointId)
        .orderBy('time', 'desc').orderBy('id', 'desc').limit(Math.max(0, Math.min(limit, ATTEMPTS_MAX_LIMIT))).execute();
      return rows.map(attemptFromRow);
    },

    async pruneAttempts(time) {
      const result = await db.deleteFrom('event_attempts').where('time', '<', time).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function toRow(e: EventEndpointRecord): EventEndpointsTable {
  return {
    id: e.id, url: e.url, events: JSON.stringify(e.events), description: e.description, secret: e.secret,
    previous_secret: e.previousSecret, previous_secret_expires: e.previousSecretExpires, disabled_at: e.disabledAt,
    disabled_reason: e.disabledReason, consecutive_failures: e.consecutiveFailures, actor: e.actor,
    created_at: e.createdAt, updated_at: e.updatedAt,
  };
}

function fromRow(row: Selectable<EventEndpointsTable>): EventEndpointRecord {
  const events = parsedJson(row.events);
  if (!Array.isArray(events) || !events.every((t) => typeof t === 'string')) throw new Error(`event endpoint ${row.id}: events is not a JSON array of strings`);
  return {
    id: row.id, url: row.url, events, description: row.description, secret: row.secret,
    previousSecret: row.previous_secret, previousSecretExpires: Number(row.previous_secret_expires),
    disabledAt: Number(row.disabled_at), disabledReason: row.disabled_reason, consecutiveFailures: Number(row.consecutive_failures),
    actor: row.actor, createdAt: Number(row.created_at), updatedAt: Number(row.updated_at),
  };
}

function attemptFromRow(row: Selectable<EventAttemptsTable>): EventAttemptRecord {
  const status = Number(row.status);
  return {
    endpointId: row.endpoint_id, messageId: row.message_id, type: row.type, time: Number(row.time), attempt: Number(row.attempt),
    result: row.result as EventAttemptRecord['result'],
    ...(status > 0 ? { status } : {}),
    ...(row.error ? { error: row.error } : {}),
  };
}
