import { test } from 'node:test';
import assert from 'node:assert/strict';
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

test('secret comparison takes about as long wherever the inputs differ', () => {
  const secret = `hk_${'a'.repeat(40)}`;
  const early = `hk_b${'a'.repeat(39)}`;
  const late = `hk_${'a'.repeat(39)}b`;
  const time = (other: string) => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < 20_000; i++) secretsEqual(secret, other);
    return Number(process.hrtime.bigint() - start);
  };
  time(early);
  time(late);
  const runs = [0, 1, 2, 3, 4].map(() => time(early) / time(late)).sort((a, b) => a - b);
  const median = runs[2]!;
  // Hashing first makes the work independent of the position of the first difference; allow noise.
  assert.ok(median > 0.7 && median < 1.4, `early/late time ratio ${median.toFixed(2)}`);
});

test('a key limited to categories cannot send outside them (or without a category)', async () => {
  const { assertCategoryAllowed } = await import('../../src/core/keys/categories.js');
  assertCategoryAllowed([], 'banking');
  assertCategoryAllowed(undefined, undefined);
  assertCategoryAllowed(['orders', 'otp'], 'otp');
  assert.throws(() => assertCategoryAllowed(['marketing'], 'banking'), { code: 40302 });
  assert.throws(() => assertCategoryAllowed(['marketing'], undefined), { code: 40302 });
});
