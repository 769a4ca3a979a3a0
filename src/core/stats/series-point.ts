import type { MetricsReading } from '../../ports/metrics-reading.js';
import { bucketIncrease, counterIncrease, histogramQuantile, sumBuckets, type Bucket } from './histogram-quantile.js';

/** Send latency over one interval: how many sends, and quantiles in seconds (absent without sends). */
export interface LatencySummary {
  count: number;
  p50?: number;
  p95?: number;
  p99?: number;
}

/** What happened during one sampling interval, ending at `at`. Rates are per second of the interval. */
export interface SeriesPoint {
  /** End of the interval, ms since the epoch (Herald's clock). */
  at: number;
  /** Length of the interval in seconds (rates are counts divided by it). */
  seconds: number;
  publishes: { count: number; rate: number };
  /** Push delivery attempts recorded, by provider and resulting state; every pair seen so far, zeros included. */
  pushes: { provider: string; state: string; count: number; rate: number }[];
  latency: LatencySummary;
  latencyByProvider: (LatencySummary & { provider: string })[];
  /** At the end of the interval. */
  queueLagSeconds: number;
  /** Open at the end of the interval. */
  subscribers: { open: number; byTransport: { transport: string; open: number }[] };
  /** Notify channel deliveries that reached each state during the interval; every pair seen so far. */
  notify: { channel: string; state: string; count: number }[];
}

/** A reading and when it was taken (ms, Herald's clock). */
export interface TimedReading {
  at: number;
  reading: MetricsReading;
}

function summarize(buckets: readonly Bucket[]): LatencySummary {
  const count = buckets.at(-1)?.count ?? 0;
  if (count === 0) return { count };
  const q = (p: number) => histogramQuantile(p, buckets) ?? 0;
  return { count, p50: q(0.5), p95: q(0.95), p99: q(0.99) };
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The point for the interval between two readings: counter increases and their rates, latency
 * quantiles from the increase of each histogram bucket (so they describe this interval's sends,
 * not every send since start), and the gauges as they stand at the end. A counter that went down
 * restarted, and its current value is the increase. `current.at` must be after `previous.at`.
 */
export function seriesPoint(previous: TimedReading, current: TimedReading): SeriesPoint {
  const seconds = (current.at - previous.at) / 1000;
  if (!(seconds > 0)) throw new RangeError('a series point needs a reading later than the previous one');
  const before = previous.reading;
  const now = current.reading;
  const rate = (count: number) => count / seconds;

  const pushesBefore = new Map(before.pushOutcomes.map((p) => [`${p.provider}\0${p.state}`, p.total]));
  const pushes = now.pushOutcomes
    .map((p) => {
      const count = counterIncrease(pushesBefore.get(`${p.provider}\0${p.state}`) ?? 0, p.total);
      return { provider: p.provider, state: p.state, count, rate: rate(count) };
    })
    .sort((a, b) => byName(a.provider, b.provider) || byName(a.state, b.state));

  const latencyBefore = new Map(before.sendLatency.map((h) => [h.provider, h.buckets]));
  const increases = now.sendLatency
    .map((h) => ({ provider: h.provider, buckets: bucketIncrease(latencyBefore.get(h.provider), h.buckets) }))
    .sort((a, b) => byName(a.provider, b.provider));

  const notifyBefore = new Map(before.notifyStates.map((n) => [`${n.channel}\0${n.state}`, n.total]));
  const notify = now.notifyStates
    .map((n) => ({ channel: n.channel, state: n.state, count: counterIncrease(notifyBefore.get(`${n.channel}\0${n.state}`) ?? 0, n.total) }))
    .sort((a, b) => byName(a.channel, b.channel) || byName(a.state, b.state));

  const published = counterIncrease(before.published, now.published);
  return {
    at: current.at,
    seconds,
    publishes: { count: published, rate: rate(published) },
    pushes,
    latency: summarize(sumBuckets(increases.map((i) => i.buckets))),
    latencyByProvider: increases.map((i) => ({ provider: i.provider, ...summarize(i.buckets) })),
    queueLagSeconds: now.queueLagSeconds,
    subscribers: {
      open: now.subscribers.reduce((n, s) => n + s.open, 0),
      byTransport: [...now.subscribers].sort((a, b) => byName(a.transport, b.transport)),
    },
    notify,
  };
}
