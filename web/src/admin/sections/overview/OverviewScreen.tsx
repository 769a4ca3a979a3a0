import { useEffect, useMemo, useState } from 'react';
import { ApiError } from '../../../shared/api.js';
import type { SectionProps } from '../../sections.js';
import { Chart } from './Chart.js';
import {
  formatMs, formatNumber, latencyChart, notifyChart, publishesChart, pushRate, pushesChart, queueLagChart, subscribersChart,
  type SeriesAnswer,
} from './series.js';
import './overview.css';

/** How often the screen asks for the series again. */
const REFRESH_MS = 5000;
const WINDOWS = [['5m', '5 minutes'], ['15m', '15 minutes'], ['1h', '1 hour']] as const;

/** The console's first screen: this node's traffic over the last minutes, as numbers and charts. */
export default function OverviewScreen({ api }: SectionProps) {
  const [span, setSpan] = useState<string>('15m');
  const [answer, setAnswer] = useState<SeriesAnswer>();
  const [error, setError] = useState('');

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const next = await api.call<SeriesAnswer>(`/v1/stats/series?window=${encodeURIComponent(span)}`);
        if (stopped) return;
        setAnswer(next);
        setError('');
      } catch (err) {
        if (stopped) return;
        setError(err instanceof ApiError ? err.message : `Unexpected failure: ${String(err)}`);
      } finally {
        if (!stopped) timer = setTimeout(() => void load(), REFRESH_MS);
      }
    };
    void load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [api, span]);

  const points = answer?.points ?? [];
  const charts = useMemo(() => ({
    publishes: publishesChart(points),
    pushes: pushesChart(points),
    latency: latencyChart(points),
    lag: queueLagChart(points),
    subscribers: subscribersChart(points),
    notify: notifyChart(points),
  }), [points]);
  const last = points.at(-1);

  return (
    <div className="overview">
      <header className="overview-head">
        <h1>Overview</h1>
        <label>Window{' '}
          <select value={span} onChange={(e) => setSpan(e.target.value)}>
            {WINDOWS.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
          </select>
        </label>
      </header>
      {error && <p role="alert">The statistics could not be loaded. {error}{answer ? ' The figures below are from the last successful load.' : ''}</p>}
      {!answer && !error && <p aria-live="polite">Loading the statistics…</p>}
      {answer && (
        <p className="overview-note">
          This server node&rsquo;s own traffic, a point every {formatNumber(answer.interval_seconds)} s, kept for {formatNumber(answer.retention_seconds / 60)} minutes; refreshed every {REFRESH_MS / 1000} s.
          {last ? <> Last point: <time dateTime={new Date(last.time * 1000).toISOString()}>{new Date(last.time * 1000).toLocaleTimeString()}</time>.</> : ' No point yet: the first comes one interval after the server started.'}
        </p>
      )}
      {last && (
        <section aria-labelledby="overview-now">
          <h2 id="overview-now">Last interval</h2>
          <dl className="overview-figures">
            <div><dt>Publishes</dt><dd data-figure="publishes">{formatNumber(last.publishes_per_second)} /s</dd></div>
            <div><dt>Pushes</dt><dd data-figure="pushes">{formatNumber(pushRate(last))} /s</dd></div>
            <div>
              <dt>Send latency p50 / p95 / p99</dt>
              <dd data-figure="latency">{last.latency.count === 0 ? 'no sends' : `${formatMs(last.latency.p50)} / ${formatMs(last.latency.p95)} / ${formatMs(last.latency.p99)}`}</dd>
            </div>
            <div><dt>Queue lag</dt><dd data-figure="queue-lag">{formatNumber(last.queue_lag_seconds, 1)} s</dd></div>
            <div><dt>Open subscribers</dt><dd data-figure="subscribers">{formatNumber(last.subscribers, 0)}</dd></div>
            <div><dt>Notify deliveries</dt><dd data-figure="notify">{formatNumber(last.notify.reduce((n, x) => n + x.count, 0), 0)}</dd></div>
          </dl>
        </section>
      )}
      {answer && (
        <section aria-labelledby="overview-charts">
          <h2 id="overview-charts">Last {formatNumber(answer.window_seconds / 60)} minutes</h2>
          <div className="overview-grid">
            <Chart title="Publishes per second" data={charts.publishes} format={(v) => formatNumber(v)} />
            <Chart title="Pushes per second by provider and outcome" data={charts.pushes} format={(v) => formatNumber(v)} empty="No push attempts in this window." />
            <Chart title="Send latency (ms)" data={charts.latency} format={(v) => formatNumber(v, v < 10 ? 2 : 0)} />
            <Chart title="Queue lag (seconds)" data={charts.lag} format={(v) => formatNumber(v, 1)} />
            <Chart title="Open subscribers" data={charts.subscribers} format={(v) => formatNumber(v, 0)} integer />
            <Chart title="Notify channel states per interval" data={charts.notify} format={(v) => formatNumber(v, 0)} empty="No notify deliveries in this window." integer />
          </div>
        </section>
      )}
      {last && last.pushes.some((p) => p.count > 0) && (
        <section aria-labelledby="overview-pushes">
          <h2 id="overview-pushes">Pushes in the last interval</h2>
          <table>
            <thead><tr><th scope="col">Provider</th><th scope="col">Outcome</th><th scope="col">Attempts</th><th scope="col">Per second</th></tr></thead>
            <tbody>
              {last.pushes.filter((p) => p.count > 0).map((p) => (
                <tr key={`${p.provider} ${p.outcome}`}><td>{p.provider}</td><td>{p.outcome}</td><td>{p.count}</td><td>{formatNumber(p.per_second)}</td></tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </div>
  );
}
