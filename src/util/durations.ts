/**
 * Duration and size parsing. Results are milliseconds (durations) and bytes (sizes);
 * `undefined` means "not valid", so callers choose the error to raise.
 */

const MS_PER: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

// Go accepts both the micro sign (U+00B5) and the Greek small mu (U+03BC) for microseconds.
const GO_UNIT_NAMES = { ns: 'ns', us: 'us', 'µs': 'us', 'μs': 'us', ms: 'ms', s: 's', m: 'm', h: 'h' };
// Maps rather than object lookups, so input such as "1constructor" cannot reach Object.prototype.
const GO_UNITS = new Map(Object.entries(GO_UNIT_NAMES));
const HUMAN_UNITS = new Map(Object.entries({
  ...GO_UNIT_NAMES,
  nsec: 'ns', nsecs: 'ns', nanosecond: 'ns', nanoseconds: 'ns',
  usec: 'us', usecs: 'us', microsecond: 'us', microseconds: 'us',
  msec: 'ms', msecs: 'ms', millisecond: 'ms', milliseconds: 'ms',
  sec: 's', secs: 's', second: 's', seconds: 's',
  min: 'm', mins: 'm', minute: 'm', minutes: 'm',
  hr: 'h', hrs: 'h', hour: 'h', hours: 'h',
  d: 'd', day: 'd', days: 'd',
  w: 'w', wk: 'w', wks: 'w', week: 'w', weeks: 'w',
}));

// A number is digits with an optional fraction; Go also allows "1." and ".5" but not ".".
const NUMBER = String.raw`(\d+(?:\.\d*)?|\.\d+)`;
const GO_COMPONENT = new RegExp(`${NUMBER}([^\\d.]+)`, 'y');
const HUMAN_COMPONENT = new RegExp(`\\s*${NUMBER}\\s*([a-zµμ]+)\\s*,?`, 'iy');

function parseComponents(body: string, component: RegExp, units: Map<string, string>, fold: boolean): number | undefined {
  let total = 0;
  let pos = 0;
  while (pos < body.length) {
    component.lastIndex = pos;
    const m = component.exec(body);
    if (!m) return undefined;
    const unit = units.get(fold ? m[2].toLowerCase() : m[2]);
    if (unit === undefined) return undefined;
    total += Number(m[1]) * MS_PER[unit];
    pos = component.lastIndex;
  }
  return pos === 0 ? undefined : total;
}

function splitSign(s: string): { sign: number; body: string } {
  if (s.startsWith('-')) return { sign: -1, body: s.slice(1) };
  if (s.startsWith('+')) return { sign: 1, body: s.slice(1) };
  return { sign: 1, body: s };
}

/**
 * Go's `time.ParseDuration`: e.g. "300ms", "-1.5h", "2h45m". Every number needs a unit except a
 * lone "0"; there is no day unit and no whitespace. Sub-millisecond units give fractional results.
 */
export function parseGoDuration(s: string): number | undefined {
  const { sign, body } = splitSign(s);
  if (body === '0') return 0;
  const ms = parseComponents(body, GO_COMPONENT, GO_UNITS, false);
  return ms === undefined || !Number.isFinite(ms) ? undefined : sign * ms || 0;
}

/**
 * A superset of {@link parseGoDuration} for people: case-insensitive, spaces allowed, days and
 * weeks, spelled-out units ("3 days", "30 mins", "1 day 2 hours", "1h30m").
 */
export function parseHumanDuration(s: string): number | undefined {
  const { sign, body } = splitSign(s.trim());
  if (body.trim() === '0') return 0;
  const ms = parseComponents(body.trimEnd(), HUMAN_COMPONENT, HUMAN_UNITS, true);
  return ms === undefined || !Number.isFinite(ms) ? undefined : sign * ms || 0;
}

const SIZE_MULTIPLIER: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/**
 * A byte count: a plain number, or a number with a binary k/m/g/t suffix and an optional "B"
 * ("15M", "500MB", "100k"). Fractions are allowed and rounded down to whole bytes.
 */
export function parseSize(s: string | number): number | undefined {
  if (typeof s === 'number') {
    return Number.isFinite(s) && s >= 0 ? Math.floor(s) : undefined;
  }
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)b?$/i.exec(s.trim());
  if (!m) return undefined;
  const bytes = Math.floor(Number(m[1]) * SIZE_MULTIPLIER[m[2].toLowerCase()]);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}
