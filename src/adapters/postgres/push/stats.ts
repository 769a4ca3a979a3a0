import type { Provider } from '../../../ports/device-store.js';
import type { OutcomeKind } from '../../../ports/provider.js';
import type { DeliveryState, PushCounts, PushStats, PushStatsQuery } from '../../../ports/push-store.js';
import { percentiles } from '../../../util/log-buckets.js';
import type { PushSql } from './context.js';
import { hasNul, minuteOf } from './schema.js';

/** The per-minute tables and the column that, with (minute, app, provider), keys each. */
const TABLES = {
  push_stats: 'state',
  push_attempts: 'outcome',
  push_latency: 'bucket',
} as const;

export type MinuteTable = keyof typeof TABLES;

/**
 * A CTE named `name` that adds `rows` (a query of minute, app, provider, key, n) to one of the
 * per-minute tables, summed per key and written in key order. Statements write these after their
 * delivery and count rows, and the tables always in the order push_stats, push_attempts,
 * push_latency, so concurrent writers of one minute queue up instead of deadlocking.
 */
export function minuteCte(name: string, table: MinuteTable, rows: string): string {
  const key = TABLES[table];
  return `${name} AS (
    INSERT INTO ${table} AS s (minute, app, provider, ${key}, count)
    SELECT minute, app, provider, key, sum(n)::integer FROM (${rows}) AS r(minute, app, provider, key, n)
    GROUP BY minute, app, provider, key
    ORDER BY minute, app, provider, key
    ON CONFLICT (minute, app, provider, ${key}) DO UPDATE SET count = s.count + excluded.count
    RETURNING 1
  )`;
}

// The window is whole minutes from since's to until's; sums of integer columns come back as bigint text.
const STATES_SQL = `SELECT provider, state, sum(count) AS n FROM push_stats
  WHERE minute >= $1 AND minute <= $2 AND ($3::text IS NULL OR app = $3) GROUP BY provider, state`;
const ATTEMPTS_SQL = `SELECT provider, outcome, sum(count) AS n FROM push_attempts
  WHERE minute >= $1 AND minute <= $2 AND ($3::text IS NULL OR app = $3) GROUP BY provider, outcome`;
const LATENCY_SQL = `SELECT bucket, sum(count) AS n FROM push_latency
  WHERE minute >= $1 AND minute <= $2 AND ($3::text IS NULL OR app = $3) GROUP BY bucket`;
const PRUNE_SQL = {
  push_stats: 'DELETE FROM push_stats WHERE minute < $1',
  push_attempts: 'DELETE FROM push_attempts WHERE minute < $1',
  push_latency: 'DELETE FROM push_latency WHERE minute < $1',
} as const;

export async function queryStats(sql: PushSql, query: PushStatsQuery): Promise<PushStats> {
  // No app is named with a U+0000, and PostgreSQL would refuse the statement.
  if (query.app !== undefined && hasNul(query.app)) return { byProvider: {}, attempts: {}, latency: null };
  const params = [minuteOf(query.since), minuteOf(query.until), query.app ?? null];
  const [states, attempts, latency] = await Promise.all([
    sql.query<{ provider: Provider; state: DeliveryState; n: string }>('stats_states', STATES_SQL, params),
    sql.query<{ provider: Provider; outcome: OutcomeKind; n: string }>('stats_attempts', ATTEMPTS_SQL, params),
    sql.query<{ bucket: number; n: string }>('stats_latency', LATENCY_SQL, params),
  ]);
  const byProvider: PushCounts['byProvider'] = {};
  for (const { provider, state, n } of states.rows) if (Number(n) > 0) (byProvider[provider] ??= {})[state] = Number(n);
  const byOutcome: PushStats['attempts'] = {};
  for (const { provider, outcome, n } of attempts.rows) (byOutcome[provider] ??= {})[outcome] = Number(n);
  const histogram = new Map(latency.rows.map((r) => [r.bucket, Number(r.n)] as const));
  const p = percentiles(histogram, [0.5, 0.95, 0.99]);
  const count = [...histogram.values()].reduce((a, b) => a + b, 0);
  return { byProvider, attempts: byOutcome, latency: p ? { p50: p[0]!, p95: p[1]!, p99: p[2]!, count } : null };
}

/** Deletes every minute before `minute`, table by table. */
export async function pruneStats(sql: PushSql, minute: number): Promise<void> {
  for (const [table, text] of Object.entries(PRUNE_SQL)) await sql.query(`prune_${table}`, text, [minute]);
}
