import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { MetricsReader } from '../../ports/metrics-reading.js';
import { FailureLog } from '../../util/failure-log.js';
import { RingBuffer } from './ring-buffer.js';
import { seriesPoint, type SeriesPoint, type TimedReading } from './series-point.js';

export interface StatsSeriesOptions {
  /** How often a point is taken, on Herald's clock. */
  intervalMs: number;
  /** How far back points are kept; the buffer holds retention / interval of them. */
  retentionMs: number;
}

/** Most points kept whatever the options say (a week at 10 s is 60,480): the buffer's memory stays small. */
export const MAX_POINTS = 100_000;

/**
 * How often the loop looks at the clock, in real time. A point is taken when Herald's clock has
 * reached the next one's due time, so a test that moves its clock ahead sees the point within a
 * tick, and a point covers the time its interval says even when a tick comes late.
 */
const TICK_MS = 1000;

/**
 * The recent history of this node's metrics, for the admin console's charts: every interval it
 * reads the metrics and keeps what happened since the previous reading (rates, interval latency
 * quantiles, gauges) in a bounded ring buffer. In memory only: a restart starts a new history.
 */
export class StatsSeries {
  readonly #reader: MetricsReader;
  readonly #clock: Clock;
  readonly #options: StatsSeriesOptions;
  readonly #points: RingBuffer<SeriesPoint>;
  readonly #failures: FailureLog;
  #previous: TimedReading | undefined;
  #dueAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #sampling: Promise<void> | undefined;
  #stopped = false;

  constructor(deps: { reader: MetricsReader; clock: Clock; logger: Logger; options: StatsSeriesOptions }) {
    if (!(deps.options.intervalMs > 0) || !(deps.options.retentionMs > 0)) throw new RangeError('stats series interval and retention must be positive');
    this.#reader = deps.reader;
    this.#clock = deps.clock;
    this.#options = deps.options;
    this.#points = new RingBuffer(pointsFor(deps.options));
    this.#failures = new FailureLog(deps.logger, 'stats series: reading the metrics failed');
  }

  get intervalMs(): number {
    return this.#options.intervalMs;
  }

  /** How far back points are kept (capped at {@link MAX_POINTS} intervals). */
  get retentionMs(): number {
    return this.#points.capacity * this.#options.intervalMs;
  }

  /** Takes the first reading (the baseline of the first point) and starts the loop. Idempotent. */
  async start(): Promise<void> {
    if (this.#timer || this.#stopped) return;
    this.#timer = setInterval(() => {
      if (this.#clock.now() >= this.#dueAt) void this.sample();
    }, Math.min(TICK_MS, this.#options.intervalMs));
    this.#timer.unref();
    await this.sample();
  }

  /** Stops the loop; the points stay readable. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#sampling;
  }

  /**
   * Reads the metrics now and adds the point since the previous reading (the first reading only
   * sets the baseline). One reading at a time: a call while one runs joins it.
   */
  sample(): Promise<void> {
    return (this.#sampling ??= this.#sample().finally(() => (this.#sampling = undefined)));
  }

  async #sample(): Promise<void> {
    const at = this.#clock.now();
    this.#dueAt = at + this.#options.intervalMs;
    try {
      const reading = { at, reading: await this.#reader.read() };
      const previous = this.#previous;
      this.#previous = reading;
      // A clock that stood still or went back gives no interval to divide by: the reading is the new baseline.
      if (previous && reading.at > previous.at) this.#points.push(seriesPoint(previous, reading));
      this.#failures.succeeded();
    } catch (err) {
      this.#failures.failed(err);
    }
  }

  /** The points that ended within the last `windowMs` (by Herald's clock), oldest first. */
  window(windowMs: number): SeriesPoint[] {
    const since = this.#clock.now() - windowMs;
    return this.#points.newest((p) => p.at > since);
  }
}

function pointsFor(options: StatsSeriesOptions): number {
  return Math.min(MAX_POINTS, Math.max(1, Math.ceil(options.retentionMs / options.intervalMs)));
}
