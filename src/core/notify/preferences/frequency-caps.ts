/** At most `max` sends in any `perMs` window; of one category, or of all when `category` is absent. */
export interface FrequencyCap {
  category?: string;
  max: number;
  perMs: number;
}

/** A send already made to the subscriber, as frequency caps count it. */
export interface SentRecord {
  at: number;
  category: string;
}

/**
 * The first cap that one more send in `category` at `nowMs` would break, or undefined.
 * Windows slide: a cap counts the sends with `at > nowMs - perMs`, so a send exactly `perMs`
 * ago has just left the window. Two plain loops and no allocation, since this runs per delivery.
 */
export function capExceeded(
  caps: readonly FrequencyCap[],
  category: string,
  sentTimes: readonly SentRecord[],
  nowMs: number,
): FrequencyCap | undefined {
  for (let c = 0; c < caps.length; c++) {
    const cap = caps[c]!;
    const only = cap.category;
    if (only !== undefined && only !== category) continue;
    const since = nowMs - cap.perMs;
    let count = 0;
    for (let i = 0; i < sentTimes.length; i++) {
      const sent = sentTimes[i]!;
      if (sent.at > since && (only === undefined || sent.category === only) && ++count >= cap.max) return cap;
    }
    if (cap.max <= 0) return cap;
  }
  return undefined;
}
