import type { Clock } from '../../../ports/clock.js';
import { createOutboundClient, type OutboundClient } from '../../net/outbound-client.js';

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

/** TLS trust for a token endpoint: extra CA certificates (PEM), e.g. a private relay's or a test mock's. */
export interface TokenRequestOptions {
  ca?: string | Buffer;
  timeoutMs?: number;
  /**
   * A client to send through, sharing its connections (and its CA and timeout, over `ca` and
   * `timeoutMs`); without one, each request has a connection of its own.
   */
  client?: OutboundClient;
}

/** POSTs a form to a token endpoint and reads `{access_token, expires_in}`; errors name the endpoint and status. */
export async function requestToken(url: string, form: Record<string, string>, what: string, options: TokenRequestOptions = {}): Promise<IssuedToken> {
  const { status, text } = await postForm(url, new URLSearchParams(form).toString(), options);
  if (status < 200 || status > 299) throw new Error(`${what}: token endpoint answered ${status}: ${text.slice(0, 200)}`);
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

/** A token answer is a few hundred bytes; anything huge is not one. */
const MAX_TOKEN_ANSWER_BYTES = 64 * 1024;

/**
 * One request an hour or so per app: through the caller's client, or on a connection of its own,
 * closed after. Token URIs come from configuration (service account files, config keys), so the
 * SSRF guard does not apply, and plain http stays allowed for test mocks.
 */
async function postForm(url: string, body: string, options: TokenRequestOptions): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  if (target.protocol !== 'https:' && target.protocol !== 'http:') throw new Error(`token endpoint ${url} is not an http(s) URL`);
  const request = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body };
  if (options.client) {
    const res = await options.client.request(target, request);
    return { status: res.status, text: res.body.toString('utf8') };
  }
  const client = createOutboundClient({
    destinations: 'operator',
    allowHttp: true,
    connectionsPerOrigin: 0,
    timeoutMs: options.timeoutMs ?? 15_000,
    maxResponseBytes: MAX_TOKEN_ANSWER_BYTES,
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
  });
  try {
    const res = await client.request(target, request);
    return { status: res.status, text: res.body.toString('utf8') };
  } finally {
    await client.close();
  }
}
