import { Type, type Static } from '@sinclair/typebox';

/** Request and answer shapes of `GET /v1/stats/series`. */

export const SeriesQuery = Type.Object({
  window: Type.Optional(Type.String({ maxLength: 40, description: 'how far back, e.g. 15m (default), 1h; at most the series retention, longer windows answer what is kept' })),
}, { additionalProperties: false });

const SECONDS = Type.Number({ minimum: 0, description: 'seconds' });

const Latency = Type.Object({
  count: Type.Integer({ minimum: 0, description: 'sends accepted by a provider during the interval' }),
  p50: Type.Optional(SECONDS),
  p95: Type.Optional(SECONDS),
  p99: Type.Optional(SECONDS),
}, { additionalProperties: false, description: 'Send latency (due → accepted by the provider) of the sends in the interval, estimated from the histogram buckets; no quantiles without sends' });

const Point = Type.Object({
  time: Type.Number({ description: 'end of the interval, Unix seconds (Herald\'s clock)' }),
  seconds: Type.Number({ exclusiveMinimum: 0, description: 'length of the interval; rates are counts divided by it' }),
  publishes: Type.Integer({ minimum: 0, description: 'messages published on the topics face during the interval' }),
  publishes_per_second: Type.Number({ minimum: 0 }),
  pushes: Type.Array(Type.Object({
    provider: Type.String(),
    outcome: Type.String({ description: 'the delivery state an attempt ended in: sent, retrying, failed, invalid_token, ...' }),
    count: Type.Integer({ minimum: 0 }),
    per_second: Type.Number({ minimum: 0 }),
  }, { additionalProperties: false }), { description: 'push delivery attempts recorded during the interval, by provider and outcome (every pair seen since start, zeros included)' }),
  latency: Latency,
  latency_by_provider: Type.Array(Type.Composite([Type.Object({ provider: Type.String() }), Latency], { additionalProperties: false })),
  queue_lag_seconds: Type.Number({ minimum: 0, description: 'how long the oldest due delivery job had waited, at the end of the interval' }),
  subscribers: Type.Integer({ minimum: 0, description: 'open live subscriptions at the end of the interval' }),
  subscribers_by_transport: Type.Record(Type.String(), Type.Integer({ minimum: 0 }), { description: 'json, sse, raw, ws, inbox, ...' }),
  notify: Type.Array(Type.Object({
    channel: Type.String(),
    state: Type.String({ description: 'queued, sent, failed, suppressed, ...' }),
    count: Type.Integer({ minimum: 0, description: 'notify channel deliveries that reached the state during the interval' }),
  }, { additionalProperties: false })),
}, { additionalProperties: false, description: 'What happened during one sampling interval' });

export const SeriesAnswer = Type.Object({
  interval_seconds: Type.Number({ exclusiveMinimum: 0, description: 'how often a point is taken (stats-series-interval)' }),
  retention_seconds: Type.Number({ exclusiveMinimum: 0, description: 'how far back points are kept (stats-series-retention)' }),
  window_seconds: Type.Number({ exclusiveMinimum: 0, description: 'the window answered: the one asked for, at most the retention' }),
  points: Type.Array(Point, { description: 'oldest first; empty until the first interval after start has passed' }),
}, { additionalProperties: false, description: "This node's recent metrics as a time series" });
export type SeriesAnswer = Static<typeof SeriesAnswer>;
export type SeriesPointAnswer = Static<typeof Point>;

export const seriesExample: SeriesAnswer = {
  interval_seconds: 10,
  retention_seconds: 3600,
  window_seconds: 900,
  points: [{
    time: 1764583200,
    seconds: 10,
    publishes: 42,
    publishes_per_second: 4.2,
    pushes: [
      { provider: 'apns', outcome: 'sent', count: 120, per_second: 12 },
      { provider: 'fcm', outcome: 'retrying', count: 3, per_second: 0.3 },
      { provider: 'fcm', outcome: 'sent', count: 97, per_second: 9.7 },
    ],
    latency: { count: 217, p50: 0.041, p95: 0.19, p99: 0.42 },
    latency_by_provider: [
      { provider: 'apns', count: 120, p50: 0.035, p95: 0.12, p99: 0.24 },
      { provider: 'fcm', count: 97, p50: 0.048, p95: 0.23, p99: 0.46 },
    ],
    queue_lag_seconds: 0.2,
    subscribers: 318,
    subscribers_by_transport: { json: 12, sse: 250, ws: 56 },
    notify: [{ channel: 'email', state: 'sent', count: 8 }, { channel: 'push', state: 'sent', count: 31 }],
  }],
};
