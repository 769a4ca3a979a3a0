import type Database from 'better-sqlite3';
import type { DeadDelivery, PushStore } from '../../../ports/push-store.js';
import type { WriteLock } from '../write-lock.js';
import type { PushCountsTable } from './counts.js';
import { deliveryFromRow, MINUTE, type DeliveryRow } from './schema.js';
import type { MinuteStats } from './stats.js';

/** Deliveries that ended 'dead': listing them newest first, and reviving them for a replay. */
export function prepareDeadLetters(sqlite: Database.Database, lock: WriteLock, counts: PushCountsTable, stats: MinuteStats): Pick<PushStore, 'deadDeliveries' | 'findDead' | 'revive'> {
  const page = sqlite.prepare<{ provider: string | null; app: string | null; at: number; seq: number; target: string; limit: number }, DeliveryRow & { push_id: string }>(
    `SELECT d.*, p.id AS push_id FROM deliveries d JOIN pushes p ON p.seq = d.push_seq
     WHERE d.state = 'dead' AND (:provider IS NULL OR d.provider = :provider) AND (:app IS NULL OR d.app = :app)
       AND (d.updated_at, d.push_seq, d.target) < (:at, :seq, :target)
     ORDER BY d.updated_at DESC, d.push_seq DESC, d.target DESC LIMIT :limit`);
  const one = sqlite.prepare<[number, string], DeliveryRow>("SELECT * FROM deliveries WHERE push_seq = ? AND target = ? AND state = 'dead'");
  const oldest = sqlite.prepare<{ provider: string | null; app: string | null; limit: number }, DeliveryRow>(
    `SELECT * FROM deliveries WHERE state = 'dead' AND (:provider IS NULL OR provider = :provider) AND (:app IS NULL OR app = :app)
     ORDER BY updated_at, push_seq, target LIMIT :limit`);
  const requeue = sqlite.prepare<[number, number, string]>(
    "UPDATE deliveries SET state = 'queued', attempts = 0, claim = NULL, next_at = NULL, updated_at = ? WHERE push_seq = ? AND target = ? AND state = 'dead'");

  const revive = sqlite.transaction((keys: readonly { pushSeq: number; target: string }[], now: number): number => {
    let n = 0;
    const deltas = counts.deltas();
    for (const k of keys) {
      const row = one.get(k.pushSeq, k.target);
      if (!row) continue;
      requeue.run(now, k.pushSeq, k.target);
      deltas.move(k.pushSeq, row.provider, 'dead', 'queued');
      // It did not end dead after all: the stats count it where its replay ends instead.
      stats.unend(Math.floor(row.updated_at / MINUTE), row.app, row.provider, 'dead');
      n++;
    }
    deltas.apply();
    return n;
  });

  return {
    async deadDeliveries(query) {
      const cursor = parseDeadCursor(query.cursor);
      const rows = page.all({ provider: query.provider ?? null, app: query.app ?? null, ...cursor, limit: query.limit + 1 });
      const shown = rows.slice(0, query.limit);
      const last = shown[shown.length - 1];
      const deliveries: DeadDelivery[] = shown.map((r) => ({ ...deliveryFromRow(r), pushId: r.push_id }));
      return rows.length > query.limit && last ? { deliveries, nextCursor: `${last.updated_at}.${last.push_seq}.${last.target}` } : { deliveries };
    },
    async findDead(target) {
      if ('keys' in target) {
        return target.keys.map((k) => one.get(k.pushSeq, k.target)).filter((r) => r !== undefined).map(deliveryFromRow);
      }
      return oldest.all({ provider: target.provider ?? null, app: target.app ?? null, limit: target.limit }).map(deliveryFromRow);
    },
    async revive(keys, now) {
      return keys.length === 0 ? 0 : lock.run(() => revive.immediate(keys, now));
    },
  };
}

/** Dead-letter cursors are `<updated_at>.<push_seq>.<target>`; anything else starts at the newest. */
function parseDeadCursor(cursor: string | undefined): { at: number; seq: number; target: string } {
  const m = cursor === undefined ? null : /^(\d{1,16})\.(\d{1,16})\.(.{1,80})$/.exec(cursor);
  return m ? { at: Number(m[1]), seq: Number(m[2]), target: m[3]! } : { at: Number.MAX_SAFE_INTEGER, seq: Number.MAX_SAFE_INTEGER, target: '' };
}
