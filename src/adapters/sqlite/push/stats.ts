import type Database from 'better-sqlite3';
import type { Provider } from '../../../ports/device-store.js';
import type { OutcomeKind } from '../../../ports/provider.js';
import type { DeliveryState, PushCounts, PushStats, PushStatsQuery } from '../../../ports/push-store.js';
import { percentiles } from '../../../util/log-buckets.js';
import { MINUTE } from './schema.js';

/**
 * The per-minute tables behind `/v1/push/stats`: where deliveries ended (push_stats), every
 * attempt's outcome (push_attempts) and the send latency histogram (push_latency), each per
 * (minute, app, provider). Writers run inside the caller's transaction.
 */
export interface MinuteStats {
  /** Counts `n` deliveries that ended in `state`. */
  ended(minute: number, app: string, provider: string, state: string, n: number): void;
  /** Takes back one ending counted in `minute` (a dead delivery replayed ends elsewhere). */
  unend(minute: number, app: string, provider: string, state: string): void;
  attempted(minute: number, app: string, provider: string, outcome: string, n: number): void;
  latency(minute: number, app: string, provider: string, bucket: number, n: number): void;
  query(query: PushStatsQuery): PushStats;
  /** Deletes every minute before `minute`. */
  prune(minute: number): void;
}

export function prepareMinuteStats(sqlite: Database.Database): MinuteStats {
  const addStat = sqlite.prepare<[number, string, string, string, number]>(
    `INSERT INTO push_stats (minute, app, provider, state, count) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT DO UPDATE SET count = count + excluded.count`);
  const dropStat = sqlite.prepare<[number, string, string, string]>(
    'UPDATE push_stats SET count = count - 1 WHERE minute = ? AND app = ? AND provider = ? AND state = ? AND count > 0');
  const addAttempt = sqlite.prepare<[number, string, string, string, number]>(
    `INSERT INTO push_attempts (minute, app, provider, outcome, count) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT DO UPDATE SET count = count + excluded.count`);
  const addLatency = sqlite.prepare<[number, string, string, number, number]>(
    `INSERT INTO push_latency (minute, app, provider, bucket, count) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT DO UPDATE SET count = count + excluded.count`);
  const states = sqlite.prepare<{ from: number; to: number; app: string | null }, { provider: Provider; state: DeliveryState; n: number }>(
    `SELECT provider, state, sum(count) AS n FROM push_stats WHERE minute >= :from AND minute <= :to AND (:app IS NULL OR app = :app)
     GROUP BY provider, state`);
  const attempts = sqlite.prepare<{ from: number; to: number; app: string | null }, { provider: Provider; outcome: OutcomeKind; n: number }>(
    `SELECT provider, outcome, sum(count) AS n FROM push_attempts WHERE minute >= :from AND minute <= :to AND (:app IS NULL OR app = :app)
     GROUP BY provider, outcome`);
  const latency = sqlite.prepare<{ from: number; to: number; app: string | null }, { bucket: number; n: number }>(
    `SELECT bucket, sum(count) AS n FROM push_latency WHERE minute >= :from AND minute <= :to AND (:app IS NULL OR app = :app)
     GROUP BY bucket`);
  const prune = ['push_stats', 'push_latency', 'push_attempts'].map((table) => sqlite.prepare<[number]>(`DELETE FROM ${table} WHERE minute < ?`));

  return {
    ended: (minute, app, provider, state, n) => void addStat.run(minute, app, provider, state, n),
    unend: (minute, app, provider, state) => void dropStat.run(minute, app, provider, state),
    attempted: (minute, app, provider, outcome, n) => void addAttempt.run(minute, app, provider, outcome, n),
    latency: (minute, app, provider, bucket, n) => void addLatency.run(minute, app, provider, bucket, n),
    query(query) {
      const params = { from: Math.floor(query.since / MINUTE), to: Math.floor(query.until / MINUTE), app: query.app ?? null };
      const byProvider: PushCounts['byProvider'] = {};
      for (const { provider, state, n } of states.all(params)) if (n > 0) (byProvider[provider] ??= {})[state] = n;
      const byOutcome: PushStats['attempts'] = {};
      for (const { provider, outcome, n } of attempts.all(params)) (byOutcome[provider] ??= {})[outcome] = n;
      const histogram = new Map(latency.all(params).map((r) => [r.bucket, r.n] as const));
      const p = percentiles(histogram, [0.5, 0.95, 0.99]);
      const count = [...histogram.values()].reduce((a, b) => a + b, 0);
      return { byProvider, attempts: byOutcome, latency: p ? { p50: p[0]!, p95: p[1]!, p99: p[2]!, count } : null };
    },
    prune(minute) {
      for (const statement of prune) statement.run(minute);
    },
  };
}
