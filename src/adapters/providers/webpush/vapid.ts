/**
 * RFC 8292 VAPID: the application server proves its identity to push services with an
 * ES256 JWT scoped to the push service's origin.
 */
import { createECDH, createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { WebPushError, decodeBase64Url } from './errors.js';

export interface VapidKeys {
  /** base64url, 65-byte uncompressed P-256 point: what browsers take as applicationServerKey. */
  publicKey: string;
  /** base64url, raw 32-byte P-256 scalar. */
  privateKey: string;
}

export interface VapidSignerOptions extends VapidKeys {
  /** mailto: or https: contact for the push service operator. */
  subject: string;
  clock: { now(): number };
  /** JWT lifetime; default 12 h, at most 24 h (RFC 8292 §2). */
  ttlMs?: number;
}

export interface VapidSigner {
  /** The Authorization header value for a push to this endpoint. */
  authorization(endpoint: string): string;
}

const HOUR_MS = 3_600_000;
export const DEFAULT_VAPID_TTL_MS = 12 * HOUR_MS;
export const MAX_VAPID_TTL_MS = 24 * HOUR_MS;
/** Refresh this long before expiry, so a token never expires in flight or on a skewed push-service clock. */
const REFRESH_MARGIN_MS = HOUR_MS;

const JWT_HEADER = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'ES256' })).toString('base64url');

export function generateVapidKeys(): VapidKeys {
  // JWK export pads x, y and d to 32 bytes, unlike ECDH.getPrivateKey which can drop leading zeros.
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  const x = Buffer.from(jwk.x!, 'base64url');
  const y = Buffer.from(jwk.y!, 'base64url');
  return {
    publicKey: Buffer.concat([Buffer.from([0x04]), x, y]).toString('base64url'),
    privateKey: jwk.d!,
  };
}

/** Imports a raw VAPID pair, checking that the public key really belongs to the private key: a mismatch would only show up as 401/403s from every push service. */
function importKeys(keys: VapidKeys): KeyObject {
  const pub = decodeBase64Url(keys.publicKey, 'VAPID public key');
  const priv = decodeBase64Url(keys.privateKey, 'VAPID private key');
  if (pub.length !== 65 || pub[0] !== 0x04) {
    throw new WebPushError('bad_key', 'VAPID public key must be a 65-byte uncompressed P-256 point');
  }
  if (priv.length !== 32) throw new WebPushError('bad_key', 'VAPID private key must be 32 bytes');
  const ecdh = createECDH('prime256v1');
  try {
    ecdh.setPrivateKey(priv);
  } catch {
    throw new WebPushError('bad_key', 'VAPID private key is not a valid P-256 scalar');
  }
  if (!ecdh.getPublicKey().equals(pub)) {
    throw new WebPushError('bad_key', 'VAPID public key does not match the private key');
  }
  return createPrivateKey({
    format: 'jwk',
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: pub.subarray(1, 33).toString('base64url'),
      y: pub.subarray(33).toString('base64url'),
      d: priv.toString('base64url'),
    },
  });
}

export function validateVapidSubject(subject: string): void {
  if (typeof subject === 'string' && /^mailto:[^@\s/]+@[^@\s/]+$/i.test(subject)) return;
  if (typeof subject === 'string' && /^https:/i.test(subject)) {
    try {
      if (new URL(subject).hostname !== '') return;
    } catch {
      // fall through to the error below
    }
  }
  throw new WebPushError('bad_subject', `VAPID subject must be a mailto: address or an https: URL, got ${JSON.stringify(subject)}`);
}

/** The JWT audience is the push service's origin (RFC 8292 §2), so one token serves every subscription on that service. */
export function audienceOf(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new WebPushError('bad_endpoint', 'push endpoint is not a URL');
  }
  // http is allowed only so tests can reach a local mock; the SSRF guard decides what is reachable.
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new WebPushError('bad_endpoint', `push endpoint must be https, got ${url.protocol}`);
  }
  return url.origin;
}

export function createVapidSigner(options: VapidSignerOptions): VapidSigner {
  const key = importKeys(options);
  validateVapidSubject(options.subject);
  const ttlMs = options.ttlMs ?? DEFAULT_VAPID_TTL_MS;
  if (!Number.isFinite(ttlMs) || ttlMs <= 0 || ttlMs > MAX_VAPID_TTL_MS) {
    throw new WebPushError('bad_option', `VAPID ttlMs must be in (0, ${MAX_VAPID_TTL_MS}]`);
  }
  // Short lifetimes would otherwise be inside the margin from the start and never be reused.
  const margin = Math.min(REFRESH_MARGIN_MS, ttlMs / 2);
  const { clock, subject, publicKey } = options;
  const cache = new Map<string, { value: string; expiresAtMs: number }>();

  function mint(aud: string, now: number): { value: string; expiresAtMs: number } {
    const exp = Math.floor((now + ttlMs) / 1000);
    const claims = Buffer.from(JSON.stringify({ aud, exp, sub: subject })).toString('base64url');
    const signingInput = `${JWT_HEADER}.${claims}`;
    // JOSE wants r||s (64 bytes), not the DER node produces by default.
    const signature = sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' });
    return { value: `vapid t=${signingInput}.${signature.toString('base64url')}, k=${publicKey}`, expiresAtMs: exp * 1000 };
  }

  return {
    authorization(endpoint: string): string {
      const aud = audienceOf(endpoint);
      const now = clock.now();
      const cached = cache.get(aud);
      if (cached && cached.expiresAtMs - now > margin) return cached.value;
      for (const [origin, entry] of cache) if (entry.expiresAtMs <= now) cache.delete(origin);
      const fresh = mint(aud, now);
      cache.set(aud, fresh);
      return fresh.value;
    },
  };
}
