/**
 * Quantiles from histogram buckets, the way Prometheus's `histogram_quantile` estimates them:
 * find the bucket the rank falls in and interpolate linearly inside it. The answer is only as
 * fine as the buckets: it says "about 40 ms", not the exact 37 ms a send took.
 */

/** A cumulative bucket: observations at or below `le` (seconds; Infinity for the last). */
export interface Bucket {
  le: number;
  count: number;
}

/** A counter's increase between two readings; a smaller current value means it restarted from 0. */
export function counterIncrease(previous: number | undefined, current: number): number {
  if (previous === undefined || current < previous) return current;
  return current - previous;
}

/**
 * The observations made between two readings of one histogram, still as cumulative buckets.
 * A bucket that shrank means the histogram restarted, and then the current counts are the
 * increase. Buckets are matched by bound; bounds missing from `previous` count from 0.
 */
export function bucketIncrease(previous: readonly Bucket[] | undefined, current: readonly Bucket[]): Bucket[] {
  const before = new Map((previous ?? []).map((b) => [b.le, b.count]));
  const restarted = current.some((b) => b.count < (before.get(b.le) ?? 0));
  const out = current.map((b) => ({ le: b.le, count: restarted ? b.count : b.count - (before.get(b.le) ?? 0) }));
  return out.sort((a, b) => a.le - b.le);
}

/**
 * Adds histograms together (the providers' latencies into one). Only bounds every histogram has
 * are kept: a cumulative count at a bound one of them lacks cannot be known.
 */
export function sumBuckets(histograms: readonly (readonly Bucket[])[]): Bucket[] {
  if (histograms.length === 0) return [];
  const sums = new Map<number, { count: number; seen: number }>();
  for (const h of histograms) {
    for (const b of h) {
      const s = sums.get(b.le);
      if (s) {
        s.count += b.count;
        s.seen++;
      } else sums.set(b.le, { count: b.count, seen: 1 });
    }
  }
  return [...sums].filter(([, s]) => s.seen === histograms.length).map(([le, s]) => ({ le, count: s.count })).sort((a, b) => a.le - b.le);
}

/**
 * The q-quantile (0 ≤ q ≤ 1) of the observations in cumulative `buckets`, or undefined when
 * there are none. The lowest bucket is taken to start at 0 (latencies are never negative); a
 * rank in the open-ended last bucket answers that bucket's lower bound, the largest finite one,
 * since nothing better is known (as Prometheus does).
 */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number | undefined {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`a quantile lies between 0 and 1, not ${q}`);
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let below = 0;
  let lower = 0;
  for (const b of sorted) {
    if (b.count >= rank && b.count > below) {
      if (b.le === Infinity) return lower;
      return lower + ((b.le - lower) * (rank - below)) / (b.count - below);
    }
    below = b.count;
    lower = b.le;
  }
  return lower;
}
