/**
 * Time zones on top of the built-in Intl API, with DST handled the way people expect.
 *
 * Intl can only go one way (instant → wall clock) and each `formatToParts` call costs a few
 * microseconds, so the offset of a zone is cached per UTC day: the offsets at both ends of the
 * day and, when they differ, the exact second the offset changes (found by bisection, once).
 * That rests on one assumption, true of every zone in the tz database since 1970: a zone's
 * offset does not change twice within a day and a half.
 */

/** The wall-clock reading of an instant in a zone. `weekday` is 0 = Sunday … 6 = Saturday. */
export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

/** A wall-clock time to be placed in a zone. `second` defaults to 0. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second?: number;
}

const DAY_MS = 86_400_000;
/** ECMAScript's time range: ±10^8 days around the epoch. */
const MAX_INSTANT = 8.64e15;
const MAX_ZONES = 1024;
const MAX_DAYS_PER_ZONE = 8192;

/** One UTC day of a zone: the offset before `at` and from `at` on (`at` is +Infinity when none). */
interface DaySpan {
  readonly at: number;
  readonly before: number;
  readonly after: number;
}

interface ZoneState {
  readonly format: Intl.DateTimeFormat;
  readonly days: Map<number, DaySpan>;
  lastDay: number;
  lastSpan: DaySpan | undefined;
}

// Keyed by the name as given; bounded because Intl accepts any capitalisation of a name.
const zones = new Map<string, ZoneState>();

function zoneState(name: string): ZoneState | undefined {
  const cached = zones.get(name);
  if (cached) return cached;
  if (typeof name !== 'string' || name.length === 0 || name.length > 64) return undefined;
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return undefined;
  }
  if (zones.size >= MAX_ZONES) zones.clear();
  const state: ZoneState = { format, days: new Map(), lastDay: Number.NaN, lastSpan: undefined };
  zones.set(name, state);
  return state;
}

function requireZone(name: string): ZoneState {
  const state = zoneState(name);
  if (!state) throw new RangeError(`unknown time zone: ${String(name)}`);
  return state;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm; any year). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The inverse of {@link daysFromCivil}, written into `out` so hot paths allocate nothing. */
function civilFromDays(days: number, out: LocalParts): void {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  out.year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  out.month = month;
  out.day = doy - Math.floor((153 * mp + 2) / 5) + 1;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** A wall time as milliseconds on a clock that has no zone (as if it were UTC). */
export function wallClockMs(wall: WallTime): number {
  const { year, month, day, hour, minute } = wall;
  const second = wall.second ?? 0;
  if (
    !Number.isInteger(year) || !Number.isInteger(month) || month < 1 || month > 12 ||
    !Number.isInteger(day) || day < 1 || day > daysInMonth(year, month) ||
    !Number.isInteger(hour) || hour < 0 || hour > 23 ||
    !Number.isInteger(minute) || minute < 0 || minute > 59 ||
    !Number.isInteger(second) || second < 0 || second > 59
  ) {
    throw new RangeError(`not a valid wall time: ${JSON.stringify(wall)}`);
  }
  return daysFromCivil(year, month, day) * DAY_MS + hour * 3_600_000 + minute * 60_000 + second * 1000;
}

/** The offset Intl reports at a whole-second instant, in ms (the one expensive primitive). */
function intlOffset(state: ZoneState, instant: number): number {
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const part of state.format.formatToParts(instant)) {
    switch (part.type) {
      case 'year': year = Number(part.value); break;
      case 'month': month = Number(part.value); break;
      case 'day': day = Number(part.value); break;
      case 'hour': hour = Number(part.value) % 24; break;
      case 'minute': minute = Number(part.value); break;
      case 'second': second = Number(part.value); break;
    }
  }
  const clock = hour * 3_600_000 + minute * 60_000 + second * 1000;
  let offset = daysFromCivil(year, month, day) * DAY_MS + clock - instant;
  // en-US writes years before 1 CE as era years (1 BCE is "1"), without the era.
  if (Math.abs(offset) > DAY_MS) offset = daysFromCivil(1 - year, month, day) * DAY_MS + clock - instant;
  return offset;
}

function clampInstant(ms: number): number {
  return ms > MAX_INSTANT ? MAX_INSTANT : ms < -MAX_INSTANT ? -MAX_INSTANT : ms;
}

function daySpan(state: ZoneState, day: number): DaySpan {
  if (day === state.lastDay) return state.lastSpan!;
  let span = state.days.get(day);
  if (!span) {
    const start = clampInstant(day * DAY_MS);
    const end = clampInstant(start + DAY_MS);
    const before = state.days.get(day - 1)?.after ?? intlOffset(state, start);
    const after = state.days.get(day + 1)?.before ?? intlOffset(state, end);
    let at = Number.POSITIVE_INFINITY;
    if (before !== after) {
      // Bisect on whole seconds: tz transitions fall on them and Intl resolves no finer.
      let lo = start;
      let hi = end;
      while (hi - lo > 1000) {
        const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
        if (intlOffset(state, mid) === before) lo = mid;
        else hi = mid;
      }
      at = hi;
    }
    span = { at, before, after };
    if (state.days.size >= MAX_DAYS_PER_ZONE) state.days.clear();
    state.days.set(day, span);
  }
  state.lastDay = day;
  state.lastSpan = span;
  return span;
}

function offsetAt(state: ZoneState, instant: number): number {
  const span = daySpan(state, Math.floor(instant / DAY_MS));
  return instant < span.at ? span.before : span.after;
}

function requireInstant(instant: number): void {
  if (!Number.isFinite(instant) || Math.abs(instant) > MAX_INSTANT) throw new RangeError(`not a valid instant: ${instant}`);
}

/** True when `name` is a time zone Intl knows (an IANA name such as "Europe/Paris", or "UTC"). */
export function isTimeZone(name: string): boolean {
  return zoneState(name) !== undefined;
}

/** The zone's offset from UTC at an instant, in minutes (east positive; +765 for +12:45). */
export function offsetMinutes(instantMs: number, zone: string): number {
  requireInstant(instantMs);
  return offsetAt(requireZone(zone), instantMs) / 60_000;
}

/** The instant's wall-clock reading in the zone, as milliseconds on a zoneless clock. */
export function localClockMs(instantMs: number, zone: string): number {
  requireInstant(instantMs);
  return instantMs + offsetAt(requireZone(zone), instantMs);
}

/** What a clock on the wall in `zone` shows at `instantMs`. Throws RangeError for an unknown zone. */
export function localParts(instantMs: number, zone: string): LocalParts {
  const local = localClockMs(instantMs, zone);
  const days = Math.floor(local / DAY_MS);
  const msOfDay = local - days * DAY_MS;
  const parts: LocalParts = {
    year: 0,
    month: 0,
    day: 0,
    hour: Math.floor(msOfDay / 3_600_000),
    minute: Math.floor(msOfDay / 60_000) % 60,
    second: Math.floor(msOfDay / 1000) % 60,
    weekday: (((days + 4) % 7) + 7) % 7,
  };
  civilFromDays(days, parts);
  return parts;
}

/**
 * The instants at which the zone's clocks read `localMs` (a zoneless wall-clock value):
 * `first` and `second` are equal when the reading happens once, differ (earlier first) when it
 * happens twice (autumn overlap), and are both NaN when it never happens (spring gap), in which
 * case `shifted` is the reading pushed forward by the length of the gap.
 */
export function instantsAtLocal(localMs: number, zone: string): { first: number; second: number; shifted: number } {
  const state = requireZone(zone);
  const offsetBefore = offsetAt(state, clampInstant(localMs - DAY_MS));
  const offsetAfter = offsetAt(state, clampInstant(localMs + DAY_MS));
  const withBefore = localMs - offsetBefore;
  const withAfter = localMs - offsetAfter;
  const beforeHolds = offsetAt(state, clampInstant(withBefore)) === offsetBefore;
  const afterHolds = offsetBefore === offsetAfter ? beforeHolds : offsetAt(state, clampInstant(withAfter)) === offsetAfter;
  if (beforeHolds && afterHolds) {
    return { first: Math.min(withBefore, withAfter), second: Math.max(withBefore, withAfter), shifted: Math.min(withBefore, withAfter) };
  }
  if (beforeHolds) return { first: withBefore, second: withBefore, shifted: withBefore };
  if (afterHolds) return { first: withAfter, second: withAfter, shifted: withAfter };
  // In a gap the reading is read with the offset in force before it: 02:30 EST is 03:30 EDT.
  return { first: Number.NaN, second: Number.NaN, shifted: withBefore };
}

/**
 * The instant a wall-clock time in `zone` names. A time skipped by a spring-forward gap moves
 * forward by the gap (02:30 on the US spring day → 03:30 EDT); a time that happens twice in an
 * autumn overlap gives the earlier instant. Throws RangeError for an unknown zone or a wall
 * time that is not a calendar time (Feb 30, 24:00).
 */
export function zonedToInstant(wall: WallTime, zone: string): number {
  const { first, shifted } = instantsAtLocal(wallClockMs(wall), zone);
  return Number.isNaN(first) ? shifted : first;
}
