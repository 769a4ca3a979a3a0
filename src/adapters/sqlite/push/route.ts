import type Database from 'better-sqlite3';
import type { NewDelivery, PushStore } from '../../../ports/push-store.js';
import type { WriteLock } from '../write-lock.js';
import type { PushCountsTable } from './counts.js';
import { deliveryFromRow, type DeliveryRow } from './schema.js';

/** Thrown inside the transaction to roll a page back when another router moved the cursor. */
const CURSOR_MOVED = new Error('routing cursor moved');

/**
 * Routing a push: each page of its audience becomes delivery rows behind a cursor, and the rows
 * still queued are read back page by page to become queue jobs.
 */
export function prepareRoute(sqlite: Database.Database, lock: WriteLock, counts: PushCountsTable): Pick<PushStore, 'addDeliveries' | 'setEnqueuedCursor' | 'queued'> {
  const insert = sqlite.prepare<[number, string, string | null, string, string, string, string | null, string | null, string | null, number, number]>(
    `INSERT INTO deliveries (push_seq, target, device_id, provider, app, token, p256dh, auth, target_kind, state, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?) ON CONFLICT DO NOTHING`);
  const advance = sqlite.prepare<{ seq: number; from: string | null; to: string | null; done: number; added: number }>(
    `UPDATE pushes SET routed_cursor = :to, targets = targets + :added,
       phase = CASE WHEN :done THEN 'routed' ELSE 'routing' END
     WHERE seq = :seq AND routed_cursor IS :from AND phase IN ('accepted', 'routing')`);
  const setEnqueued = sqlite.prepare<[string | null, number]>('UPDATE pushes SET enqueued_cursor = ? WHERE seq = ?');
  const queued = sqlite.prepare<[number, string, number], DeliveryRow>(
    `SELECT * FROM deliveries WHERE push_seq = ? AND state = 'queued' AND target > ? ORDER BY target LIMIT ?`);

  const addDeliveries = sqlite.transaction((seq: number, from: string | null, to: string, rows: readonly NewDelivery[], done: boolean, now: number): string[] => {
    const added: string[] = [];
    // Counted per provider here, not per row in the deltas: a page holds thousands of rows and a few providers.
    const queued = new Map<string, number>();
    for (const r of rows) {
      if (insert.run(seq, r.target, r.deviceId, r.provider, r.app, r.token, r.p256dh, r.auth, r.kind ?? null, now, now).changes === 0) continue;
      added.push(r.target);
      queued.set(r.provider, (queued.get(r.provider) ?? 0) + 1);
    }
    const deltas = counts.deltas();
    for (const [provider, n] of queued) deltas.add(seq, provider, 'queued', n);
    // The cursor check comes last but inside the same transaction: if another router moved it, the
    // inserts above roll back with it.
    if (advance.run({ seq, from, to, done: done ? 1 : 0, added: added.length }).changes === 0) throw CURSOR_MOVED;
    deltas.apply();
    return added;
  });

  return {
    async addDeliveries(seq, from, to, rows, done, now) {
      try {
        return lock.run(() => addDeliveries.immediate(seq, from, to, rows, done, now));
      } catch (err) {
        if (err === CURSOR_MOVED) return false;
        throw err;
      }
    },
    async setEnqueuedCursor(seq, cursor) {
      lock.run(() => setEnqueued.run(cursor, seq));
    },
    async queued(seq, after, limit) {
      return queued.all(seq, after ?? '', limit).map(deliveryFromRow);
    },
  };
}
