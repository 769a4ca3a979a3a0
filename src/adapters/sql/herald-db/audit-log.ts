import type { Kysely, Selectable } from 'kysely';
import type { AuditEntry, AuditLog } from '../../../ports/audit-log.js';
import { parsedJson, type AuditDatabase, type AuditTable } from './schema.js';

/** How long appends gather before they are written together. */
const AUDIT_BATCH_MS = 20;

/** The most entries one `query` returns, whatever limit the caller asks for. */
export const AUDIT_QUERY_MAX_LIMIT = 1000;

/** An audit log that can write out the appends it is still gathering (before its connection closes). */
export type BatchedAuditLog = AuditLog & { flush(): Promise<void> };

/**
 * The audit log, on a connection its owner opens and closes; the same queries on both dialects.
 * There is deliberately no update path. Pruning is the dialect's: each guards the table against
 * edits in its own way and lets only the retention prune through (see its migrations), so it
 * passes `pruneBefore`, built on {@link deleteAuditBefore}.
 */
export function createAuditQueries(db: Kysely<AuditDatabase>, pruneBefore: (time: number) => Promise<number>): BatchedAuditLog {
  // Entries appended within a few milliseconds share one insert and so one synced commit: every
  // send-API call is audited, and a synced commit each would cost the send API an fsync per call.
  let pending: { row: Omit<AuditTable, 'id'>; done: { resolve(): void; reject(err: unknown): void } }[] = [];
  let scheduled = false;
  let timer: NodeJS.Timeout | undefined;
  const flush = async (): Promise<void> => {
    clearTimeout(timer);
    scheduled = false;
    const batch = pending;
    if (batch.length === 0) return;
    pending = [];
    try {
      await db.insertInto('audit').values(batch.map((p) => p.row)).execute();
      for (const p of batch) p.done.resolve();
    } catch (err) {
      for (const p of batch) p.done.reject(err);
    }
  };
  return {
    flush,
    append(entry) {
      return new Promise<void>((resolve, reject) => {
        pending.push({
          row: { time: entry.time, actor: entry.actor, action: entry.action, target: entry.target, address: entry.address, details: JSON.stringify(entry.details ?? {}) },
          done: { resolve, reject },
        });
        if (!scheduled) {
          scheduled = true;
          timer = setTimeout(() => void flush(), AUDIT_BATCH_MS);
        }
      });
    },

    async query(query) {
      const limit = clampLimit(query.limit);
      if (limit === 0) return [];
      let q = db.selectFrom('audit').selectAll();
      if (query.since !== undefined) q = q.where('time', '>=', query.since);
      if (query.until !== undefined) q = q.where('time', '<=', query.until);
      if (query.actor !== undefined) q = q.where('actor', '=', query.actor);
      if (query.action !== undefined) q = q.where('action', '=', query.action);
      // id breaks ties between entries of the same millisecond in append order.
      const rows = await q.orderBy('time', 'desc').orderBy('id', 'desc').limit(limit).execute();
      return rows.map(entryFromRow);
    },

    pruneBefore,
  };
}

/** The retention prune's statement: deletes the entries older than `time` (Unix ms) and counts them. */
export async function deleteAuditBefore(db: Kysely<AuditDatabase>, time: number): Promise<number> {
  const result = await db.deleteFrom('audit').where('time', '<', time).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** SQLite reads a negative LIMIT as "no limit", so anything not a positive number becomes 0 here. */
function clampLimit(limit: number): number {
  const n = Math.trunc(limit);
  return n > 0 ? Math.min(n, AUDIT_QUERY_MAX_LIMIT) : 0;
}

function entryFromRow(row: Selectable<AuditTable>): AuditEntry & { id: number } {
  return {
    id: Number(row.id),
    time: Number(row.time),
    actor: row.actor,
    action: row.action,
    target: row.target,
    address: row.address,
    details: detailsFrom(row.details),
  };
}

/**
 * Only `append` writes here, and it writes an object; a row inserted by hand that holds another
 * JSON value is kept under `value` so one odd entry cannot break reading the whole log.
 */
function detailsFrom(column: unknown): Record<string, unknown> {
  const value = parsedJson(column);
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  return { value };
}
