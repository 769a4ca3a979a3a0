import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, verify } from 'node:crypto';
import { ApnsProviderToken } from '../../src/adapters/providers/apns/provider-token.js';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;

function decode(jwt: string) {
  const [h, c, s] = jwt.split('.');
  return { header: JSON.parse(Buffer.from(h!, 'base64url').toString()), claims: JSON.parse(Buffer.from(c!, 'base64url').toString()), input: `${h}.${c}`, signature: Buffer.from(s!, 'base64url') };
}

test('APNs provider token: ES256 JWT with kid and iss/iat, verifiable with the public key', () => {
  let now = Date.UTC(2026, 10, 23, 12);
  const token = new ApnsProviderToken({ keyPem: PEM, keyId: 'ABC123DEFG', teamId: 'TEAM123456', clock: { now: () => now } });
  const auth = token.authorization();
  assert.match(auth, /^bearer [\w-]+\.[\w-]+\.[\w-]+$/);
  const jwt = decode(auth.slice(7));
  assert.deepEqual(jwt.header, { alg: 'ES256', kid: 'ABC123DEFG' });
  assert.deepEqual(jwt.claims, { iss: 'TEAM123456', iat: Math.floor(now / 1000) });
  assert.equal(jwt.signature.length, 64, 'JOSE r||s signature');
  assert.ok(verify('sha256', Buffer.from(jwt.input), { key: publicKey, dsaEncoding: 'ieee-p1363' }, jwt.signature));
  now += 10 * 60_000;
  assert.equal(token.authorization(), auth, 'reused within the window');
  token.invalidate();
  assert.equal(token.authorization(), auth, 'not refreshed sooner than 20 minutes, even when asked');
  now += 15 * 60_000;
  token.invalidate();
  const second = token.authorization();
  assert.notEqual(second, auth, 'refreshed on request after 20 minutes');
  now += 49 * 60_000;
  assert.equal(token.authorization(), second);
  now += 2 * 60_000;
  assert.notEqual(token.authorization(), second, 'refreshed before the hour is up');
});

test('APNs provider token refuses bad key ids, team ids and keys', () => {
  const clock = { now: () => 0 };
  assert.throws(() => new ApnsProviderToken({ keyPem: PEM, keyId: 'short', teamId: 'TEAM123456', clock }), /key id/);
  assert.throws(() => new ApnsProviderToken({ keyPem: PEM, keyId: 'ABC123DEFG', teamId: 'x', clock }), /team id/);
  assert.throws(() => new ApnsProviderToken({ keyPem: 'not a key', keyId: 'ABC123DEFG', teamId: 'TEAM123456', clock }), /not a readable PEM/);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  assert.throws(() => new ApnsProviderToken({ keyPem: rsa, keyId: 'ABC123DEFG', teamId: 'TEAM123456', clock }), /EC P-256/);
});
