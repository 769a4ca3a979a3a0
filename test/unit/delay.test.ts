import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDelay } from '../../src/core/publish/delay.js';
import { HeraldError } from '../../src/errors/herald-error.js';
import type { ErrorName } from '../../src/errors/codes.js';

// ntfy's defaults: at least 10 seconds, at most 3 days ahead.
const BOUNDS = { minMs: 10_000, maxMs: 3 * 24 * 3600_000 };

// Natural-language times are read in the process's local zone, so build "now" and the expected
// results from local wall-clock fields: the tests then hold whatever TZ they run under.
const now = new Date(2025, 0, 15, 12, 0, 0, 250); // Wed 15 Jan 2025, 12:00:00.250 local
const NOW_MS = now.getTime();
const NOW_S = Math.floor(NOW_MS / 1000);
const localSeconds = (...fields: [number, number, number, number, number?]): number =>
  Math.floor(new Date(fields[0], fields[1], fields[2], fields[3], fields[4] ?? 0).getTime() / 1000);

const valid: Array<[string, number]> = [
  // Unix timestamps
  [String(NOW_S + 3600), NOW_S + 3600],
  [` ${NOW_S + 60} `, NOW_S + 60],
  // Durations, Go style and human style
  ['30m', NOW_S + 1800],
  ['1h30m', NOW_S + 5400],
  ['10s', NOW_S + 10], // exactly the minimum is allowed
  ['2d', NOW_S + 2 * 86400],
  ['3 days', NOW_S + 3 * 86400], // exactly the maximum is allowed
  ['30 min', NOW_S + 1800],
  ['1 day 2 hours', NOW_S + 26 * 3600],
  // Natural language
  ['in 2 hours', NOW_S + 7200],
  ['tomorrow, 10am', localSeconds(2025, 0, 16, 10)],
  ['tomorrow 10:30', localSeconds(2025, 0, 16, 10, 30)],
  ['10am', localSeconds(2025, 0, 16, 10)], // already past today, so the next one
  ['3pm', localSeconds(2025, 0, 15, 15)],
  ['17:45', localSeconds(2025, 0, 15, 17, 45)],
];

for (const [input, expected] of valid) {
  test(`parseDelay(${JSON.stringify(input)})`, () => {
    assert.equal(parseDelay(input, NOW_MS, BOUNDS), expected);
  });
}

const invalid: Array<[string, ErrorName, number]> = [
  ['', 'delayCannotParse', 40004],
  ['   ', 'delayCannotParse', 40004],
  ['banana', 'delayCannotParse', 40004],
  ['soon-ish', 'delayCannotParse', 40004],
  ['9s', 'delayTooSmall', 40005],
  ['0', 'delayTooSmall', 40005], // Unix time 0
  [String(NOW_S), 'delayTooSmall', 40005],
  [String(NOW_S - 3600), 'delayTooSmall', 40005],
  ['-5m', 'delayTooSmall', 40005],
  ['3 days 1s', 'delayTooLarge', 40006],
  ['4d', 'delayTooLarge', 40006],
  ['1w', 'delayTooLarge', 40006],
  [String(NOW_S + 4 * 86400), 'delayTooLarge', 40006],
  ['next month', 'delayTooLarge', 40006],
  ['99999999999999999999', 'delayCannotParse', 40004],
];

for (const [input, name, code] of invalid) {
  test(`parseDelay(${JSON.stringify(input)}) throws ${name}`, () => {
    assert.throws(
      () => parseDelay(input, NOW_MS, BOUNDS),
      (err: unknown) => {
        assert.ok(err instanceof HeraldError);
        assert.equal(err.errorName, name);
        assert.equal(err.code, code);
        return true;
      },
    );
  });
}

test('parseDelay honours the configured bounds', () => {
  const tight = { minMs: 60_000, maxMs: 120_000 };
  assert.equal(parseDelay('90s', NOW_MS, tight), NOW_S + 90);
  assert.throws(() => parseDelay('30s', NOW_MS, tight), { errorName: 'delayTooSmall' });
  assert.throws(() => parseDelay('3m', NOW_MS, tight), { errorName: 'delayTooLarge' });
});
