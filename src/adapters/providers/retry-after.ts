/**
 * Retry-After (RFC 9110 §10.2.3) as a wait in milliseconds from `nowMs`.
 *
 * A provider can ask us to wait, but a broken or hostile value must not park a delivery
 * forever, so the wait is capped at one day; anything we cannot read is ignored
 * (undefined) and the caller falls back to its own backoff.
 */

export const RETRY_AFTER_CAP_MS = 24 * 60 * 60 * 1000;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

// The three date forms RFC 9110 tells recipients to accept. Date.parse is not used: it
// takes almost anything ("2026", "tomorrow" in some engines) and reads asctime as local time.
const IMF_FIXDATE = /^[a-z]{3}, (\d{2}) ([a-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) gmt$/i;
const RFC850_DATE = /^[a-z]{6,9}, (\d{2})-([a-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) gmt$/i;
const ASCTIME_DATE = /^[a-z]{3} ([a-z]{3}) ( \d|\d{2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/i;

export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;

  // Strictly delta-seconds is a non-negative integer; fractions and a minus sign are
  // tolerated because some servers send them and the intent is still unambiguous.
  if (/^-?\d+(\.\d+)?$/.test(text)) {
    return clamp(Math.ceil(Number(text) * 1000));
  }

  const at = parseHttpDate(text);
  return at === undefined ? undefined : clamp(at - nowMs);
}

function clamp(ms: number): number {
  if (!(ms > 0)) return 0;
  return Math.min(ms, RETRY_AFTER_CAP_MS);
}

/** Unix ms of an HTTP-date, or undefined when it is not one (including impossible dates). */
export function parseHttpDate(text: string): number | undefined {
  let m = IMF_FIXDATE.exec(text);
  if (m) return utc(+m[3], m[2], +m[1], +m[4], +m[5], +m[6]);

  m = RFC850_DATE.exec(text);
  if (m) {
    // Two-digit years: RFC 9110 says a year that looks more than 50 years ahead is in the past.
    const nowYear = new Date().getUTCFullYear();
    let year = 2000 + Number(m[3]);
    if (year > nowYear + 50) year -= 100;
    return utc(year, m[2], +m[1], +m[4], +m[5], +m[6]);
  }

  m = ASCTIME_DATE.exec(text);
  if (m) return utc(+m[6], m[1], Number(m[2].trim()), +m[3], +m[4], +m[5]);

  return undefined;
}

function utc(year: number, monthName: string, day: number, h: number, min: number, s: number): number | undefined {
  const month = MONTHS.indexOf(monthName.toLowerCase());
  if (month < 0 || h > 23 || min > 59 || s > 60) return undefined;
  const ms = Date.UTC(year, month, day, h, min, Math.min(s, 59));
  // Date.UTC rolls "31 Feb" into March; a date that does not round-trip is garbage.
  if (new Date(ms).getUTCDate() !== day) return undefined;
  return ms;
}
