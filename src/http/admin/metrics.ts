import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The Prometheus metrics the server exports at /metrics, in a registry of their own. */
export interface HttpMetrics {
  registry: Registry;
  published: Counter;
  deliveries: Counter<'transport'>;
  subscribers: Gauge<'transport'>;
  subscribersDropped: Counter<'reason'>;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  cacheBatchSize: Histogram;
}

export function createMetrics(): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'herald_process_' });
  return {
    registry,
    published: new Counter({ name: 'herald_messages_published_total', help: 'Messages published', registers: [registry] }),
    deliveries: new Counter({ name: 'herald_deliveries_total', help: 'Messages handed to live subscribers, by transport', labelNames: ['transport'], registers: [registry] }),
    subscribers: new Gauge({ name: 'herald_subscribers', help: 'Open live subscriptions, by transport', labelNames: ['transport'], registers: [registry] }),
    subscribersDropped: new Counter({ name: 'herald_subscribers_dropped_total', help: 'Subscribers closed by the server, by reason', labelNames: ['reason'], registers: [registry] }),
    httpDuration: new Histogram({
      name: 'herald_http_request_duration_seconds',
      help: 'HTTP request latency (streams are counted until their headers are sent)',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    cacheBatchSize: new Histogram({
      name: 'herald_cache_write_batch_size',
      help: 'Messages committed per message-cache transaction',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers: [registry],
    }),
  };
}
