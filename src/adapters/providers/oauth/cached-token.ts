import type { Clock } from '../../../ports/clock.js';

export interface IssuedToken {
  accessToken: string;
  /** Lifetime the issuer announced, in seconds. */
  expiresIn: number;
}

/** Tokens are renewed this long before the issuer's expiry, so no send goes out with a dying token. */
const RENEW_BEFORE_MS = 5 * 60_000;

/**
 * An OAuth access token fetched on demand, cached until shortly before it expires, and shared:
 * concurrent callers during a refresh wait for the same request instead of starting their own.
 */
export class CachedAccessToken {
  readonly #fetch: () => Promise<IssuedToken>;
  readonly #clock: Clock;
  #current: { token: string; renewAt: number } | undefined;
  #inFlight: Promise<string> | undefined;

  constructor(fetchToken: () => Promise<IssuedToken>, clock: Clock) {
    this.#fetch = fetchToken;
    this.#clock = clock;
  }

  get(): Promise<string> {
    if (this.#current && this.#clock.now() < this.#current.renewAt) return Promise.resolve(this.#current.token);
    return (this.#inFlight ??= this.#refresh().finally(() => (this.#inFlight = undefined)));
  }

  /** After the provider refused the token (401, HMS 80200003): the next `get` fetches a new one. */
  invalidate(): void {
    this.#current = undefined;
  }

  async #refresh(): Promise<string> {
    const issued = await this.#fetch();
    const lifetimeMs = Math.max(0, issued.expiresIn * 1000);
    this.#current = { token: issued.accessToken, renewAt: this.#clock.now() + Math.max(lifetimeMs - RENEW_BEFORE_MS, lifetimeMs / 2) };
    return issued.accessToken;
  }
}

/** POSTs a form to a token endpoint and reads `{access_token, expires_in}`; errors name the endpoint and status. */
export async function requestToken(url: string, form: Record<string, string>, what: string): Promise<IssuedToken> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: token endpoint answered ${res.status}: ${text.slice(0, 200)}`);
  let body: { access_token?: unknown; expires_in?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Error(`${what}: token endpoint answered non-JSON`);
  }
  if (typeof body.access_token !== 'string' || body.access_token === '') throw new Error(`${what}: no access_token in the token response`);
  const expiresIn = Number(body.expires_in ?? 3600);
  return { accessToken: body.access_token, expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 3600 };
}
