import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGoDuration, parseHumanDuration, parseSize } from '../../src/util/durations.js';

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const goValid: Array<[string, number]> = [
  ['0', 0],
  ['-0', 0],
  ['+0', 0],
  ['10m', 10 * MIN],
  ['100ms', 100],
  ['1h30m', HOUR + 30 * MIN],
  ['1.5h', 1.5 * HOUR],
  ['2h45m30s', 2 * HOUR + 45 * MIN + 30 * SEC],
  ['-1.5h', -1.5 * HOUR],
  ['+5s', 5 * SEC],
  ['.5s', 500],
  ['1.s', SEC],
  ['1000000ns', 1],
  ['1500us', 1.5],
  ['1500µs', 1.5], // U+00B5 micro sign
  ['1500μs', 1.5], // U+03BC Greek mu
  ['1m1m', 2 * MIN],
  ['0s', 0],
];

for (const [input, expected] of goValid) {
  test(`parseGoDuration(${JSON.stringify(input)}) = ${expected}`, () => {
    assert.equal(parseGoDuration(input), expected);
  });
}

const goInvalid = [
  '', '-', '+', '.', '.s', '10', '00', '0.0', '1d', '2 days', '1H', '1 h', ' 1h', '1h ', '1h30',
  'h', 'abc', '1hm', '1x', 'all', '1e3s', '--1s', '1h-30m',
];

for (const input of goInvalid) {
  test(`parseGoDuration(${JSON.stringify(input)}) is invalid`, () => {
    assert.equal(parseGoDuration(input), undefined);
  });
}

const humanValid: Array<[string, number]> = [
  // Everything Go accepts
  ...goValid,
  // Days, weeks and spelled units, case-insensitive, with spaces
  ['2d', 2 * DAY],
  ['3 days', 3 * DAY],
  ['1 day', DAY],
  ['30 min', 30 * MIN],
  ['30 mins', 30 * MIN],
  ['30min', 30 * MIN],
  ['1 hour', HOUR],
  ['2 Hours', 2 * HOUR],
  ['10 seconds', 10 * SEC],
  ['10 SEC', 10 * SEC],
  ['1 day 2 hours', DAY + 2 * HOUR],
  ['1 day, 2 hours', DAY + 2 * HOUR],
  ['1d12h', 1.5 * DAY],
  ['1w', 7 * DAY],
  ['2 weeks', 14 * DAY],
  ['1.5 days', 1.5 * DAY],
  ['  45s  ', 45 * SEC],
  ['1H', HOUR],
  ['250 milliseconds', 250],
];

for (const [input, expected] of humanValid) {
  test(`parseHumanDuration(${JSON.stringify(input)}) = ${expected}`, () => {
    assert.equal(parseHumanDuration(input), expected);
  });
}

const humanInvalid = [
  '', '   ', '10', '1h30', 'day', 'tomorrow', '10am', '1 fortnight', '1 month', '3 days later',
  '1y', 'h1', '1..5h', '1constructor', '1__proto__', '1toString',
];

for (const input of humanInvalid) {
  test(`parseHumanDuration(${JSON.stringify(input)}) is invalid`, () => {
    assert.equal(parseHumanDuration(input), undefined);
  });
}

const sizeValid: Array<[string | number, number]> = [
  [0, 0],
  [4096, 4096],
  [1.9, 1],
  ['4096', 4096],
  ['100k', 100 * 1024],
  ['100K', 100 * 1024],
  ['15M', 15 * 1024 * 1024],
  ['15m', 15 * 1024 * 1024],
  ['500MB', 500 * 1024 * 1024],
  ['500mb', 500 * 1024 * 1024],
  ['5G', 5 * 1024 ** 3],
  ['2t', 2 * 1024 ** 4],
  ['1.5k', 1536],
  ['100B', 100],
  [' 20 M ', 20 * 1024 * 1024],
];

for (const [input, expected] of sizeValid) {
  test(`parseSize(${JSON.stringify(input)}) = ${expected}`, () => {
    assert.equal(parseSize(input), expected);
  });
}

const sizeInvalid: Array<string | number> = ['', 'M', '-5', '5X', '5 KiB', '1e3', 'lots', -1, Number.NaN, Number.POSITIVE_INFINITY];

for (const input of sizeInvalid) {
  test(`parseSize(${JSON.stringify(input)}) is invalid`, () => {
    assert.equal(parseSize(input), undefined);
  });
}
