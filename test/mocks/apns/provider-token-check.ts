import { createPublicKey, verify, type KeyObject } from 'node:crypto';

/** What APNs answers a request's `authorization` header with: nothing (accepted) or a 403 reason. */
export type TokenVerdict = undefined | 'MissingProviderToken' | 'InvalidProviderToken' | 'ExpiredProviderToken';

const MAX_AGE_MS = 60 * 60_000;
const CACHE_LIMIT = 10_000;

/**
 * Checks APNs provider tokens the way Apple does (providers.md §4.2): `bearer <ES256 JWT>` with
 * header `{alg: ES256, kid}`, claims `{iss, iat}`, signed by the key whose public half we hold,
 * and an `iat` under an hour old. The signature check is cached per JWT string, since a client
 * sends the same token for up to an hour; only the age is recomputed per request.
 */
export class ProviderTokenCheck {
  readonly #key: KeyObject;
  readonly #keyId: string;
  readonly #teamId: string;
  readonly #now: () => number;
  readonly #verified = new Map<string, number | 'InvalidProviderToken'>();

  constructor(options: { publicKey: string | KeyObject; keyId: string; teamId: string; now: () => number }) {
    this.#key = typeof options.publicKey === 'string' ? createPublicKey(options.publicKey) : options.publicKey;
    this.#keyId = options.keyId;
    this.#teamId = options.teamId;
    this.#now = options.now;
  }

  check(authorization: string | undefined): TokenVerdict {
    if (authorization === undefined || authorization === '') return 'MissingProviderToken';
    let result = this.#verified.get(authorization);
    if (result === undefined) {
      result = this.#verify(authorization);
      if (this.#verified.size >= CACHE_LIMIT) this.#verified.clear();
      this.#verified.set(authorization, result);
    }
    if (result === 'InvalidProviderToken') return result;
    return this.#now() - result * 1000 > MAX_AGE_MS ? 'ExpiredProviderToken' : undefined;
  }

  /** The token's iat (unix seconds) when it is well-formed and correctly signed. */
  #verify(authorization: string): number | 'InvalidProviderToken' {
    const match = /^bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/i.exec(authorization);
    if (!match) return 'InvalidProviderToken';
    const [, h, c, s] = match as unknown as [string, string, string, string];
    try {
      const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: unknown; kid?: unknown };
      const claims = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as { iss?: unknown; iat?: unknown };
      if (header.alg !== 'ES256' || header.kid !== this.#keyId || claims.iss !== this.#teamId) return 'InvalidProviderToken';
      if (typeof claims.iat !== 'number' || !Number.isInteger(claims.iat)) return 'InvalidProviderToken';
      const signature = Buffer.from(s, 'base64url');
      if (signature.length !== 64) return 'InvalidProviderToken';
      const ok = verify('sha256', Buffer.from(`${h}.${c}`), { key: this.#key, dsaEncoding: 'ieee-p1363' }, signature);
      return ok ? claims.iat : 'InvalidProviderToken';
    } catch {
      return 'InvalidProviderToken';
    }
  }
}
