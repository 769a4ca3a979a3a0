import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { AnalyticsExportMetrics } from '../../core/analytics/analytics-exporter.js';

export type { AnalyticsExportMetrics };

/** Registered whether or not the export is on, so dashboards and alerts see zeros rather than gaps. */
export function createExportMetrics(registry: Registry): AnalyticsExportMetrics {
  const rows = new Counter({ name: 'herald_analytics_export_rows_total', help: 'Delivery state changes written to the analytics database', registers: [registry] });
  const dropped = new Counter({ name: 'herald_analytics_export_dropped_total', help: 'Delivery state changes dropped unwritten (buffer full while the analytics database failed, or left at shutdown)', registers: [registry] });
  const failures = new Counter({ name: 'herald_analytics_export_failures_total', help: 'Writes to the analytics database that failed (their rows wait in the buffer)', registers: [registry] });
  const duration = new Histogram({
    name: 'herald_analytics_export_flush_duration_seconds',
    help: 'Time one successful batch write to the analytics database took',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  let source: { readonly buffered: number } | undefined;
  new Gauge({
    name: 'herald_analytics_export_buffered_rows',
    help: 'Delivery state changes waiting to be written to the analytics database',
    registers: [registry],
    collect() {
      this.set(source?.buffered ?? 0);
    },
  });
  return {
    exported: (n) => rows.inc(n),
    dropped: (n) => dropped.inc(n),
    failed: () => failures.inc(),
    flushed: (seconds) => duration.observe(seconds),
    watch(s) {
      source = s;
    },
  };
}
