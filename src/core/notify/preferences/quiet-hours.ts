import { instantsAtLocal, localClockMs } from './zoned-time.js';

/** A daily quiet window in the subscriber's local time, "HH:MM" to "HH:MM"; it may cross midnight. */
export interface QuietHours {
  start: string;
  end: string;
}

const DAY_MS = 86_400_000;

/**
 * Minutes after midnight of a strict "HH:MM" (00:00 … 23:59), or -1 when it is not one.
 * Hand-rolled because it runs on every decision.
 */
export function parseClockTime(value: string): number {
  if (typeof value !== 'string' || value.length !== 5 || value.charCodeAt(2) !== 58 /* : */) return -1;
  const h1 = value.charCodeAt(0) - 48;
  const h2 = value.charCodeAt(1) - 48;
  const m1 = value.charCodeAt(3) - 48;
  const m2 = value.charCodeAt(4) - 48;
  if (h1 < 0 || h1 > 2 || h2 < 0 || h2 > 9 || m1 < 0 || m1 > 5 || m2 < 0 || m2 > 9) return -1;
  const hours = h1 * 10 + h2;
  return hours > 23 ? -1 : hours * 60 + m1 * 10 + m2;
}

/**
 * When `instantMs` falls inside the quiet window as read on the zone's clocks, the instant the
 * window ends; otherwise undefined. The window covers [start, end) in local time; one with
 * start == end is empty. The end is the local `end` on the right local day, placed with the
 * zone's DST rules (an end inside a spring gap moves forward by the gap). Throws RangeError for
 * an invalid "HH:MM" or zone.
 */
export function quietWindowEnd(quiet: QuietHours, instantMs: number, zone: string): number | undefined {
  const start = parseClockTime(quiet.start);
  const end = parseClockTime(quiet.end);
  if (start < 0 || end < 0) throw new RangeError(`quiet hours must be HH:MM: ${quiet.start}-${quiet.end}`);
  if (start === end) return undefined;

  const local = localClockMs(instantMs, zone);
  const midnight = Math.floor(local / DAY_MS) * DAY_MS;
  const sinceMidnight = local - midnight;
  const startMs = start * 60_000;
  const endMs = end * 60_000;
  let localEnd: number;
  if (start < end) {
    if (sinceMidnight < startMs || sinceMidnight >= endMs) return undefined;
    localEnd = midnight + endMs;
  } else if (sinceMidnight >= startMs) {
    localEnd = midnight + DAY_MS + endMs; // the evening part: the window ends tomorrow
  } else if (sinceMidnight < endMs) {
    localEnd = midnight + endMs; // the morning part: it ends today
  } else {
    return undefined;
  }

  const { first, second, shifted } = instantsAtLocal(localEnd, zone);
  if (Number.isNaN(first)) return shifted > instantMs ? shifted : undefined;
  // An end that happens twice (autumn overlap) ends the window at its first occurrence, unless
  // that has already passed: then we are in the repeated hour and it ends at the second one.
  if (first > instantMs) return first;
  return second > instantMs ? second : undefined;
}
