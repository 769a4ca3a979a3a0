import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { parseScopes, scopeAllows, isApiScope, API_SCOPES } from '../../src/core/keys/scopes.js';
import { secretHash, secretsEqual } from '../../src/util/constant-time.js';

test('scopes parse from a comma list, with family wildcards; unknown ones are 400', () => {
  assert.deepEqual(parseScopes('push:send, devices:write'), ['push:send', 'devices:write']);
  assert.deepEqual(parseScopes('devices:*'), ['devices:read', 'devices:write']);
  assert.deepEqual(parseScopes('admin,admin'), ['admin']);
  assert.throws(() => parseScopes('push:sned'), { code: 40000 });
  assert.throws(() => parseScopes(' , '), { code: 40000 });
  assert.throws(() => parseScopes('nothing:*'), { code: 40000 });
});

test('admin covers every scope; others only themselves', () => {
  for (const s of API_SCOPES) assert.ok(scopeAllows(['admin'], s));
  assert.ok(scopeAllows(['push:send'], 'push:send'));
  assert.ok(!scopeAllows(['push:send'], 'devices:write'));
  assert.ok(isApiScope('audit:read'));
  assert.ok(!isApiScope('topics'));
});

test('secret comparison: equal, unequal, different lengths, and hashes that never equal the secret', () => {
  assert.ok(secretsEqual('hk_abc', 'hk_abc'));
  assert.ok(!secretsEqual('hk_abc', 'hk_abd'));
  assert.ok(!secretsEqual('hk_abc', 'hk_abcd'));
  assert.ok(!secretsEqual('', 'x'));
  assert.equal(secretHash('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', 'sha256 test vector (FIPS 180-2 "abc")');
});

// Timing the comparison would measure the machine as much as the code. What makes it constant-time
// is checked instead: whatever the inputs, both are hashed to 32 bytes and compared in full by
// timingSafeEqual, so where (or whether) they differ changes nothing about the work done.
test('secret comparison always compares two full 32-byte digests, wherever the inputs differ', (t) => {
  const compare = t.mock.method(crypto, 'timingSafeEqual');
  syncBuiltinESMExports();
  try {
    const secret = `hk_${'a'.repeat(40)}`;
    const others = [secret, `hk_b${'a'.repeat(39)}`, `hk_${'a'.repeat(39)}b`, `hk_${'a'.repeat(39)}`, `${secret}a`, ''];
    assert.deepEqual(others.map((other) => secretsEqual(secret, other)), [true, false, false, false, false, false]);
    assert.equal(compare.mock.callCount(), others.length, 'one full comparison per call, none skipped');
    for (const call of compare.mock.calls) assert.deepEqual(call.arguments.map((b) => (b as Buffer).length), [32, 32]);
  } finally {
    t.mock.restoreAll();
    syncBuiltinESMExports();
  }
});

test('a key limited to categories cannot send outside them (or without a category)', async () => {
  const { assertCategoryAllowed } = await import('../../src/core/keys/categories.js');
  assertCategoryAllowed([], 'banking');
  assertCategoryAllowed(undefined, undefined);
  assertCategoryAllowed(['orders', 'otp'], 'otp');
  assert.throws(() => assertCategoryAllowed(['marketing'], 'banking'), { code: 40302 });
  assert.throws(() => assertCategoryAllowed(['marketing'], undefined), { code: 40302 });
});
