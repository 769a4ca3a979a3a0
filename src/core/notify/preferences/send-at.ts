import { HeraldError } from '../../../errors/index.js';
import { daysFromCivil, daysInMonth, instantsAtLocal, isTimeZone } from './zoned-time.js';

// Date, "T" (or a space, as RFC 3339 allows), hours and minutes, optional seconds with an
// optional fraction, then optionally "Z" or an offset as ±HH, ±HHMM or ±HH:MM.
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

const DAY_MS = 86_400_000;

function invalid(problem: string): never {
  throw new HeraldError('badRequest', {
    detail: `send_at ${problem}; use ISO 8601 such as "2026-12-01T09:00" (subscriber's local time) or "2026-12-01T09:00:00Z"`,
  });
}

/** True when the date-time carries "Z" or an offset, i.e. names one instant for everyone. */
export function hasUtcOffset(value: string): boolean {
  const m = ISO_DATE_TIME.exec(value);
  return m !== null && (m[8] !== undefined || m[9] !== undefined);
}

/**
 * The instant a `send_at` names. With "Z" or an offset it is that instant; without one it is a
 * wall-clock time in the subscriber's zone (UTC when they have none or an unknown one), so
 * "2026-12-01T09:00" is 9 AM for everyone in their own zone. A time skipped by a DST gap moves
 * forward by the gap, one that happens twice takes the earlier instant. A time already past is
 * returned as it is: whether that means "now" or an error is the caller's policy, which is why
 * `nowMs` is taken but not applied here. Throws HeraldError badRequest on anything else.
 */
export function resolveSendAt(value: string, zone: string | undefined, nowMs: number): number {
  void nowMs;
  if (typeof value !== 'string') invalid('must be a string');
  if (value.length > 40) invalid('is too long');
  const m = ISO_DATE_TIME.exec(value);
  if (!m) invalid(`"${value}" is not an ISO 8601 date and time`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millis = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
  if (month < 1 || month > 12) invalid(`has no month ${m[2]}`);
  if (day < 1 || day > daysInMonth(year, month)) invalid(`has no day ${m[3]} in ${m[1]}-${m[2]}`);
  if (hour > 23 || minute > 59 || second > 59) invalid(`has no time ${m[4]}:${m[5]}${m[6] === undefined ? '' : `:${m[6]}`}`);

  const local = daysFromCivil(year, month, day) * DAY_MS + hour * 3_600_000 + minute * 60_000 + second * 1000;
  if (m[8] !== undefined) return local + millis;
  if (m[9] !== undefined) {
    const offsetHours = Number(m[10]);
    const offsetMinutes = m[11] === undefined ? 0 : Number(m[11]);
    if (offsetHours > 23 || offsetMinutes > 59) invalid(`has no offset ${m[9]}${m[10]}:${m[11] ?? '00'}`);
    const sign = m[9] === '-' ? -1 : 1;
    return local - sign * (offsetHours * 3_600_000 + offsetMinutes * 60_000) + millis;
  }
  const tz = zone !== undefined && isTimeZone(zone) ? zone : 'UTC';
  const { first, shifted } = instantsAtLocal(local, tz);
  return (Number.isNaN(first) ? shifted : first) + millis;
}
