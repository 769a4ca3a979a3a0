import type { HistogramReading, MetricsReader, MetricsReading } from '../../ports/metrics-reading.js';

/** The part of a prom-client registry this reader uses (structural, so no prom-client import is needed). */
export interface PromRegistrySubset {
  getSingleMetric(name: string): { get(): Promise<PromMetricValues> | PromMetricValues } | undefined;
}

interface PromMetricValues {
  values: { value: number; labels: Record<string, string | number | undefined>; metricName?: string }[];
}

/** The metric names Herald's registry (src/http/admin/metrics.ts) defines; a missing one reads as empty. */
const NAMES = {
  published: 'herald_messages_published_total',
  pushOutcomes: 'herald_push_outcomes_total',
  sendLatency: 'herald_push_send_latency_seconds',
  queueLag: 'herald_queue_lag_seconds',
  subscribers: 'herald_subscribers',
  notifyStates: 'herald_notify_channel_states_total',
} as const;

/**
 * Reads Herald's Prometheus metrics from the process's own registry (no scrape, no text format):
 * gauges run their collect functions as they would for /metrics. Labels Herald splits further
 * (push outcomes by app) are summed away.
 */
export function createPromMetricsReader(registry: PromRegistrySubset): MetricsReader {
  const values = async (name: string) => (await registry.getSingleMetric(name)?.get())?.values ?? [];
  const label = (v: { labels: Record<string, string | number | undefined> }, name: string) => String(v.labels[name] ?? '');

  return {
    async read(): Promise<MetricsReading> {
      const [published, outcomes, latency, lag, subscribers, notify] = await Promise.all([
        values(NAMES.published), values(NAMES.pushOutcomes), values(NAMES.sendLatency),
        values(NAMES.queueLag), values(NAMES.subscribers), values(NAMES.notifyStates),
      ]);
      return {
        published: published.reduce((n, v) => n + v.value, 0),
        pushOutcomes: sumBy(outcomes, (v) => [label(v, 'provider'), label(v, 'state')]).map(([[provider, state], total]) => ({ provider, state, total })),
        sendLatency: histograms(latency),
        queueLagSeconds: lag[0]?.value ?? 0,
        subscribers: sumBy(subscribers, (v) => [label(v, 'transport')]).map(([[transport], open]) => ({ transport, open })),
        notifyStates: sumBy(notify, (v) => [label(v, 'channel'), label(v, 'state')]).map(([[channel, state], total]) => ({ channel, state, total })),
      };
    },
  };
}

type Value = PromMetricValues['values'][number];

function sumBy<K extends string[]>(values: readonly Value[], key: (v: Value) => [...K]): [K, number][] {
  const sums = new Map<string, { key: K; total: number }>();
  for (const v of values) {
    const k = key(v) as K;
    const id = k.join('\0');
    const s = sums.get(id);
    if (s) s.total += v.value;
    else sums.set(id, { key: k, total: v.value });
  }
  return [...sums.values()].map((s) => [s.key, s.total]);
}

/** prom-client lists a histogram as `_bucket` values (with `le`), `_sum` and `_count`, per label set. */
function histograms(values: readonly Value[]): HistogramReading[] {
  const byProvider = new Map<string, HistogramReading>();
  const of = (provider: string) => {
    let h = byProvider.get(provider);
    if (!h) byProvider.set(provider, (h = { provider, buckets: [], count: 0 }));
    return h;
  };
  for (const v of values) {
    const provider = String(v.labels.provider ?? '');
    if (v.metricName?.endsWith('_bucket')) {
      const le = v.labels.le === '+Inf' ? Infinity : Number(v.labels.le);
      if (!Number.isNaN(le)) of(provider).buckets.push({ le, count: v.value });
    } else if (v.metricName?.endsWith('_count')) {
      of(provider).count = v.value;
    }
  }
  for (const h of byProvider.values()) h.buckets.sort((a, b) => a.le - b.le);
  return [...byProvider.values()];
}
