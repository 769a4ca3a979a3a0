import type Database from 'better-sqlite3';
import type { PushStore } from '../../../ports/push-store.js';
import type { PushCountsTable } from './counts.js';
import { deliveryFromRow, type DeliveryRow } from './schema.js';

/** What the API shows of one push: its counts, and its deliveries page by page. */
export function prepareInspect(sqlite: Database.Database, counts: PushCountsTable): Pick<PushStore, 'counts' | 'deliveries'> {
  const list = sqlite.prepare<{ seq: number; after: string; limit: number }, DeliveryRow>(
    'SELECT * FROM deliveries WHERE push_seq = :seq AND target > :after ORDER BY target LIMIT :limit');
  const listState = sqlite.prepare<{ seq: number; state: string; after: string; limit: number }, DeliveryRow>(
    'SELECT * FROM deliveries WHERE push_seq = :seq AND state = :state AND target > :after ORDER BY target LIMIT :limit');

  return {
    async counts(seq) {
      return counts.read(seq);
    },
    async deliveries(query) {
      const base = { seq: query.pushSeq, after: query.after ?? '', limit: query.limit };
      const rows = query.state === undefined ? list.all(base) : listState.all({ ...base, state: query.state });
      return rows.map(deliveryFromRow);
    },
  };
}
