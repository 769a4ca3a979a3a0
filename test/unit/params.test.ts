import { test } from 'node:test';
import assert from 'node:assert/strict';
import { param, params, PUBLISH_ALIASES } from '../../src/http/topics/params.js';

const req = (headers: Record<string, string>, query: Record<string, string> = {}) => ({ headers, query });

test('params resolves a whole table like one param() call per key', () => {
  const cases = [
    req({ 'x-title': 'h' }, { t: 'q' }),
    req({}, { t: 'q', title: 'q2' }),
    req({ title: 'second', 'x-title': 'first' }),
    req({ priority: 'u=1, i' }, { p: '4' }),
    req({ tags: 'a,b', 'x-delay': '10m' }, { in: '1h', 'X-Title': 'upper' }),
    req({ 'x-message': '=?UTF-8?B?aMOp?=' }),
    req({ 'x-title': '' }, { t: 'fallback' }),
  ];
  for (const c of cases) {
    const expected: Record<string, string> = {};
    for (const [key, aliases] of Object.entries(PUBLISH_ALIASES)) {
      const v = param(c, ...aliases);
      if (v !== undefined) expected[key] = v;
    }
    assert.deepEqual({ ...params(c, PUBLISH_ALIASES) }, expected, JSON.stringify(c));
  }
});

test('headers beat the query, query names must be lowercase, RFC 9218 priority is skipped', () => {
  assert.equal(params(req({ 'x-title': 'h' }, { t: 'q' }), PUBLISH_ALIASES).title, 'h');
  assert.equal(params(req({}, { 'X-Title': 'q' }), PUBLISH_ALIASES).title, undefined);
  assert.equal(params(req({ priority: 'u=3' }, { prio: 'high' }), PUBLISH_ALIASES).priority, 'high');
  assert.equal(params(req({ 'x-message': '=?UTF-8?B?aMOp?=' }), PUBLISH_ALIASES).message, 'hé');
});
