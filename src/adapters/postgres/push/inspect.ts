import type { PushStore } from '../../../ports/push-store.js';
import type { PushSql } from './context.js';
import { readCounts } from './counts.js';
import { DELIVERY_COLUMNS, deliveryFromRow, validSeq, type DeliveryRow } from './schema.js';

// The primary key walked in target order from the cursor; the state filter reads along (listings page anyway).
const LIST_SQL = `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE push_seq = $1 AND target > $2 ORDER BY target LIMIT $3`;
const LIST_STATE_SQL = `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE push_seq = $1 AND state = $4 AND target > $2 ORDER BY target LIMIT $3`;

/** What the API shows of one push: its counts, and its deliveries page by page. */
export function prepareInspect(sql: PushSql): Pick<PushStore, 'counts' | 'deliveries'> {
  return {
    async counts(seq) {
      return validSeq(seq) ? readCounts(sql, seq) : { total: {}, byProvider: {} };
    },
    async deliveries(query) {
      if (!validSeq(query.pushSeq) || query.after?.includes('\u0000')) return [];
      const values: unknown[] = [query.pushSeq, query.after ?? '', query.limit];
      const { rows } = query.state === undefined
        ? await sql.query<DeliveryRow>('deliveries', LIST_SQL, values)
        : await sql.query<DeliveryRow>('deliveries_state', LIST_STATE_SQL, [...values, query.state]);
      return rows.map(deliveryFromRow);
    },
  };
}
