import type { DeliveryState, PushCounts } from '../../../ports/push-store.js';
import type { Provider } from '../../../ports/device-store.js';
import type { PushSql } from './context.js';

/**
 * A CTE named `name` that adds signed moves to `push_counts`: `moves` is a query of
 * (push_seq, provider, state, n) rows, typically -1 for the state a delivery left and +1 for the
 * one it entered. They are summed first, so a page of a thousand deliveries writes one row per
 * (push, provider, state), and written in key order: every statement that moves deliveries takes
 * these row locks after its delivery rows and in the same order, so two of them wait for each other
 * instead of deadlocking.
 */
export function countsCte(name: string, moves: string): string {
  return `${name} AS (
    INSERT INTO push_counts AS c (push_seq, provider, state, n)
    SELECT push_seq, provider, state, sum(n)::integer FROM (${moves}) AS moves
    GROUP BY push_seq, provider, state HAVING sum(n) <> 0
    ORDER BY push_seq, provider, state
    ON CONFLICT (push_seq, provider, state) DO UPDATE SET n = c.n + excluded.n
    RETURNING 1
  )`;
}

const READ_SQL = 'SELECT provider, state, n FROM push_counts WHERE push_seq = $1 AND n <> 0';

/** `push_counts` of one push, in the port's shape. */
export async function readCounts(sql: PushSql, seq: number): Promise<PushCounts> {
  const { rows } = await sql.query<{ provider: Provider; state: DeliveryState; n: number }>('counts', READ_SQL, [seq]);
  const out: PushCounts = { total: {}, byProvider: {} };
  for (const { provider, state, n } of rows) {
    out.total[state] = (out.total[state] ?? 0) + n;
    const p = (out.byProvider[provider] ??= {});
    p[state] = (p[state] ?? 0) + n;
  }
  return out;
}
