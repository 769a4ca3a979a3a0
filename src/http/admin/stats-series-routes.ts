import type { SeriesPoint } from '../../core/stats/series-point.js';
import { HeraldError } from '../../errors/index.js';
import { parseHumanDuration } from '../../util/durations.js';
import type { HttpDeps } from '../deps.js';
import { ERROR_ANSWERS } from '../openapi/error-schema.js';
import { withExample, type SchemaApp } from '../plugins/schema-routes.js';
import { requireAllCategories } from '../plugins/viewer.js';
import { SeriesAnswer, SeriesQuery, seriesExample, type SeriesPointAnswer } from './stats-series-schemas.js';

const DEFAULT_WINDOW_MS = 15 * 60_000;

/** `GET /v1/stats/series`: the recent history of this node's metrics, for the admin console's charts. */
export function registerStatsSeriesRoutes(app: SchemaApp, deps: Pick<HttpDeps, 'statsSeries'>): void {
  const series = deps.statsSeries;
  app.get('/stats/series', {
    schema: {
      summary: 'Recent metrics as a time series',
      description: 'One point per `stats-series-interval` (default 10 s), kept in memory for `stats-series-retention` (default 1 h): '
        + 'publishes/s, push attempts/s by provider and outcome, send latency p50/p95/p99 over each interval (estimated from the histogram buckets), '
        + 'queue lag, open subscribers and notify channel states. The points describe the node that answers: with several nodes, each keeps its '
        + 'own series of its own traffic (queue lag is the shared queue\'s); sum the nodes\' `/metrics` in Prometheus for the whole cluster.',
      tags: ['server'],
      querystring: SeriesQuery,
      response: { 200: withExample(SeriesAnswer, seriesExample), ...ERROR_ANSWERS },
    },
    config: { scope: 'stats:read' },
  }, async (request, reply) => {
    requireAllCategories(request);
    const asked = request.query.window === undefined ? DEFAULT_WINDOW_MS : parseHumanDuration(request.query.window);
    if (asked === undefined || !(asked > 0)) throw new HeraldError('badRequest', { detail: `window: '${request.query.window}' is not a positive duration such as 15m or 1h` });
    const windowMs = Math.min(asked, series.retentionMs);
    return reply.send({
      interval_seconds: series.intervalMs / 1000,
      retention_seconds: series.retentionMs / 1000,
      window_seconds: windowMs / 1000,
      points: series.window(windowMs).map(pointJson),
    });
  });
}

function pointJson(p: SeriesPoint): SeriesPointAnswer {
  const latency = ({ count, p50, p95, p99 }: SeriesPoint['latency']) => ({ count, ...(p50 !== undefined ? { p50, p95: p95 ?? p50, p99: p99 ?? p50 } : {}) });
  return {
    time: p.at / 1000,
    seconds: p.seconds,
    publishes: p.publishes.count,
    publishes_per_second: p.publishes.rate,
    pushes: p.pushes.map((x) => ({ provider: x.provider, outcome: x.state, count: x.count, per_second: x.rate })),
    latency: latency(p.latency),
    latency_by_provider: p.latencyByProvider.map((l) => ({ provider: l.provider, ...latency(l) })),
    queue_lag_seconds: p.queueLagSeconds,
    subscribers: p.subscribers.open,
    subscribers_by_transport: Object.fromEntries(p.subscribers.byTransport.map((s) => [s.transport, s.open])),
    notify: p.notify.map((n) => ({ channel: n.channel, state: n.state, count: n.count })),
  };
}
