/**
 * Logarithmic histogram buckets for latencies: bucket b holds values up to GROWTH^b, so every
 * percentile read back is within 5% of the true value whatever the range (1 ms or an hour), with
 * a few hundred buckets instead of one per millisecond.
 */
const GROWTH = 1.05;
const LOG_GROWTH = Math.log(GROWTH);

/** The bucket of a non-negative value; values at or below 1 share bucket 0. */
export function bucketOf(value: number): number {
  return value <= 1 ? 0 : Math.ceil(Math.log(value) / LOG_GROWTH);
}

/** The upper bound of a bucket, rounded to whole units. */
export function bucketUpperBound(bucket: number): number {
  return bucket <= 0 ? 1 : Math.round(GROWTH ** bucket);
}

/** Percentiles (0..1) of a histogram given as bucket → count; null when it is empty. */
export function percentiles(histogram: ReadonlyMap<number, number>, ps: readonly number[]): number[] | null {
  const buckets = [...histogram.entries()].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  const total = buckets.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return null;
  return ps.map((p) => {
    // The rank of the p-th value, 1-based (nearest-rank method).
    const rank = Math.max(1, Math.ceil(p * total));
    let seen = 0;
    for (const [bucket, n] of buckets) {
      seen += n;
      if (seen >= rank) return bucketUpperBound(bucket);
    }
    return bucketUpperBound(buckets[buckets.length - 1]![0]);
  });
}
