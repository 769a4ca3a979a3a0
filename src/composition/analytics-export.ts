import { createPostgresDeliveryEventSink } from '../adapters/postgres/analytics/postgres-delivery-event-sink.js';
import type { Config } from '../config/index.js';
import { AnalyticsExporter } from '../core/analytics/analytics-exporter.js';
import type { AnalyticsExportMetrics } from '../core/analytics/analytics-exporter.js';
import { notifyEventsWithExport, pushEventsWithExport, statusReportsWithExport, type StatusReported } from '../core/analytics/export-sources.js';
import type { NotifyEvents } from '../core/notify/notify-events.js';
import type { PushEvents } from '../core/push/push-events.js';
import type { DeviceStore } from '../ports/device-store.js';
import type { Logger } from '../ports/logger.js';
import type { NotifyStore } from '../ports/notify-store.js';

/**
 * The analytics export of `analytics-export-url`, started; undefined when the key is empty. It
 * does not connect here: a database that is down costs buffered (then dropped) rows, never a
 * failed start. The caller stops it after the work that feeds it.
 */
export function openAnalyticsExport(config: Config, metrics: AnalyticsExportMetrics, logger: Logger): AnalyticsExporter | undefined {
  if (config.analyticsExportUrl === '') return undefined;
  const sink = createPostgresDeliveryEventSink({ url: config.analyticsExportUrl, table: config.analyticsExportTable, logger });
  const exporter = new AnalyticsExporter({
    sink, logger, metrics,
    options: { batchSize: config.analyticsExportBatchSize, flushIntervalMs: config.analyticsExportFlushInterval, bufferLimit: config.analyticsExportBufferLimit },
  });
  metrics.watch(exporter);
  exporter.start();
  return exporter;
}

/** The push pipeline's events, exporting too when the export is on (send rows read their devices' platforms once per job). */
export function exportPushEvents(base: PushEvents, exporter: AnalyticsExporter | undefined, devices: Pick<DeviceStore, 'platforms'>, logger: Logger): PushEvents {
  return exporter ? pushEventsWithExport(base, (rows) => exporter.add(rows), { platforms: (ids) => devices.platforms(ids), logger }) : base;
}

/** PushService's `statusReported`, exporting too when the export is on. */
export function exportStatusReports(base: StatusReported, exporter: AnalyticsExporter | undefined, devices: Pick<DeviceStore, 'byId'>, logger: Logger): StatusReported {
  return exporter ? statusReportsWithExport(base, (rows) => exporter.add(rows), (id) => devices.byId(id), logger) : base;
}

/** The notify engine's events, exporting too when the export is on. */
export function exportNotifyEvents(base: NotifyEvents, exporter: AnalyticsExporter | undefined, notifications: Pick<NotifyStore, 'getNotificationBySeq'>, logger: Logger): NotifyEvents {
  return exporter ? notifyEventsWithExport(base, (rows) => exporter.add(rows), (seq) => notifications.getNotificationBySeq(seq), logger) : base;
}
