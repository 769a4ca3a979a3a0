/**
 * The answer of `GET /v1/stats/series` and the chart data made from it. Pure functions: the
 * screen calls them on each refresh.
 */

export interface Latency { count: number; p50?: number; p95?: number; p99?: number }

export interface SeriesPoint {
  time: number;
  seconds: number;
  publishes: number;
  publishes_per_second: number;
  pushes: { provider: string; outcome: string; count: number; per_second: number }[];
  latency: Latency;
  latency_by_provider: (Latency & { provider: string })[];
  queue_lag_seconds: number;
  subscribers: number;
  subscribers_by_transport: Record<string, number>;
  notify: { channel: string; state: string; count: number }[];
}

export interface SeriesAnswer {
  interval_seconds: number;
  retention_seconds: number;
  window_seconds: number;
  points: SeriesPoint[];
}

/** One chart's data: the x values (Unix seconds) and a line per series (null: no value there). */
export interface ChartData {
  x: number[];
  lines: { label: string; values: (number | null)[] }[];
}

const x = (points: SeriesPoint[]) => points.map((p) => p.time);

export function publishesChart(points: SeriesPoint[]): ChartData {
  return { x: x(points), lines: [{ label: 'publishes/s', values: points.map((p) => p.publishes_per_second) }] };
}

/** A line per provider and outcome that had attempts in the window (quiet pairs would only crowd the chart). */
export function pushesChart(points: SeriesPoint[]): ChartData {
  const busy = new Set<string>();
  for (const p of points) for (const push of p.pushes) if (push.count > 0) busy.add(`${push.provider} ${push.outcome}`);
  const labels = [...busy].sort();
  return {
    x: x(points),
    lines: labels.map((label) => ({
      label,
      values: points.map((p) => p.pushes.find((push) => `${push.provider} ${push.outcome}` === label)?.per_second ?? 0),
    })),
  };
}

/** Milliseconds; an interval without sends has no value (a gap, not a zero). */
export function latencyChart(points: SeriesPoint[]): ChartData {
  const ms = (v: number | undefined) => (v === undefined ? null : v * 1000);
  return {
    x: x(points),
    lines: (['p50', 'p95', 'p99'] as const).map((q) => ({ label: q, values: points.map((p) => ms(p.latency[q])) })),
  };
}

export function queueLagChart(points: SeriesPoint[]): ChartData {
  return { x: x(points), lines: [{ label: 'queue lag (s)', values: points.map((p) => p.queue_lag_seconds) }] };
}

export function subscribersChart(points: SeriesPoint[]): ChartData {
  const transports = [...new Set(points.flatMap((p) => Object.keys(p.subscribers_by_transport)))].sort();
  return {
    x: x(points),
    lines: [
      { label: 'all', values: points.map((p) => p.subscribers) },
      ...transports.map((t) => ({ label: t, values: points.map((p) => p.subscribers_by_transport[t] ?? 0) })),
    ],
  };
}

/** Deliveries reaching each channel state per interval, for the pairs seen in the window. */
export function notifyChart(points: SeriesPoint[]): ChartData {
  const busy = new Set<string>();
  for (const p of points) for (const n of p.notify) if (n.count > 0) busy.add(`${n.channel} ${n.state}`);
  const labels = [...busy].sort();
  return {
    x: x(points),
    lines: labels.map((label) => ({
      label,
      values: points.map((p) => p.notify.find((n) => `${n.channel} ${n.state}` === label)?.count ?? 0),
    })),
  };
}

/** Pushes per second over every provider and outcome in one point. */
export function pushRate(point: SeriesPoint): number {
  return point.pushes.reduce((n, p) => n + p.per_second, 0);
}

export function formatNumber(n: number, digits = 2): string {
  return n.toLocaleString('en', { maximumFractionDigits: digits });
}

export function formatMs(seconds: number | undefined): string {
  return seconds === undefined ? '–' : `${formatNumber(seconds * 1000, seconds < 0.01 ? 2 : 0)} ms`;
}
