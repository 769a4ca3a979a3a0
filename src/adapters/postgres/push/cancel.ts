import type { PushStore } from '../../../ports/push-store.js';
import type { PushSql } from './context.js';
import { countsCte } from './counts.js';
import { minuteCte } from './stats.js';
import { minuteOf, time, validSeq } from './schema.js';

const CANCEL_PUSH_SQL = "UPDATE pushes SET phase = 'cancelled' WHERE seq = $1";

/**
 * Every unfinished delivery of the push, locked in key order (records lock in the same order, so
 * the two wait for each other instead of deadlocking; an in-flight claim's SKIP LOCKED passes these
 * rows over). A queued or retrying one loses its claim and counts as cancelled now; a sending one
 * keeps its claim, so its attempt's result can still be told apart (see record.ts), and is counted
 * in the stats when that result comes.
 */
const CANCEL_DELIVERIES_SQL = `
  WITH doomed AS (
    SELECT target, state FROM deliveries
    WHERE push_seq = $1 AND state IN ('queued', 'retrying', 'sending')
    ORDER BY target
    FOR UPDATE
  ), cancelled AS (
    UPDATE deliveries d SET state = 'cancelled', claim = CASE WHEN x.state = 'sending' THEN d.claim END, next_at = NULL, updated_at = $2
    FROM doomed x
    WHERE d.push_seq = $1 AND d.target = x.target
    RETURNING x.state AS was, d.provider, d.app
  ), ${countsCte('counted', `SELECT $1::bigint AS push_seq, provider, was AS state, -1 AS n FROM cancelled
      UNION ALL SELECT $1::bigint, provider, 'cancelled', 1 FROM cancelled`)},
  ${minuteCte('ended', 'push_stats', `SELECT $3::bigint, app, provider, 'cancelled', 1 FROM cancelled WHERE was <> 'sending'`)}
  SELECT (SELECT count(*) FROM cancelled)::integer AS n, (SELECT count(*) FROM counted) AS counted, (SELECT count(*) FROM ended) AS ended`;

/**
 * Cancelling a push: the push row, then its unfinished deliveries, in one transaction. The push row
 * is locked first, by its own statement: a routing page in flight holds it until it commits, so the
 * deliveries statement, whose snapshot starts after that wait, sees that page's rows too; after
 * the commit every later page finds the push cancelled and writes nothing.
 */
export function prepareCancel(sql: PushSql): Pick<PushStore, 'cancel'> {
  return {
    async cancel(seq, now) {
      if (!validSeq(seq)) return 0;
      return sql.transaction(async (client) => {
        // A broadcast of a million devices is a million rows to cancel at once: more than the
        // statement timeout meant for stuck queries allows, and failing would cancel none.
        await client.query('SET LOCAL statement_timeout = 0');
        await sql.query('cancel_push', CANCEL_PUSH_SQL, [seq], client);
        const { rows: [row] } = await sql.query<{ n: number }>('cancel_deliveries', CANCEL_DELIVERIES_SQL, [seq, time(now), minuteOf(now)], client);
        return row!.n;
      });
    },
  };
}
