import type { HealthCheck, HealthReport } from '../ports/health.js';

/** How long the database may take to answer a health check before it counts as unreachable. */
export const DATABASE_PING_TIMEOUT_MS = 2000;
/** How long one answer about the database is reused, so that probes never load it. */
export const DATABASE_PING_REUSE_MS = 1000;

export interface HealthSources {
  /** Pings the database; undefined when it lives in this process (SQLite). */
  ping: ((timeoutMs: number) => Promise<boolean>) | undefined;
  /** Whether the Redis connections are up; undefined without Redis. */
  redis: (() => boolean) | undefined;
}

/**
 * `/v1/health` from the node's dependencies. Redis is judged by the state of its connections,
 * which costs nothing. The database is pinged on the pool, with a short timeout: a node whose pool
 * cannot reach it in time cannot serve either. One ping answers every probe for a second, and
 * probes arriving during a ping share it.
 *
 * The reuse window runs on the process's monotonic time, not Herald's Clock: it exists to spare
 * the database real load, and a test's stopped clock must not freeze the answer.
 */
export function healthCheck(sources: HealthSources): HealthCheck {
  let last: { at: number; ok: boolean } | undefined;
  let pending: Promise<boolean> | undefined;
  const database = (ping: (timeoutMs: number) => Promise<boolean>): Promise<boolean> => {
    const now = performance.now();
    if (last && now - last.at < DATABASE_PING_REUSE_MS) return Promise.resolve(last.ok);
    pending ??= ping(DATABASE_PING_TIMEOUT_MS).then((ok) => {
      last = { at: performance.now(), ok };
      pending = undefined;
      return ok;
    });
    return pending;
  };
  return async () => {
    const report: HealthReport = { healthy: true };
    if (sources.ping) report.database = (await database(sources.ping)) ? 'ok' : 'unreachable';
    if (sources.redis) report.redis = sources.redis() ? 'ok' : 'unreachable';
    report.healthy = report.database !== 'unreachable' && report.redis !== 'unreachable';
    return report;
  };
}
