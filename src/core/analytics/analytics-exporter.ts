import type { DeliveryEventRow, DeliveryEventSink } from '../../ports/delivery-event-sink.js';
import type { Logger } from '../../ports/logger.js';
import { FailureLog } from '../../util/failure-log.js';
import { ExportBuffer } from './export-buffer.js';

export interface AnalyticsExporterOptions {
  /** Most rows per write; a full batch is written at once, a partial one at the next tick. */
  batchSize: number;
  /** How often rows that did not fill a batch are written (and a failed write is tried again). */
  flushIntervalMs: number;
  /** Most rows held while the database is slow or away; beyond it the oldest are dropped. */
  bufferLimit: number;
}

/** What the exporter reports, for the metrics. */
export interface ExportMetrics {
  exported(rows: number): void;
  dropped(rows: number): void;
  failed(): void;
  /** One successful write's duration. */
  flushed(seconds: number): void;
}

/** The export's metrics as the composition hands them over: also where the buffer gauge reads from once the exporter exists. */
export interface AnalyticsExportMetrics extends ExportMetrics {
  watch(source: { readonly buffered: number }): void;
}

/** Drop warnings are throttled like failure logs: people read them, so real time paces them. */
const DROP_LOG_EVERY_MS = 30_000;

/**
 * Exports delivery state changes as they happen, in batches: `add` only appends to a bounded
 * buffer (it never waits and never throws, so deliveries never depend on the analytics database),
 * and one write at a time drains it. While writes fail, rows wait in the buffer and the oldest
 * are dropped past its limit, counted and logged.
 */
export class AnalyticsExporter {
  readonly #sink: DeliveryEventSink;
  readonly #logger: Logger;
  readonly #metrics: ExportMetrics;
  readonly #options: AnalyticsExporterOptions;
  readonly #buffer: ExportBuffer<DeliveryEventRow>;
  readonly #writeFailures: FailureLog;
  #timer: NodeJS.Timeout | undefined;
  #draining: Promise<void> | undefined;
  #failing = false;
  #stopping: Promise<void> | undefined;
  #droppedUnlogged = 0;
  #lastDropLogAt = -Infinity;

  constructor(deps: { sink: DeliveryEventSink; logger: Logger; metrics: ExportMetrics; options: AnalyticsExporterOptions }) {
    this.#sink = deps.sink;
    this.#logger = deps.logger;
    this.#metrics = deps.metrics;
    this.#options = deps.options;
    this.#buffer = new ExportBuffer(deps.options.bufferLimit);
    // Write failures are warnings: deliveries go on, only the analytics copy waits.
    this.#writeFailures = new FailureLog({ info: (o, m) => deps.logger.info(o, m), error: (o, m) => deps.logger.warn(o, m) }, 'analytics export: writing rows failed; they wait in the buffer');
  }

  /** Rows waiting to be written. */
  get buffered(): number {
    return this.#buffer.size;
  }

  start(): void {
    if (this.#timer || this.#stopping) return;
    this.#timer = setInterval(() => this.#drain(), this.#options.flushIntervalMs);
    this.#timer.unref();
  }

  /** Queues rows for export. Returns at once; never throws. */
  add(rows: readonly DeliveryEventRow[]): void {
    if (rows.length === 0) return;
    const dropped = this.#buffer.push(rows);
    if (dropped > 0) this.#dropped(dropped);
    // While the database fails, only the timer tries again: a full buffer must not spin on it.
    if (!this.#failing && this.#buffer.size >= this.#options.batchSize) this.#drain();
  }

  /**
   * Stops the timer and writes what is buffered, for at most `timeoutMs`; rows still unwritten
   * then are dropped (and counted). Closes the sink. Idempotent.
   */
  stop(options: { timeoutMs: number }): Promise<void> {
    return (this.#stopping ??= this.#stop(options.timeoutMs));
  }

  async #stop(timeoutMs: number): Promise<void> {
    clearInterval(this.#timer);
    const deadline = performance.now() + timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), Math.max(0, timeoutMs));
      timer.unref();
    });
    const flush = async () => {
      await this.#draining;
      // One more pass even after a failure: the database may be back, and this is the last chance.
      this.#failing = false;
      while (this.#buffer.size > 0 && performance.now() < deadline) {
        if (!(await this.#writeOne())) break;
      }
    };
    try {
      await Promise.race([flush(), late]);
      const left = this.#buffer.size;
      if (left > 0) {
        this.#buffer.take(left);
        this.#metrics.dropped(left);
        this.#logger.warn({ dropped: left }, 'analytics export: rows not written before shutdown were dropped');
      }
      await Promise.race([this.#sink.close(), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  #drain(): void {
    if (this.#draining || this.#buffer.size === 0) return;
    this.#draining = (async () => {
      try {
        while (this.#buffer.size > 0 && !this.#stopping) {
          if (!(await this.#writeOne())) return;
        }
      } finally {
        this.#draining = undefined;
      }
    })();
  }

  /** Writes one batch; false when the write failed (the batch is back in the buffer). */
  async #writeOne(): Promise<boolean> {
    const rows = this.#buffer.take(this.#options.batchSize);
    const started = performance.now();
    try {
      await this.#sink.write(rows);
    } catch (err) {
      this.#failing = true;
      this.#metrics.failed();
      this.#writeFailures.failed(err, { rows: rows.length, buffered: this.#buffer.size + rows.length });
      const dropped = this.#buffer.putBack(rows);
      if (dropped > 0) this.#dropped(dropped);
      return false;
    }
    this.#failing = false;
    this.#metrics.exported(rows.length);
    this.#metrics.flushed((performance.now() - started) / 1000);
    this.#writeFailures.succeeded();
    return true;
  }

  #dropped(n: number): void {
    this.#metrics.dropped(n);
    this.#droppedUnlogged += n;
    const now = performance.now();
    if (now - this.#lastDropLogAt < DROP_LOG_EVERY_MS) return;
    this.#logger.warn({ dropped: this.#droppedUnlogged, bufferLimit: this.#options.bufferLimit }, 'analytics export: buffer full, oldest rows dropped');
    this.#lastDropLogAt = now;
    this.#droppedUnlogged = 0;
  }
}
