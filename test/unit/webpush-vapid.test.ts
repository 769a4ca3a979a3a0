import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { createVapidSigner, generateVapidKeys } from '../../src/adapters/providers/webpush/vapid.js';
import { WebPushError } from '../../src/adapters/providers/webpush/errors.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);
const keys = generateVapidKeys();
const FCM = 'https://fcm.googleapis.com/fcm/send/abc123:def';
const MOZ = 'https://updates.push.services.mozilla.com/wpush/v2/gAAAA';

function fakeClock(start = T0): { now(): number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

function parse(header: string): { jwt: string; k: string; head: unknown; claims: Record<string, unknown>; sig: Buffer } {
  const m = /^vapid t=([^,]+), k=([A-Za-z0-9_-]+)$/.exec(header);
  assert.ok(m, header);
  const [h, c, s] = m[1]!.split('.');
  return {
    jwt: m[1]!,
    k: m[2]!,
    head: JSON.parse(Buffer.from(h!, 'base64url').toString()),
    claims: JSON.parse(Buffer.from(c!, 'base64url').toString()),
    sig: Buffer.from(s!, 'base64url'),
  };
}

function verifyJwt(jwt: string, publicKey: string): boolean {
  const raw = Buffer.from(publicKey, 'base64url');
  const key = createPublicKey({
    format: 'jwk',
    key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33).toString('base64url') },
  });
  const dot = jwt.lastIndexOf('.');
  return verify('sha256', Buffer.from(jwt.slice(0, dot)), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(jwt.slice(dot + 1), 'base64url'));
}

const isError = (reason: string) => (err: unknown) => err instanceof WebPushError && err.reason === reason;

test('generated keys are raw base64url P-256: 65-byte uncompressed public, 32-byte private', () => {
  for (let i = 0; i < 20; i++) {
    const k = generateVapidKeys();
    assert.match(k.publicKey, /^[A-Za-z0-9_-]{87}$/);
    assert.match(k.privateKey, /^[A-Za-z0-9_-]{43}$/);
    const pub = Buffer.from(k.publicKey, 'base64url');
    assert.equal(pub.length, 65);
    assert.equal(pub[0], 0x04);
    assert.equal(Buffer.from(k.privateKey, 'base64url').length, 32);
  }
  assert.notEqual(generateVapidKeys().privateKey, generateVapidKeys().privateKey);
});

test('the JWT is ES256 over header and claims, verifiable with the public key', () => {
  const signer = createVapidSigner({ ...keys, subject: 'mailto:ops@example.com', clock: fakeClock() });
  const p = parse(signer.authorization(FCM));
  assert.equal(p.k, keys.publicKey);
  assert.deepEqual(p.head, { typ: 'JWT', alg: 'ES256' });
  assert.deepEqual(p.claims, { aud: 'https://fcm.googleapis.com', exp: (T0 + 12 * HOUR) / 1000, sub: 'mailto:ops@example.com' });
  assert.equal(p.sig.length, 64, 'JOSE r||s, not DER');
  assert.ok(verifyJwt(p.jwt, keys.publicKey));
  assert.ok(!verifyJwt(p.jwt, generateVapidKeys().publicKey));
  const tampered = p.jwt.replace(/\.[^.]+\./, `.${Buffer.from(JSON.stringify({ ...p.claims, aud: 'https://evil.example' })).toString('base64url')}.`);
  assert.ok(!verifyJwt(tampered, keys.publicKey));
});

test('ttlMs sets exp and is capped at 24 h', () => {
  const signer = createVapidSigner({ ...keys, subject: 'https://shop.example/contact', clock: fakeClock(), ttlMs: 24 * HOUR });
  assert.equal(parse(signer.authorization(MOZ)).claims.exp, (T0 + 24 * HOUR) / 1000);
  assert.throws(() => createVapidSigner({ ...keys, subject: 'mailto:a@b.c', clock: fakeClock(), ttlMs: 24 * HOUR + 1 }), isError('bad_option'));
  assert.throws(() => createVapidSigner({ ...keys, subject: 'mailto:a@b.c', clock: fakeClock(), ttlMs: 0 }), isError('bad_option'));
});

test('tokens are cached per origin and refreshed when less than an hour remains', () => {
  const clock = fakeClock();
  const signer = createVapidSigner({ ...keys, subject: 'mailto:ops@example.com', clock });
  const first = signer.authorization(FCM);
  assert.equal(signer.authorization('https://fcm.googleapis.com/fcm/send/other-device'), first, 'same origin, same token');
  const moz = signer.authorization(MOZ);
  assert.notEqual(moz, first);
  assert.equal(parse(moz).claims.aud, 'https://updates.push.services.mozilla.com');

  clock.advance(11 * HOUR - 1);
  assert.equal(signer.authorization(FCM), first, 'still more than an hour left');
  clock.advance(1);
  const second = signer.authorization(FCM);
  assert.notEqual(second, first, 'refreshed an hour before expiry');
  assert.equal(parse(second).claims.exp, (T0 + 23 * HOUR) / 1000);
  assert.ok(verifyJwt(parse(second).jwt, keys.publicKey));
  assert.equal(signer.authorization(FCM), second);
});

test('short lifetimes are still reused for half their life', () => {
  const clock = fakeClock();
  const signer = createVapidSigner({ ...keys, subject: 'mailto:ops@example.com', clock, ttlMs: 10 * 60_000 });
  const first = signer.authorization(FCM);
  clock.advance(4 * 60_000);
  assert.equal(signer.authorization(FCM), first);
  clock.advance(60_000);
  assert.notEqual(signer.authorization(FCM), first);
});

test('subjects must be mailto: or https:', () => {
  for (const subject of ['mailto:ops@example.com', 'https://example.com', 'https://example.com/contact?x=1']) {
    assert.doesNotThrow(() => createVapidSigner({ ...keys, subject, clock: fakeClock() }), subject);
  }
  for (const subject of ['ops@example.com', 'http://example.com', 'mailto:', 'mailto:nobody', 'https://', '', 'ftp://x']) {
    assert.throws(() => createVapidSigner({ ...keys, subject, clock: fakeClock() }), isError('bad_subject'), subject);
  }
});

test('bad or mismatched keys and bad endpoints are refused', () => {
  const other = generateVapidKeys();
  const opts = { subject: 'mailto:ops@example.com', clock: fakeClock() };
  assert.throws(() => createVapidSigner({ ...opts, publicKey: other.publicKey, privateKey: keys.privateKey }), /does not match/);
  assert.throws(() => createVapidSigner({ ...opts, publicKey: keys.publicKey.slice(0, 40), privateKey: keys.privateKey }), isError('bad_key'));
  assert.throws(() => createVapidSigner({ ...opts, publicKey: keys.publicKey, privateKey: 'AAAA' }), isError('bad_key'));
  assert.throws(() => createVapidSigner({ ...opts, publicKey: keys.publicKey, privateKey: Buffer.alloc(32).toString('base64url') }), isError('bad_key'));
  const signer = createVapidSigner({ ...opts, ...keys });
  assert.throws(() => signer.authorization('not a url'), isError('bad_endpoint'));
  assert.throws(() => signer.authorization('ftp://push.example/x'), isError('bad_endpoint'));
});
