import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { addressInList, isForbiddenAddress, isIpLiteral } from '../../util/ip-ranges.js';
import { OutboundRequestError } from './outbound-error.js';
import { isTlsError, tlsFailure } from './tls-errors.js';

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
  /**
   * Extra CA certificates (PEM) trusted for https targets on top of the well-known roots, e.g. a
   * private relay's or a test mock's.
   */
  ca?: string | Buffer;
  /**
   * Keep connections open and reuse them per origin instead of one connection per request. Every
   * new socket still goes through the guarded lookup, and the allow list is fixed for the life of
   * the fetch, so a pooled socket can never lead somewhere a fresh one could not.
   */
  keepAlive?: KeepAliveOptions;
}

export interface KeepAliveOptions {
  /** Open connections per origin at most; further requests wait for a free one. Default 16. */
  maxSocketsPerOrigin?: number;
  /** An idle pooled connection is closed after this long. Default 30 s. */
  idleTimeoutMs?: number;
}

/** A guarded fetch with its own connection pool. */
export interface PooledGuardedFetch {
  fetch: GuardedFetch;
  /** Closes every pooled connection; requests in flight fail with `network`. Idempotent. */
  close(): void;
}

export interface GuardedRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

export interface GuardedResponse {
  status: number;
  /** Lower-cased names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Requests a user-supplied URL. Redirects are never followed: a 3xx comes back as a response,
 * since following it would let a harmless first hop point at an internal one.
 * Every failure is an {@link OutboundRequestError}.
 */
export type GuardedFetch = (url: string, init?: GuardedRequestInit) => Promise<GuardedResponse>;

/** The shape of `dns.lookup(host, { all: true }, cb)`, so tests can stand in for DNS. */
export type AddressResolver = (
  hostname: string,
  options: LookupOptions & { all: true },
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

const defaultResolver: AddressResolver = (hostname, options, callback) => dnsLookup(hostname, options, callback);

function normaliseHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

function hostAllowed(host: string, allowedHosts: readonly string[]): boolean {
  const wanted = normaliseHost(host);
  return allowedHosts.some((entry) => normaliseHost(entry) === wanted) || addressInList(host, allowedHosts);
}

function forbiddenError(host: string, address: string, why: string | undefined): OutboundRequestError {
  const target = host === address ? address : `${host}: it resolves to ${address}`;
  return new OutboundRequestError('forbidden_address', `refusing to connect to ${target}, which is ${why ?? 'forbidden'}`, {
    host,
    address,
  });
}

/**
 * A `lookup` for `net`/`http`/`https`/`http2` connections that resolves every address of the
 * host and fails if any is forbidden. The check runs inside the connect path on the very
 * addresses the socket will use, so a DNS answer that changes between a check and the connect
 * (rebinding) cannot slip through. Refusing when *any* address is bad, not just the first,
 * matters because Node may try the others (Happy Eyeballs).
 */
export function createGuardedLookup(options: { allowedHosts?: readonly string[]; resolve?: AddressResolver } = {}): LookupFunction {
  const allowedHosts = options.allowedHosts ?? [];
  const resolve = options.resolve ?? defaultResolver;
  return (hostname, lookupOptions, callback) => {
    const family = lookupOptions.family === 'IPv4' ? 4 : lookupOptions.family === 'IPv6' ? 6 : (lookupOptions.family ?? 0);
    resolve(hostname, { family, hints: lookupOptions.hints, all: true }, (err, addresses) => {
      if (err || addresses.length === 0) {
        const detail = err ? `${err.code ?? err.message}` : 'no addresses';
        callback(new OutboundRequestError('dns', `could not resolve ${hostname}: ${detail}`, { host: hostname, cause: err ?? undefined }), '');
        return;
      }
      if (!hostAllowed(hostname, allowedHosts)) {
        for (const { address } of addresses) {
          if (addressInList(address, allowedHosts)) continue;
          const verdict = isForbiddenAddress(address);
          if (verdict.forbidden) {
            callback(forbiddenError(hostname, address, verdict.reason), '');
            return;
          }
        }
      }
      if (lookupOptions.all) callback(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

function flattenHeaders(raw: http.IncomingHttpHeaders): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function parseTarget(url: string, allowHttp: boolean): URL {
  let target: URL;
  try {
    target = new URL(url);
  } catch (cause) {
    // The URL itself stays out of the message: it may carry credentials or tokens.
    throw new OutboundRequestError('scheme', 'refusing to request a malformed URL', { host: '', cause });
  }
  const host = target.hostname;
  if (target.protocol === 'https:' || (target.protocol === 'http:' && allowHttp)) return target;
  const allowed = allowHttp ? 'http: or https:' : 'https:';
  throw new OutboundRequestError('scheme', `refusing ${target.protocol} URL for ${host || '(no host)'}: only ${allowed} is allowed`, { host });
}

/** Builds the one fetch that Herald uses for every user-supplied URL. */
export function createGuardedFetch(options: GuardedFetchOptions = {}): GuardedFetch {
  return createPooledGuardedFetch(options).fetch;
}

const DEFAULT_MAX_SOCKETS_PER_ORIGIN = 16;
const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/** Socket errors that mean a pooled connection was closed by the peer while we were reusing it. */
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);

/**
 * The guarded fetch plus a handle on its connection pool. Without `keepAlive` there is no pool
 * (one connection per request) and `close` does nothing.
 */
export function createPooledGuardedFetch(options: GuardedFetchOptions = {}): PooledGuardedFetch {
  const allowHttp = options.allowHttp ?? false;
  const allowedHosts = options.allowedHosts ?? [];
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const userAgent = options.userAgent ?? 'Herald';
  const lookup = createGuardedLookup({ allowedHosts });
  // One context for every connection: building it parses the whole root store, far too slow per socket.
  const secureContext: SecureContext | undefined =
    options.ca === undefined ? undefined : createSecureContext({ ca: [...rootCertificates, options.ca.toString()] });
  const pool = options.keepAlive;
  const agentOptions = pool && {
    keepAlive: true,
    maxSockets: pool.maxSocketsPerOrigin ?? DEFAULT_MAX_SOCKETS_PER_ORIGIN,
    maxFreeSockets: pool.maxSocketsPerOrigin ?? DEFAULT_MAX_SOCKETS_PER_ORIGIN,
    timeout: pool.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    scheduling: 'lifo' as const,
  };
  const httpAgent = agentOptions ? new http.Agent(agentOptions) : undefined;
  const httpsAgent = agentOptions ? new https.Agent(agentOptions) : undefined;

  const fetch: GuardedFetch = (url, init = {}) =>
    new Promise<GuardedResponse>((resolve, reject) => {
      const target = parseTarget(url, allowHttp);
      // WHATWG URL has already turned `0x7f.1` and friends into dotted quads; only brackets remain.
      const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
      // Node connects to IP literals without calling `lookup`, so they are judged here.
      if (isIpLiteral(host) && !hostAllowed(host, allowedHosts)) {
        const verdict = isForbiddenAddress(host);
        if (verdict.forbidden) throw forbiddenError(host, host, verdict.reason);
      }

      const headers: Record<string, string> = { ...init.headers };
      if (!Object.keys(headers).some((name) => name.toLowerCase() === 'user-agent')) headers['user-agent'] = userAgent;
      const body = typeof init.body === 'string' ? Buffer.from(init.body) : init.body;
      if (body) headers['content-length'] = String(body.length);
      const isHttps = target.protocol === 'https:';

      let settled = false;
      let req: http.ClientRequest | undefined;
      const fail = (err: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req?.destroy();
        reject(
          err instanceof OutboundRequestError
            ? err
            : isTlsError(err)
              ? new OutboundRequestError('tls', tlsFailure(err), { host, cause: err })
              : new OutboundRequestError('network', `request to ${host} failed: ${(err as Error).message}`, { host, cause: err }),
        );
      };
      const tooLarge = (size: string): void =>
        fail(new OutboundRequestError('too_large', `response from ${host} is larger than ${maxBytes} bytes (${size})`, { host }));
      const timer = setTimeout(
        () => fail(new OutboundRequestError('timeout', `request to ${host} took longer than ${timeoutMs} ms`, { host })),
        timeoutMs,
      );

      const send = (isRetry: boolean): void => {
        let answered = false;
        let current: http.ClientRequest;
        try {
          current = req = (isHttps ? https : http).request({
            protocol: target.protocol,
            hostname: host,
            port: target.port === '' ? undefined : Number(target.port),
            path: `${target.pathname}${target.search}`,
            method: init.method ?? 'GET',
            headers,
            auth: target.username ? `${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}` : undefined,
            lookup,
            // Without a pool, a fresh connection per request.
            agent: (isHttps ? httpsAgent : httpAgent) ?? false,
            ...(isHttps && secureContext ? { secureContext } : {}),
          });
        } catch (err) {
          fail(err);
          return;
        }

        current.on('error', (err: NodeJS.ErrnoException) => {
          // A pooled connection the peer closed just as we reused it: the request never reached
          // the server, so sending it once more on a fresh connection is safe.
          if (!answered && !isRetry && !settled && current.reusedSocket && STALE_SOCKET_CODES.has(err.code ?? '')) {
            send(true);
            return;
          }
          fail(err);
        });
        current.on('response', (res) => {
          answered = true;
          const declared = Number(res.headers['content-length']);
          if (declared > maxBytes) {
            tooLarge(`declared ${declared}`);
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) tooLarge(`at least ${size}`);
            else chunks.push(chunk);
          });
          res.on('error', fail);
          res.on('close', () => {
            if (!res.complete) fail(new OutboundRequestError('network', `response from ${host} ended early`, { host }));
          });
          res.on('end', () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, headers: flattenHeaders(res.headers), body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
          });
        });
        current.end(body);
      };
      send(false);
    });

  return {
    fetch,
    close() {
      httpAgent?.destroy();
      httpsAgent?.destroy();
    },
  };
}
