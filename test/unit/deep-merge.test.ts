import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deepMerge } from '../../src/util/deep-merge.js';

test('objects merge key by key, other values replace, null removes', () => {
  const base = { aps: { alert: { title: 'T', body: 'B' }, sound: 'default' }, list: [1, 2], keep: 1 };
  const merged = deepMerge(base, { aps: { alert: { body: 'B2' }, sound: null, 'thread-id': 'x' }, list: [3] });
  assert.deepEqual(merged, { aps: { alert: { title: 'T', body: 'B2' }, 'thread-id': 'x' }, list: [3], keep: 1 });
  assert.deepEqual(base.aps.alert, { title: 'T', body: 'B' }, 'the base is not changed');
});

test('__proto__ keys from untrusted JSON are ignored', () => {
  const merged = deepMerge({}, JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>);
  assert.deepEqual(merged, { a: 1 });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
