import { createOutboundClient, type OutboundRequest, type OutboundResponse } from './outbound-client.js';

export { createGuardedLookup, type AddressResolver } from './ssrf-guard.js';

/**
 * The outbound client with the SSRF guard on, as a fetch for user-supplied URLs. Kept as a
 * function-shaped face of {@link createOutboundClient} for the code and tests written against it.
 */
export interface GuardedFetchOptions {
  /** Permit plain `http:` URLs. Off by default: user-supplied targets must use TLS. */
  allowHttp?: boolean;
  /**
   * Host names, IPs or CIDRs that are always allowed, even when they are or resolve to a
   * forbidden address (tests, an internal webhook receiver). Host names match exactly,
   * ignoring case and a trailing dot.
   */
  allowedHosts?: readonly string[];
  /** Limit on the whole exchange, DNS to last body byte. Default 10 s. */
  timeoutMs?: number;
  /** Larger response bodies are aborted with `too_large`. Default 1 MiB. */
  maxResponseBytes?: number;
  /** Sent unless the caller's headers carry their own `User-Agent`. Default `Herald`. */
  userAgent?: string;
  /** Extra CA certificates (PEM) trusted for https targets on top of the well-known roots. */
  ca?: string | Buffer;
  /**
   * Keep connections open and reuse them per origin instead of one connection per request. Every
   * new connection still goes through the guard, and the allow list is fixed for the life of the
   * fetch, so a pooled connection can never lead somewhere a fresh one could not.
   */
  keepAlive?: KeepAliveOptions;
}

export interface KeepAliveOptions {
  /** Open connections per origin at most; further requests wait for a free one. Default 16. */
  maxSocketsPerOrigin?: number;
  /** An idle pooled connection is closed after this long. Default 4 s (see the outbound client). */
  idleTimeoutMs?: number;
}

/** A guarded fetch with its own connection pool. */
export interface PooledGuardedFetch {
  fetch: GuardedFetch;
  /** Closes every pooled connection; requests in flight fail with `network`. Idempotent. */
  close(): void;
}

export type GuardedRequestInit = OutboundRequest;
export type GuardedResponse = OutboundResponse;

/**
 * Requests a user-supplied URL. Redirects are never followed: a 3xx comes back as a response.
 * Every failure is an {@link OutboundRequestError}.
 */
export type GuardedFetch = (url: string, init?: GuardedRequestInit) => Promise<GuardedResponse>;

/** A guarded fetch opening one connection per request. */
export function createGuardedFetch(options: GuardedFetchOptions = {}): GuardedFetch {
  return createPooledGuardedFetch(options).fetch;
}

/** The guarded fetch plus a handle on its connections; without `keepAlive`, one per request. */
export function createPooledGuardedFetch(options: GuardedFetchOptions = {}): PooledGuardedFetch {
  const pool = options.keepAlive;
  const client = createOutboundClient({
    destinations: 'user',
    ...(options.allowHttp !== undefined ? { allowHttp: options.allowHttp } : {}),
    ...(options.allowedHosts !== undefined ? { allowedHosts: options.allowedHosts } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.maxResponseBytes !== undefined ? { maxResponseBytes: options.maxResponseBytes } : {}),
    ...(options.userAgent !== undefined ? { userAgent: options.userAgent } : {}),
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
    connectionsPerOrigin: pool ? (pool.maxSocketsPerOrigin ?? 16) : 0,
    ...(pool?.idleTimeoutMs !== undefined ? { idleTimeoutMs: pool.idleTimeoutMs } : {}),
  });
  return {
    fetch: (url, init) => client.request(url, init),
    close: () => void client.close(),
  };
}
