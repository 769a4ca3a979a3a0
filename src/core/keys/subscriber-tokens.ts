import { createHmac, timingSafeEqual } from 'node:crypto';
import { HeraldError } from '../../errors/index.js';

/**
 * Credentials for routes a browser or app calls directly on behalf of one subscriber (inbox,
 * own preferences, push status), and signed, expiring links for one-click preference changes.
 *
 * Both are HMAC-SHA256 under a server secret. Secrets rotate without logging anyone out: the
 * first secret signs, every listed secret still verifies, so an old secret is dropped only once
 * the tokens made with it no longer matter.
 */
export class SubscriberTokens {
  readonly #secrets: readonly Buffer[];

  constructor(secrets: readonly string[]) {
    if (secrets.length === 0 || secrets.some((s) => s.length < 32)) {
      throw new Error('subscriber token secrets: at least one secret of 32 or more characters is needed');
    }
    this.#secrets = secrets.map((s) => Buffer.from(s, 'utf8'));
  }

  /** The token that lets a client act as `subscriberId`. Stable for a given secret. */
  token(subscriberId: string): string {
    return `st_${mac(this.#secrets[0]!, `subscriber\0${subscriberId}`)}`;
  }

  /** True when `token` was made for `subscriberId` with any of the valid secrets. */
  verify(subscriberId: string, token: string): boolean {
    if (!token.startsWith('st_')) return false;
    const presented = token.slice(3);
    return this.#secrets.some((secret) => equal(mac(secret, `subscriber\0${subscriberId}`), presented));
  }

  /** A URL-safe link token carrying `payload`, valid until `expiresAtMs`. */
  signLink(payload: Record<string, string>, expiresAtMs: number): string {
    const body = Buffer.from(JSON.stringify({ ...payload, exp: Math.floor(expiresAtMs / 1000) }), 'utf8').toString('base64url');
    return `${body}.${mac(this.#secrets[0]!, `link\0${body}`)}`;
  }

  /** The payload of a link token; 403 when tampered with or unknown, 410 when expired. */
  verifyLink(token: string, nowMs: number): Record<string, string> {
    const dot = token.indexOf('.');
    const body = dot > 0 ? token.slice(0, dot) : '';
    const signature = dot > 0 ? token.slice(dot + 1) : '';
    if (!body || !this.#secrets.some((secret) => equal(mac(secret, `link\0${body}`), signature))) throw new HeraldError('linkInvalid');
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw new HeraldError('linkInvalid');
    }
    const { exp, ...payload } = parsed as Record<string, unknown>;
    if (typeof exp !== 'number') throw new HeraldError('linkInvalid');
    if (exp * 1000 < nowMs) throw new HeraldError('linkExpired');
    return Object.fromEntries(Object.entries(payload).filter((e): e is [string, string] => typeof e[1] === 'string'));
  }
}

/** HMAC-SHA256, base64url. Each use gets its own prefix so a token can never stand in for a link. */
export function mac(secret: Buffer, message: string): string {
  return createHmac('sha256', secret).update(message, 'utf8').digest('base64url');
}

function equal(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}
