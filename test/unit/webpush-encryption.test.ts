import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import {
  MAX_PLAINTEXT_BYTES,
  decryptPayload,
  encryptPayload,
} from '../../src/adapters/providers/webpush/encryption.js';
import { WebPushError } from '../../src/adapters/providers/webpush/errors.js';

// RFC 8291 Appendix A, all base64url.
const RFC = {
  plaintext: 'When I grow up, I want to be a watermelon',
  asPrivate: 'yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw',
  asPublic: 'BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8',
  uaPrivate: 'q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94',
  uaPublic: 'BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4',
  salt: 'DGv6ra1nlYgDCS1FRnbzlw',
  auth: 'BTBZMqHH6r4Tts7J_aSIgg',
  body:
    'DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN',
};

const b = (s: string): Buffer => Buffer.from(s, 'base64url');
const rfcReceiver = { privateKey: b(RFC.uaPrivate), publicKey: b(RFC.uaPublic), auth: b(RFC.auth) };

function newReceiver(): { keys: { p256dh: string; auth: string }; receiver: typeof rfcReceiver } {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16);
  const publicKey = ecdh.getPublicKey();
  return {
    keys: { p256dh: publicKey.toString('base64url'), auth: auth.toString('base64url') },
    // Left-pad: a scalar with leading zero bytes could come back shorter than 32 bytes.
    receiver: { privateKey: Buffer.concat([Buffer.alloc(32), ecdh.getPrivateKey()]).subarray(-32), publicKey, auth },
  };
}

const isError = (reason: string) => (err: unknown) => err instanceof WebPushError && err.reason === reason;

test('RFC 8291 Appendix A: encrypting the watermelon message gives the exact body', () => {
  const body = encryptPayload(
    Buffer.from(RFC.plaintext, 'utf8'),
    { p256dh: RFC.uaPublic, auth: RFC.auth },
    { asPrivateKey: b(RFC.asPrivate), salt: b(RFC.salt) },
  );
  assert.equal(body.length, 144);
  assert.equal(body.toString('base64url'), RFC.body);
  assert.deepEqual(body.subarray(21, 86), b(RFC.asPublic), 'keyid is the sender public key');
});

test('RFC 8291 Appendix A: the body decrypts with the user agent keys', () => {
  assert.equal(decryptPayload(b(RFC.body), rfcReceiver).toString('utf8'), RFC.plaintext);
});

test('a changed tag byte or a wrong auth secret fails to decrypt', () => {
  const body = b(RFC.body);
  body[body.length - 1]! ^= 0x01;
  assert.throws(() => decryptPayload(body, rfcReceiver), isError('decrypt_failed'));
  assert.throws(() => decryptPayload(b(RFC.body), { ...rfcReceiver, auth: randomBytes(16) }), isError('decrypt_failed'));
});

test('random payloads round-trip, with fresh keys and salt each time', () => {
  const { keys, receiver } = newReceiver();
  for (const size of [0, 1, 15, 16, 17, 100, 1000, MAX_PLAINTEXT_BYTES]) {
    const plaintext = randomBytes(size);
    const body = encryptPayload(plaintext, keys);
    assert.equal(body.length, 86 + size + 1 + 16);
    assert.deepEqual(decryptPayload(body, receiver), plaintext);
  }
  const a = encryptPayload(Buffer.from('same'), keys);
  const c = encryptPayload(Buffer.from('same'), keys);
  assert.notDeepEqual(a.subarray(0, 86), c.subarray(0, 86), 'salt and sender key are fresh per message');
});

test('padding is hidden inside the record and stripped on decryption', () => {
  const { keys, receiver } = newReceiver();
  const body = encryptPayload(Buffer.from('hi'), keys, { padding: 30 });
  assert.equal(body.length, 86 + 2 + 1 + 30 + 16);
  assert.equal(decryptPayload(body, receiver).toString(), 'hi');
  const small = encryptPayload(Buffer.from('hi'), keys, { recordSize: 19 });
  assert.equal(small.readUInt32BE(16), 19);
  assert.equal(decryptPayload(small, receiver).toString(), 'hi');
});

test('payloads over 3993 bytes (or over one record) are refused', () => {
  const { keys } = newReceiver();
  assert.equal(MAX_PLAINTEXT_BYTES, 3993);
  assert.equal(encryptPayload(Buffer.alloc(3993), keys).length, 4096);
  assert.throws(() => encryptPayload(Buffer.alloc(3994), keys), isError('payload_too_large'));
  assert.throws(() => encryptPayload(Buffer.alloc(3990), keys, { padding: 4 }), isError('payload_too_large'));
  assert.throws(() => encryptPayload(Buffer.alloc(100), keys, { recordSize: 100 }), isError('payload_too_large'));
  assert.throws(() => encryptPayload(Buffer.alloc(1), keys, { recordSize: 17 }), isError('bad_record_size'));
});

test('malformed subscription keys are refused with a clear error', () => {
  const { keys } = newReceiver();
  const pub = b(keys.p256dh);
  const compressed = Buffer.concat([Buffer.from([0x02]), pub.subarray(1, 33)]).toString('base64url');
  const wrongPrefix = Buffer.concat([Buffer.from([0x05]), pub.subarray(1)]).toString('base64url');
  const offCurve = Buffer.concat([Buffer.from([0x04]), Buffer.alloc(64, 1)]).toString('base64url');
  const pt = Buffer.from('x');
  for (const p256dh of [compressed, wrongPrefix, offCurve, keys.p256dh.slice(0, -4), 'not base64url!', '']) {
    assert.throws(() => encryptPayload(pt, { ...keys, p256dh }), isError('bad_key'), p256dh);
  }
  for (const auth of [randomBytes(15).toString('base64url'), randomBytes(32).toString('base64url'), '***']) {
    assert.throws(() => encryptPayload(pt, { ...keys, auth }), isError('bad_key'), auth);
  }
  assert.throws(() => encryptPayload(pt, keys, { asPrivateKey: randomBytes(31) }), isError('bad_key'));
  assert.throws(() => encryptPayload(pt, keys, { salt: randomBytes(8) }), isError('bad_option'));
  assert.throws(() => encryptPayload(pt, keys, { padding: -1 }), isError('bad_option'));
});

test('malformed bodies are refused before decryption', () => {
  const body = b(RFC.body);
  assert.throws(() => decryptPayload(body.subarray(0, 50), rfcReceiver), isError('decrypt_failed'));
  const badIdLen = Buffer.from(body);
  badIdLen[20] = 0;
  assert.throws(() => decryptPayload(badIdLen, rfcReceiver), isError('decrypt_failed'));
  const tinyRecord = Buffer.from(body);
  tinyRecord.writeUInt32BE(40, 16);
  assert.throws(() => decryptPayload(tinyRecord, rfcReceiver), /more than one record/);
});
