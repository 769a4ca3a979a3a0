// autocannon ships no types and @types/autocannon is not a dependency: just what bench/ uses.
declare module 'autocannon' {
  namespace autocannon {
    interface Options {
      url: string;
      method?: string;
      body?: string;
      headers?: Record<string, string>;
      connections?: number;
      duration?: number;
      timeout?: number;
      /** Return per-run raw counters and encoded histograms, to be merged with aggregateResult. */
      skipAggregateResult?: boolean;
    }
    interface Counters {
      errors: number;
      timeouts: number;
      non2xx: number;
      resets: number;
      '2xx': number;
      '4xx': number;
      '5xx': number;
      statusCodeStats: Record<string, { count: number }>;
    }
    interface RawResult extends Counters {
      totalCompletedRequests: number;
      totalRequests: number;
      /** Seconds. */
      duration: number;
    }
    interface Histogram {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      p50: number;
      p90: number;
      p99: number;
    }
    interface Result extends Counters {
      duration: number;
      latency: Histogram;
      requests: Histogram & { total: number; sent: number };
    }
    /** Merges raw results; latency percentiles are exact, `requests` is not (it is per-second samples). */
    function aggregateResult(results: RawResult[], options: Options): Result;
  }
  function autocannon(options: autocannon.Options & { skipAggregateResult: true }): Promise<autocannon.RawResult>;
  function autocannon(options: autocannon.Options): Promise<autocannon.Result>;
  export = autocannon;
}
