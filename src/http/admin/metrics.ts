import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PushEvents } from '../../core/push/push-events.js';
import type { QueueSample } from '../../core/push/push-pipeline.js';
import type { NotifyEvents } from '../../core/notify/notify-engine.js';
import { createEventWebhookMetrics, type EventWebhookMetrics } from './event-metrics.js';
import { createExportMetrics, type AnalyticsExportMetrics } from './export-metrics.js';

/** The Prometheus metrics the server exports at /metrics, in a registry of their own. */
export interface HttpMetrics {
  registry: Registry;
  published: Counter;
  deliveries: Counter<'transport'>;
  subscribers: Gauge<'transport'>;
  subscribersDropped: Counter<'reason'>;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  cacheBatchSize: Histogram;
  /** Feeds the push outcome and latency metrics. */
  pushEvents: PushEvents;
  /** Feeds the notify channel outcome counter. */
  notifyEvents: NotifyEvents;
  /** Feeds the analytics export metrics (`analytics-export-url`). */
  analyticsExport: AnalyticsExportMetrics;
  /** Feeds the event webhook attempt and backlog metrics. */
  eventWebhooks: EventWebhookMetrics;
  /** Where the queue gauges read from, set once the pipeline exists. */
  watchQueue(source: { sample: QueueSample; inFlight(): Map<string, number> }): void;
}

export function createMetrics(): HttpMetrics {
  const registry = new Registry();
  // The runtime's own metrics keep their standard names (process_cpu_seconds_total, nodejs_heap_size_used_bytes,
  // ...), which dashboards and alerts for any process expect; Herald's own metrics are herald_*.
  collectDefaultMetrics({ register: registry });
  const outcomes = new Counter({ name: 'herald_push_outcomes_total', help: 'Push delivery attempts recorded, by provider, app and resulting state', labelNames: ['provider', 'app', 'state'], registers: [registry] });
  const latency = new Histogram({
    name: 'herald_push_send_latency_seconds',
    help: 'Time from a push being due to the provider accepting it',
    labelNames: ['provider'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  let queueSource: { sample: QueueSample; inFlight(): Map<string, number> } | undefined;
  new Gauge({
    name: 'herald_queue_jobs',
    help: 'Jobs in the delivery queue by partition and state (a send job carries up to 250 deliveries)',
    labelNames: ['partition', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of queueSource?.sample.partitions ?? []) {
        this.labels(p.partition, 'ready').set(p.ready);
        this.labels(p.partition, 'scheduled').set(p.waiting - p.ready);
        this.labels(p.partition, 'reserved').set(p.reserved);
        this.labels(p.partition, 'dead').set(p.dead);
      }
    },
  });
  new Gauge({
    name: 'herald_queue_lag_seconds',
    help: 'How long the oldest due job has waited (load shedding compares this with queue-lag-limit)',
    registers: [registry],
    collect() {
      this.set((queueSource?.sample.lagMs ?? 0) / 1000);
    },
  });
  new Gauge({
    name: 'herald_push_in_flight',
    help: 'Deliveries being sent right now, by partition (app:provider)',
    labelNames: ['partition'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [partition, n] of queueSource?.inFlight() ?? []) this.labels(partition).set(n);
    },
  });
  const notifyStates = new Counter({ name: 'herald_notify_channel_states_total', help: 'Notify channel deliveries reaching a state (queued, sent, failed, suppressed, ...), by channel', labelNames: ['channel', 'state'], registers: [registry] });
  const notifyChildren = new Map<string, { inc(): void }>();
  const outcomeChildren = new Map<string, { inc(n: number): void }>();
  const latencyChildren = new Map<string, { observe(v: number): void }>();
  return {
    pushEvents: {
      recorded(summary) {
        for (const c of summary.counts) {
          const key = `${c.provider} ${c.app} ${c.state}`;
          let child = outcomeChildren.get(key);
          if (!child) outcomeChildren.set(key, (child = outcomes.labels(c.provider, c.app, c.state)));
          child.inc(c.n);
        }
        for (const l of summary.latencies) {
          let child = latencyChildren.get(l.provider);
          if (!child) latencyChildren.set(l.provider, (child = latency.labels(l.provider)));
          for (const ms of l.ms) child.observe(ms / 1000);
        }
      },
    },
    notifyEvents: {
      channel(channel, state) {
        const key = `${channel} ${state}`;
        let child = notifyChildren.get(key);
        if (!child) notifyChildren.set(key, (child = notifyStates.labels(channel, state)));
        child.inc();
      },
    },
    watchQueue(source) {
      queueSource = source;
    },
    analyticsExport: createExportMetrics(registry),
    eventWebhooks: createEventWebhookMetrics(registry),
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
