import type { Clock } from '../../../ports/clock.js';
import { privateKeyFromPem, signJwt } from '../jwt/jwt.js';

/** Apple answers 403 ExpiredProviderToken past an hour and 429 when refreshed more than every 20 min. */
const MIN_REFRESH_MS = 20 * 60_000;
const DEFAULT_REFRESH_MS = 50 * 60_000;
const MAX_AGE_MS = 60 * 60_000;

export interface ApnsTokenOptions {
  /** Contents of the `.p8` key file. */
  keyPem: string;
  keyId: string;
  teamId: string;
  clock: Clock;
  /** How long a token is reused; clamped to Apple's 20–60 minute window. */
  refreshMs?: number;
}

/**
 * APNs token authentication: one ES256 JWT per key, shared by every connection and reused for
 * most of an hour, as Apple asks. `invalidate()` forces a new token after ExpiredProviderToken,
 * but never sooner than 20 minutes after the last one (refreshing faster is itself an error).
 */
export class ApnsProviderToken {
  readonly #key;
  readonly #keyId: string;
  readonly #teamId: string;
  readonly #clock: Clock;
  readonly #refreshMs: number;
  #token: { header: string; issuedAt: number } | undefined;

  constructor(options: ApnsTokenOptions) {
    if (!/^[A-Z0-9]{10}$/.test(options.keyId)) throw new Error('apns key id must be 10 characters [A-Z0-9]');
    if (!/^[A-Z0-9]{10}$/.test(options.teamId)) throw new Error('apns team id must be 10 characters [A-Z0-9]');
    this.#key = privateKeyFromPem(options.keyPem, 'apns key');
    if (this.#key.asymmetricKeyType !== 'ec') throw new Error('apns key must be an EC P-256 key (.p8)');
    this.#keyId = options.keyId;
    this.#teamId = options.teamId;
    this.#clock = options.clock;
    this.#refreshMs = Math.min(MAX_AGE_MS - 5 * 60_000, Math.max(MIN_REFRESH_MS, options.refreshMs ?? DEFAULT_REFRESH_MS));
  }

  /** The `authorization` header value: `bearer <jwt>`. */
  authorization(): string {
    const now = this.#clock.now();
    if (!this.#token || now - this.#token.issuedAt >= this.#refreshMs) this.#issue(now);
    // One string per token rather than a fresh concatenation for every request sent.
    return this.#token!.header;
  }

  /** After ExpiredProviderToken: issue a new token on next use, unless the current one is under 20 minutes old. */
  invalidate(): void {
    if (this.#token && this.#clock.now() - this.#token.issuedAt >= MIN_REFRESH_MS) this.#token = undefined;
  }

  #issue(now: number): void {
    const iat = Math.floor(now / 1000);
    this.#token = { header: `bearer ${signJwt({ alg: 'ES256', kid: this.#keyId }, { iss: this.#teamId, iat }, this.#key)}`, issuedAt: now };
  }
}
