import { instantsAtLocal, localClockMs, offsetMinutes } from '../notify/preferences/zoned-time.js';

/**
 * When a push may go to a device whose owner should only get it inside a daily local-time window
 * ("between 09:00 and 21:00 where the phone is").
 *
 * The window is the set of instants at which the device's wall clock shows a time of day inside
 * [after, before). Reading it off the clock, rather than turning `after` into an instant with a
 * fixed rule, keeps one answer across DST: on a spring-forward day a window from 02:30 opens
 * when the clock jumps to 03:00 (the first instant its reading is past 02:30), and closes at
 * `before` as usual; a window lying wholly inside the skipped hour does not happen that day; in
 * an autumn overlap a time of day happens twice, and so may the window. "09:00" is always nine on
 * the wall, whatever the offset was the day before.
 */

const DAY_MS = 86_400_000;
/** Offsets never change twice within this (zoned-time.ts rests on the same fact), so sampling at it finds every change. */
const SAMPLE_MS = 6 * 3_600_000;

/**
 * Milliseconds after midnight of a strict "HH:MM" or "HH:MM:SS" (00:00 … 23:59:59), or -1 when
 * the value is not one.
 */
export function parseTimeOfDay(value: string): number {
  if (typeof value !== 'string') return -1;
  const m = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/.exec(value);
  if (!m) return -1;
  return Number(m[1]) * 3_600_000 + Number(m[2]) * 60_000 + (m[3] === undefined ? 0 : Number(m[3]) * 1000);
}

/** Why `after`..`before` is no window, or undefined when it is one. */
export function windowProblem(after: string, before: string): { field: 'after' | 'before'; problem: string } | undefined {
  if (parseTimeOfDay(after) < 0) return { field: 'after', problem: 'a time of day, HH:MM or HH:MM:SS (00:00 to 23:59:59)' };
  const end = parseTimeOfDay(before);
  if (end < 0) return { field: 'before', problem: 'a time of day, HH:MM or HH:MM:SS (00:00 to 23:59:59)' };
  if (end === parseTimeOfDay(after)) return { field: 'before', problem: 'must differ from the start: the window would be empty' };
  return undefined;
}

/** The time of day (ms after local midnight) a wall clock in `zone` shows at `instant`. */
function timeOfDay(instant: number, zone: string): number {
  const local = localClockMs(instant, zone);
  return local - Math.floor(local / DAY_MS) * DAY_MS;
}

function within(time: number, after: number, before: number): boolean {
  return after < before ? time >= after && time < before : time >= after || time < before;
}

/** The instants in (from, to] at which the zone's offset changes. */
function offsetChanges(from: number, to: number, zone: string): number[] {
  const out: number[] = [];
  let lo = Math.floor(from / 1000) * 1000;
  let offset = offsetMinutes(lo, zone);
  while (lo < to) {
    const hi = lo + SAMPLE_MS;
    const next = offsetMinutes(hi, zone);
    if (next !== offset) {
      // Bisect on whole seconds: tz transitions fall on them.
      let a = lo;
      let b = hi;
      while (b - a > 1000) {
        const mid = a + Math.floor((b - a) / 2000) * 1000;
        if (offsetMinutes(mid, zone) === offset) a = mid;
        else b = mid;
      }
      if (b > from && b <= to) out.push(b);
      offset = next;
    }
    lo = hi;
  }
  return out;
}

/**
 * The first instant at or after `now` inside the window `after`..`before` ("HH:MM[:SS]"; a window
 * with `after` later than `before` crosses midnight) on the clocks of `zone`: `now` itself when it
 * is inside, else when the window next opens (later today, or on a following day). Throws
 * RangeError for an unknown zone or a window {@link windowProblem} refuses.
 */
export function windowOpensAt(window: { after: string; before: string }, now: number, zone: string): number {
  const problem = windowProblem(window.after, window.before);
  if (problem) throw new RangeError(`not a send window: ${window.after}-${window.before}`);
  const after = parseTimeOfDay(window.after);
  const before = parseTimeOfDay(window.before);
  const inside = (t: number) => within(timeOfDay(t, zone), after, before);
  if (inside(now)) return now;

  // The clock enters the window by reaching `after`, or by a jump: at the end of a spring gap that
  // swallowed `after`, or when an autumn change sets it back into the window. Both are candidates;
  // the earliest one to come is the answer.
  let best = Number.POSITIVE_INFINITY;
  const today = Math.floor(localClockMs(now, zone) / DAY_MS);
  for (let day = today - 1; day <= today + 2; day++) {
    const { first, second } = instantsAtLocal(day * DAY_MS + after, zone);
    // NaN (a reading the gap skipped) fails both comparisons.
    if (first > now && first < best) best = first;
    if (second > now && second < best) best = second;
  }
  for (const t of offsetChanges(now, now + 3 * DAY_MS, zone)) {
    if (t < best && inside(t)) best = t;
  }
  return best;
}
