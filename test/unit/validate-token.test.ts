import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import { validateDeviceToken } from '../../src/core/devices/validate-token.js';

const ecdh = createECDH('prime256v1');
ecdh.generateKeys();
const P256DH = ecdh.getPublicKey().toString('base64url');
const AUTH = randomBytes(16).toString('base64url');
const HEX = 'ab'.repeat(32);

test('APNs tokens are 64+ hex characters, stored lowercase', () => {
  assert.deepEqual(validateDeviceToken('apns', HEX.toUpperCase()), { token: HEX, keys: null });
  assert.deepEqual(validateDeviceToken('apns', 'a'.repeat(100)), { token: 'a'.repeat(100), keys: null });
  for (const bad of ['a'.repeat(63), 'z'.repeat(64), '', 42, null]) assert.throws(() => validateDeviceToken('apns', bad), { code: 40060 }, String(bad));
});

test('FCM and HMS tokens are non-empty strings of at most 4096 characters', () => {
  for (const provider of ['fcm', 'hms'] as const) {
    assert.equal(validateDeviceToken(provider, 'dGVzdDp0b2tlbg').token, 'dGVzdDp0b2tlbg');
    assert.throws(() => validateDeviceToken(provider, ''), { code: 40060 });
    assert.throws(() => validateDeviceToken(provider, '   '), { code: 40060 });
    assert.throws(() => validateDeviceToken(provider, 'x'.repeat(4097)), { code: 40060 });
    assert.throws(() => validateDeviceToken(provider, { token: 'x' }), { code: 40060 });
  }
});

test('Web Push subscriptions need an https endpoint and keys of the right lengths', () => {
  const ok = { endpoint: 'https://push.example.net/wpush/v2/abc', keys: { p256dh: P256DH, auth: AUTH } };
  assert.deepEqual(validateDeviceToken('webpush', ok), { token: ok.endpoint, keys: ok.keys });
  const cases: unknown[] = [
    'https://x',
    { ...ok, endpoint: 'http://push.example.net/x' },
    { ...ok, endpoint: 'not a url' },
    { ...ok, keys: { p256dh: P256DH.slice(0, 40), auth: AUTH } },
    { ...ok, keys: { p256dh: P256DH, auth: randomBytes(12).toString('base64url') } },
    { ...ok, keys: { p256dh: `${P256DH}!`, auth: AUTH } },
    { endpoint: ok.endpoint },
  ];
  for (const bad of cases) assert.throws(() => validateDeviceToken('webpush', bad), { code: 40060 }, JSON.stringify(bad));
});
