import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHttpDate, parseRetryAfter, RETRY_AFTER_CAP_MS } from '../../src/adapters/providers/retry-after.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0); // Thu, 15 Jan 2026 12:00:00 GMT
const DAY = 24 * 60 * 60 * 1000;

const cases: Array<[string | undefined, number | undefined]> = [
  [undefined, undefined],
  ['', undefined],
  ['   ', undefined],
  ['0', 0],
  ['1', 1_000],
  [' 120 ', 120_000],
  ['1.5', 1_500],
  ['-5', 0],
  ['86400', DAY],
  ['86401', DAY],
  ['99999999999999999999', DAY],
  ['Thu, 15 Jan 2026 12:00:30 GMT', 30_000],
  ['thu, 15 jan 2026 12:00:30 gmt', 30_000],
  ['Thu, 15 Jan 2026 11:59:00 GMT', 0],
  ['Sat, 17 Jan 2026 12:00:00 GMT', DAY],
  ['Thursday, 15-Jan-26 12:01:00 GMT', 60_000],
  ['Thu Jan 15 12:00:10 2026', 10_000],
  ['Thu Jan  1 00:00:00 2026', 0],
  ['soon', undefined],
  ['10s', undefined],
  ['1e3', undefined],
  ['0x10', undefined],
  ['Infinity', undefined],
  ['2026-01-15T12:00:30Z', undefined],
  ['2026', 2_026_000], // digits alone are delta-seconds, never a year
  ['2026-01-15', undefined],
  ['Thu, 15 Jan 2026 12:00:30', undefined],
  ['Thu, 15 Jan 2026 12:00:30 PST', undefined],
  ['Thu, 31 Feb 2026 12:00:30 GMT', undefined],
  ['Thu, 15 Foo 2026 12:00:30 GMT', undefined],
  ['Thu, 15 Jan 2026 25:00:30 GMT', undefined],
];

for (const [value, expected] of cases) {
  test(`parseRetryAfter(${JSON.stringify(value)}) → ${expected}`, () => {
    assert.equal(parseRetryAfter(value, NOW), expected);
  });
}

test('the cap is one day', () => {
  assert.equal(RETRY_AFTER_CAP_MS, DAY);
});

test('parseHttpDate reads all three RFC 9110 forms as UTC', () => {
  const t = Date.UTC(1994, 10, 6, 8, 49, 37);
  assert.equal(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT'), t);
  assert.equal(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT'), t);
  assert.equal(parseHttpDate('Sun Nov  6 08:49:37 1994'), t);
});

test('an HTTP-date is measured from the given now, not the wall clock', () => {
  const at = 'Thu, 15 Jan 2026 12:00:30 GMT';
  assert.equal(parseRetryAfter(at, NOW - 60_000), 90_000);
  assert.equal(parseRetryAfter(at, NOW + 60_000), 0);
});
