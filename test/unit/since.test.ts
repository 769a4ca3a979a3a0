import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSince, type Since } from '../../src/core/subscriptions/since.js';
import { HeraldError } from '../../src/errors/herald-error.js';

const NOW_MS = 1_700_000_000_500; // deliberately not on a whole second
const NOW_S = 1_700_000_000;

const cases: Array<[string | undefined, boolean, Since]> = [
  [undefined, false, { kind: 'none' }],
  [undefined, true, { kind: 'all' }],
  ['', false, { kind: 'none' }],
  ['', true, { kind: 'all' }],
  ['all', false, { kind: 'all' }],
  ['none', true, { kind: 'none' }],
  ['latest', false, { kind: 'latest' }],
  ['AbCdEf123456', false, { kind: 'id', id: 'AbCdEf123456' }],
  ['abcdefghijkl', false, { kind: 'id', id: 'abcdefghijkl' }],
  ['  AbCdEf123456 ', false, { kind: 'id', id: 'AbCdEf123456' }],
  ['1700000000', false, { kind: 'time', time: 1_700_000_000 }],
  ['0', false, { kind: 'time', time: 0 }],
  ['123456789012', false, { kind: 'time', time: 123_456_789_012 }], // 12 digits: a time, not an ID
  ['10m', false, { kind: 'time', time: NOW_S - 600 }],
  ['1h30m', false, { kind: 'time', time: NOW_S - 5400 }],
  ['100ms', false, { kind: 'time', time: NOW_S }], // 1_700_000_000.4 floors to NOW_S
  ['600ms', false, { kind: 'time', time: NOW_S - 1 }], // 1_699_999_999.9 floors down
  ['1.5h', false, { kind: 'time', time: NOW_S - 5400 }],
  ['-10s', false, { kind: 'time', time: NOW_S + 10 }],
];

for (const [value, poll, expected] of cases) {
  test(`parseSince(${JSON.stringify(value)}, poll=${poll})`, () => {
    assert.deepEqual(parseSince(value, NOW_MS, poll), expected);
  });
}

// "2d" is valid for Delay but not here: since takes Go durations only.
for (const value of ['2d', '3 days', 'yesterday', 'ALL', 'Latest', 'abc', 'AbCdEf12345', 'AbCdEf1234567', 'abc-def-1234', '99999999999999999999']) {
  test(`parseSince(${JSON.stringify(value)}) throws sinceInvalid`, () => {
    assert.throws(
      () => parseSince(value, NOW_MS, false),
      (err: unknown) => {
        assert.ok(err instanceof HeraldError);
        assert.equal(err.errorName, 'sinceInvalid');
        assert.equal(err.code, 40008);
        return true;
      },
    );
  });
}
