import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonLimitViolation } from '../../src/util/json-limits.js';

const nest = (depth: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
};

test('depth and array length limits', () => {
  assert.equal(jsonLimitViolation({ a: [1, { b: 'c' }] }), undefined);
  assert.equal(jsonLimitViolation(nest(32)), undefined);
  assert.match(jsonLimitViolation(nest(33)) ?? '', /deeper than 32/);
  assert.match(jsonLimitViolation(nest(100_000)) ?? '', /deeper/, 'no stack overflow on hostile nesting');
  assert.equal(jsonLimitViolation(new Array(1000).fill(0)), undefined);
  assert.match(jsonLimitViolation({ list: new Array(1001).fill(0) }) ?? '', /more than 1000 items/);
  assert.equal(jsonLimitViolation('text'), undefined);
  assert.equal(jsonLimitViolation(null), undefined);
});
