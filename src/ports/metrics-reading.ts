/**
 * The server's counters, gauges and histograms as read at one instant, in Herald's terms rather
 * than a metrics library's. Counters are cumulative since the process started; the stats series
 * turns two readings into rates and interval quantiles.
 */
export interface MetricsReading {
  /** Messages published on the topics face (cumulative). */
  published: number;
  /** Push delivery attempts recorded, by provider and resulting state (cumulative, summed over apps). */
  pushOutcomes: { provider: string; state: string; total: number }[];
  /** The send-latency histogram, per provider (cumulative). */
  sendLatency: HistogramReading[];
  /** How long the oldest due job of the delivery queue has waited, in seconds (a gauge). */
  queueLagSeconds: number;
  /** Open live subscriptions, by transport (a gauge). */
  subscribers: { transport: string; open: number }[];
  /** Notify channel deliveries reaching a state, by channel (cumulative). */
  notifyStates: { channel: string; state: string; total: number }[];
}

/** One histogram series: cumulative bucket counts as Prometheus keeps them. */
export interface HistogramReading {
  provider: string;
  /**
   * Upper bounds (seconds) with the number of observations at or below each, ascending; the last
   * bound may be Infinity (then its count is every observation).
   */
  buckets: { le: number; count: number }[];
  /** Every observation. */
  count: number;
}

/** Where the stats series reads the metrics from. */
export interface MetricsReader {
  /** The metrics as they are now. Rejects only when the metrics cannot be read at all. */
  read(): Promise<MetricsReading>;
}
