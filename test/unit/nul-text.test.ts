import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nulPointer } from '../../src/util/nul-text.js';

test('points at the first string or key holding U+0000', () => {
  for (const [value, pointer] of [
    ['plain', undefined],
    [{ a: ['x', { b: 'y' }], n: 1, t: true, z: null }, undefined],
    ['a\u0000b', ''],
    [{ token: 'x\u0000' }, '/token'],
    [{ topics: ['ok', 'no\u0000'] }, '/topics/1'],
    [{ meta: { 'k\u0000': 1 } }, '/meta/k\\u0000'],
    [{ 'a/b': { '~c': 'x\u0000' } }, '/a~1b/~0c'],
    [{ first: 'x\u0000', second: 'y\u0000' }, '/first'],
    [{ 'ünï 🚨': 'ok', deep: [[[['\u0000']]]] }, '/deep/0/0/0/0'],
  ] as const) {
    assert.equal(nulPointer(value), pointer, JSON.stringify(value));
  }
});

test('walks a hostile nesting without exhausting the stack', () => {
  let v: unknown = '\u0000';
  for (let i = 0; i < 100_000; i++) v = [v];
  assert.equal(nulPointer(v)?.length, 200_000);
});
