import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBoolean } from '../../src/util/booleans.js';

const cases: Array<[string | undefined, boolean, boolean]> = [
  ['1', false, true],
  ['yes', false, true],
  ['true', false, true],
  ['YES', false, true],
  [' True ', false, true],
  ['0', true, false],
  ['no', true, false],
  ['false', true, false],
  ['off', true, false],
  ['on', true, false], // only 1/yes/true count, as in ntfy
  ['2', true, false],
  ['', true, true],
  ['', false, false],
  ['   ', true, true],
  [undefined, true, true],
  [undefined, false, false],
];

for (const [value, fallback, expected] of cases) {
  test(`parseBoolean(${JSON.stringify(value)}, ${fallback}) = ${expected}`, () => {
    assert.equal(parseBoolean(value, fallback), expected);
  });
}
