/**
 * RFC 8291 Web Push message encryption over the RFC 8188 `aes128gcm` content coding,
 * always as a single record (RFC 8291 §4 forbids more than one).
 */
import { createCipheriv, createDecipheriv, createECDH, createHmac, randomBytes, type ECDH } from 'node:crypto';
import { WebPushError, decodeBase64Url } from './errors.js';

const CURVE = 'prime256v1';
const PUBLIC_KEY_BYTES = 65;
const PRIVATE_KEY_BYTES = 32;
const AUTH_BYTES = 16;
const SALT_BYTES = 16;
const TAG_BYTES = 16;
/** salt(16) | rs(4) | idlen(1) | keyid(65). */
const HEADER_BYTES = SALT_BYTES + 4 + 1 + PUBLIC_KEY_BYTES;
/** RFC 8188 §2: a record must hold the tag plus at least one octet of plaintext and the delimiter. */
const MIN_RECORD_SIZE = 18;
/** Push services only have to accept 4096 bytes of body (RFC 8030 §7.2, RFC 8291 §4). */
export const MAX_BODY_BYTES = 4096;
/** 4096 − header(86) − tag(16) − delimiter(1). */
export const MAX_PLAINTEXT_BYTES = MAX_BODY_BYTES - HEADER_BYTES - TAG_BYTES - 1;
const DEFAULT_RECORD_SIZE = 4096;
/** RFC 8188 §2: 0x02 marks the last record; anything after it must be zero padding. */
const LAST_RECORD_DELIMITER = 0x02;

const KEY_INFO_PREFIX = Buffer.from('WebPush: info\0', 'latin1');
const CEK_INFO = Buffer.from('Content-Encoding: aes128gcm\0', 'latin1');
const NONCE_INFO = Buffer.from('Content-Encoding: nonce\0', 'latin1');

export interface PushSubscriptionKeys {
  /** base64url uncompressed P-256 point of the user agent. */
  p256dh: string;
  /** base64url 16-byte authentication secret. */
  auth: string;
}

export interface EncryptOptions {
  recordSize?: number;
  /** Zero bytes appended after the delimiter, to hide the plaintext length. */
  padding?: number;
  /** Fixed application-server private key (raw 32 bytes); only tests should pass it, reuse breaks forward secrecy. */
  asPrivateKey?: Buffer;
  /** Fixed salt (16 bytes); only tests should pass it, a reused salt with the same key reuses the nonce. */
  salt?: Buffer;
}

export interface Receiver {
  privateKey: Buffer;
  publicKey: Buffer;
  auth: Buffer;
  /**
   * An ECDH that already holds `privateKey`, so a receiver decrypting many messages (the
   * push-service mock) skips re-importing its key each time.
   */
  ecdh?: ECDH;
}

function checkPublicKey(key: Buffer, what: string): void {
  if (key.length !== PUBLIC_KEY_BYTES || key[0] !== 0x04) {
    throw new WebPushError('bad_key', `${what} must be a ${PUBLIC_KEY_BYTES}-byte uncompressed P-256 point (0x04…), got ${key.length} bytes`);
  }
}

function checkAuth(auth: Buffer): void {
  if (auth.length !== AUTH_BYTES) {
    throw new WebPushError('bad_key', `auth secret must be ${AUTH_BYTES} bytes, got ${auth.length}`);
  }
}

/**
 * Reused for the fresh key pair of every message: generateKeys() replaces the key in place, and
 * building the curve object costs several times more than the key generation itself. Safe because
 * generate, derive and read-back happen in one synchronous call.
 */
let ephemeral: ECDH | undefined;

function ecdhSecret(privateKey: Buffer | undefined, peerPublic: Buffer, peerWhat: string, prepared?: ECDH): { secret: Buffer; ownPublic: Buffer } {
  let ecdh: ECDH;
  if (prepared) {
    ecdh = prepared;
  } else if (privateKey === undefined) {
    ecdh = ephemeral ??= createECDH(CURVE);
    ecdh.generateKeys();
  } else {
    if (privateKey.length !== PRIVATE_KEY_BYTES) {
      throw new WebPushError('bad_key', `private key must be ${PRIVATE_KEY_BYTES} bytes, got ${privateKey.length}`);
    }
    ecdh = createECDH(CURVE);
    try {
      ecdh.setPrivateKey(privateKey);
    } catch {
      throw new WebPushError('bad_key', 'private key is not a valid P-256 scalar');
    }
  }
  try {
    return { secret: ecdh.computeSecret(peerPublic), ownPublic: ecdh.getPublicKey() };
  } catch {
    // Node refuses points that are not on the curve; say which key so the device can be rejected.
    throw new WebPushError('bad_key', `${peerWhat} is not a point on P-256`);
  }
}

/** RFC 8291 §3.3–3.4: the auth secret and both public keys are bound into the IKM before the RFC 8188 derivation. */
function deriveKeys(ecdh: Buffer, auth: Buffer, uaPublic: Buffer, asPublic: Buffer, salt: Buffer): { cek: Buffer; nonce: Buffer } {
  // HKDF (RFC 5869) written out: every output here is at most one hash long, so expand is a
  // single HMAC, and the CEK and nonce share one extract. Five HMACs instead of hkdfSync's six,
  // without its per-call key-object overhead; the Appendix A vector pins the result.
  const ikm = hkdfExpandOne(hmac(auth, ecdh), Buffer.concat([KEY_INFO_PREFIX, uaPublic, asPublic]), 32);
  const prk = hmac(salt, ikm);
  return { cek: hkdfExpandOne(prk, CEK_INFO, 16), nonce: hkdfExpandOne(prk, NONCE_INFO, 12) };
}

function hmac(key: Buffer, data: Buffer): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** HKDF-Expand for outputs of at most 32 bytes: T(1) = HMAC(PRK, info || 0x01). */
function hkdfExpandOne(prk: Buffer, info: Buffer, length: number): Buffer {
  return createHmac('sha256', prk).update(info).update(ONE).digest().subarray(0, length);
}

const ONE = Buffer.from([1]);

function checkCount(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0) throw new WebPushError('bad_option', `${what} must be a non-negative integer`);
}

export function encryptPayload(plaintext: Uint8Array, subscription: PushSubscriptionKeys, options: EncryptOptions = {}): Buffer {
  const uaPublic = decodeBase64Url(subscription.p256dh, 'p256dh');
  checkPublicKey(uaPublic, 'p256dh');
  const auth = decodeBase64Url(subscription.auth, 'auth');
  checkAuth(auth);

  const recordSize = options.recordSize ?? DEFAULT_RECORD_SIZE;
  const padding = options.padding ?? 0;
  checkCount(padding, 'padding');
  if (!Number.isInteger(recordSize) || recordSize < MIN_RECORD_SIZE || recordSize > 0xffffffff) {
    throw new WebPushError('bad_record_size', `record size must be an integer from ${MIN_RECORD_SIZE} to 2^32-1`);
  }
  if (plaintext.length + padding > MAX_PLAINTEXT_BYTES) {
    throw new WebPushError('payload_too_large', `payload is ${plaintext.length} bytes (+${padding} padding); Web Push allows at most ${MAX_PLAINTEXT_BYTES}`);
  }
  if (plaintext.length + 1 + padding + TAG_BYTES > recordSize) {
    throw new WebPushError('payload_too_large', `payload does not fit in one ${recordSize}-byte record`);
  }

  const salt = options.salt ?? randomBytes(SALT_BYTES);
  if (salt.length !== SALT_BYTES) throw new WebPushError('bad_option', `salt must be ${SALT_BYTES} bytes`);

  const { secret, ownPublic: asPublic } = ecdhSecret(options.asPrivateKey, uaPublic, 'p256dh');
  const { cek, nonce } = deriveKeys(secret, auth, uaPublic, asPublic, salt);

  const record = Buffer.alloc(plaintext.length + 1 + padding);
  record.set(plaintext, 0);
  record[plaintext.length] = LAST_RECORD_DELIMITER;
  // The single record has sequence number 0, so the nonce is used unmodified (RFC 8188 §2.3).
  const cipher = createCipheriv('aes-128-gcm', cek, nonce);
  const ciphertext = Buffer.concat([cipher.update(record), cipher.final(), cipher.getAuthTag()]);

  const header = Buffer.alloc(HEADER_BYTES);
  salt.copy(header, 0);
  header.writeUInt32BE(recordSize, SALT_BYTES);
  header[SALT_BYTES + 4] = PUBLIC_KEY_BYTES;
  asPublic.copy(header, SALT_BYTES + 5);
  return Buffer.concat([header, ciphertext]);
}

/** The user agent's side; Herald uses it in tests and in the push-service mock. */
export function decryptPayload(body: Buffer, receiver: Receiver): Buffer {
  checkPublicKey(receiver.publicKey, 'receiver public key');
  checkAuth(receiver.auth);
  if (body.length < SALT_BYTES + 5) throw new WebPushError('decrypt_failed', 'body is shorter than the aes128gcm header');
  const salt = body.subarray(0, SALT_BYTES);
  const recordSize = body.readUInt32BE(SALT_BYTES);
  const idLength = body[SALT_BYTES + 4]!;
  if (idLength !== PUBLIC_KEY_BYTES) {
    throw new WebPushError('decrypt_failed', `keyid must be the ${PUBLIC_KEY_BYTES}-byte sender public key, got ${idLength} bytes`);
  }
  if (recordSize < MIN_RECORD_SIZE) throw new WebPushError('decrypt_failed', `record size ${recordSize} is below ${MIN_RECORD_SIZE}`);
  const asPublic = body.subarray(SALT_BYTES + 5, HEADER_BYTES);
  if (asPublic.length !== PUBLIC_KEY_BYTES) throw new WebPushError('decrypt_failed', 'body is shorter than the aes128gcm header');
  checkPublicKey(asPublic, 'sender public key');
  const ciphertext = body.subarray(HEADER_BYTES);
  if (ciphertext.length < TAG_BYTES + 1) throw new WebPushError('decrypt_failed', 'record is too short');
  if (ciphertext.length > recordSize) throw new WebPushError('decrypt_failed', 'more than one record; Web Push allows one');

  const { secret } = ecdhSecret(receiver.privateKey, Buffer.from(asPublic), 'sender public key', receiver.ecdh);
  const { cek, nonce } = deriveKeys(secret, receiver.auth, receiver.publicKey, asPublic, salt);
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_BYTES));
  let record: Buffer;
  try {
    record = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new WebPushError('decrypt_failed', 'authentication failed (wrong keys or altered body)');
  }
  let end = record.length - 1;
  while (end >= 0 && record[end] === 0) end--;
  if (end < 0 || record[end] !== LAST_RECORD_DELIMITER) {
    throw new WebPushError('decrypt_failed', 'record lacks the final-record delimiter');
  }
  return record.subarray(0, end);
}
