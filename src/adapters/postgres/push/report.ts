import type { DeliveryState, PushStore } from '../../../ports/push-store.js';
import type { PushSql } from './context.js';
import { countsCte } from './counts.js';
import { time, validSeq } from './schema.js';

/**
 * One statement: the delivery is locked and read as it is now (`current`), moved forward only from
 * `sent`, or from `delivered` to `interacted`, and its counts follow. Two reports of one delivery
 * at once queue on the row lock; the second sees the first's state and is a repeat.
 */
const REPORT_SQL = `
  WITH current AS (
    SELECT state, provider FROM deliveries WHERE push_seq = $1 AND target = $2 FOR UPDATE
  ), moved AS (
    UPDATE deliveries d SET state = $3, updated_at = $4
    FROM current c
    WHERE d.push_seq = $1 AND d.target = $2 AND (c.state = 'sent' OR (c.state = 'delivered' AND $3 = 'interacted'))
    RETURNING c.state AS was, c.provider
  ), ${countsCte('counted', `SELECT $1::bigint AS push_seq, provider, was AS state, -1 AS n FROM moved
      UNION ALL SELECT $1::bigint, provider, $3::text, 1 FROM moved`)}
  SELECT (SELECT state FROM current) AS state, (SELECT count(*) FROM counted) AS counted`;

/** A device reporting that a sent push was delivered or opened. */
export function prepareReport(sql: PushSql): Pick<PushStore, 'reportStatus'> {
  return {
    async reportStatus(seq, deviceId, status, now) {
      if (!validSeq(seq) || deviceId.includes('\u0000')) return false;
      const { rows: [row] } = await sql.query<{ state: DeliveryState | null }>('report', REPORT_SQL, [seq, deviceId, status, time(now)]);
      const was = row!.state;
      if (was === null) return false;
      // Moved now, already there, or already further (a retried or late report): all fine. Never sent: refused.
      return was === 'sent' || was === status || (was === 'delivered' && status === 'interacted') || (was === 'interacted' && status === 'delivered');
    },
  };
}
