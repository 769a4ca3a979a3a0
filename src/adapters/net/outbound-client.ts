import type { Socket } from 'node:net';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { isIpLiteral } from '../../util/ip-ranges.js';
import { OutboundRequestError } from './outbound-error.js';
import { createGuardedLookup, refusalFor, type AddressResolver } from './ssrf-guard.js';
import { isTlsError, tlsFailure } from './tls-errors.js';

/**
 * Who chose the URLs a client requests, which decides whether the SSRF guard applies:
 * - `user`: a subscriber or API caller (webhook endpoints, Web Push subscriptions). No private,
 *   loopback, link-local or metadata address is reached, unless allow-listed.
 * - `operator`: Herald's own configuration (Twilio, HMS, OAuth token URIs). Reached as
 *   configured, internal gateways and test mocks included.
 */
export type DestinationPolicy = 'user' | 'operator';

export interface OutboundClientOptions {
  destinations: DestinationPolicy;
  /** Permit plain `http:` URLs. Off by default. */
  allowHttp?: boolean;
  /**
   * For `user` destinations: host names, IPs or CIDRs always allowed, even when they are or
   * resolve to a forbidden address (tests, an internal webhook receiver). Host names match
   * exactly, ignoring case and a trailing dot.
   */
  allowedHosts?: readonly string[];
  /** Extra CA certificates (PEM) trusted for https on top of the well-known roots (the `*-ca-file` keys). */
  ca?: string | Buffer;
  /** Limit on the whole exchange, DNS to last body byte. Default 10 s. */
  timeoutMs?: number;
  /** Larger response bodies fail with `too_large`. Default 1 MiB. */
  maxResponseBytes?: number;
  /** Sent unless the request carries its own `User-Agent`. Default `Herald`. */
  userAgent?: string;
  /**
   * Open connections per origin at most; further requests wait for a free one. Default 16.
   * 0 opens a fresh connection for every request and closes it after.
   */
  connectionsPerOrigin?: number;
  /**
   * An idle connection is closed after this long, or sooner if the server says so (Keep-Alive:
   * timeout). Default 4 s: shorter than common server idle limits, so a request is rarely sent
   * down a connection the server is closing at that moment (a POST lost that way is not resent).
   */
  idleTimeoutMs?: number;
  /** Stands in for DNS (tests). */
  resolve?: AddressResolver;
}

export interface OutboundRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

export interface OutboundResponse {
  status: number;
  /** Lower-cased names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Herald's one HTTP/1.1 client for the outside world (APNs and FCM sends have their HTTP/2
 * session pool). Redirects are never followed: a 3xx comes back as a response, since following
 * it would let a harmless first hop point at an internal one. Every failure is an
 * {@link OutboundRequestError}.
 */
export interface OutboundClient {
  request(url: string | URL, init?: OutboundRequest): Promise<OutboundResponse>;
  /** Ends every connection; requests in flight fail with `network`. Idempotent. */
  close(): Promise<void>;
  readonly closed: boolean;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
const DEFAULT_CONNECTIONS_PER_ORIGIN = 16;
const DEFAULT_IDLE_TIMEOUT_MS = 4_000;

/** undici's own timeouts (connect, headers, body); the client's overall limit usually comes first. */
const UNDICI_TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export function createOutboundClient(options: OutboundClientOptions): OutboundClient {
  const guarded = options.destinations === 'user';
  const allowHttp = options.allowHttp ?? false;
  const allowedHosts = options.allowedHosts ?? [];
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const userAgent = options.userAgent ?? 'Herald';
  const connections = options.connectionsPerOrigin ?? DEFAULT_CONNECTIONS_PER_ORIGIN;
  // One context for every connection: building it parses the whole root store, far too slow per socket.
  const secureContext: SecureContext | undefined =
    options.ca === undefined ? undefined : createSecureContext({ ca: [...rootCertificates, options.ca.toString()] });

  const connector = buildConnector({
    timeout: timeoutMs,
    ...(secureContext ? { secureContext } : {}),
    ...(guarded ? { lookup: createGuardedLookup({ allowedHosts, ...(options.resolve ? { resolve: options.resolve } : {}) }) } : {}),
  });
  const agent = new Agent({
    connect: guarded ? guardConnector(connector, allowedHosts) : connector,
    // pipelining 0 is undici's "no keep-alive": a connection per request.
    ...(connections > 0 ? { connections } : { pipelining: 0 }),
    keepAliveTimeout: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  let closed = false;

  async function request(url: string | URL, init: OutboundRequest = {}): Promise<OutboundResponse> {
    const target = parseTarget(url, allowHttp);
    // WHATWG URL has already turned `0x7f.1` and friends into dotted quads; only brackets remain.
    const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
    // Refused here, before undici queues anything; the connect hook judges them again.
    if (guarded && isIpLiteral(host)) {
      const refusal = refusalFor(host, host, allowedHosts);
      if (refusal) throw refusal;
    }
    if (closed) throw new OutboundRequestError('network', `request to ${host} failed: the client is closed`, { host });

    const headers: Record<string, string> = { ...init.headers };
    const names = Object.keys(headers).map((name) => name.toLowerCase());
    if (!names.includes('user-agent')) headers['user-agent'] = userAgent;
    if (target.username !== '' && !names.includes('authorization')) {
      headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString('base64')}`;
    }

    const abort = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, timeoutMs);
    const failure = (err: unknown): OutboundRequestError =>
      timedOut ? new OutboundRequestError('timeout', `request to ${host} took longer than ${timeoutMs} ms`, { host }) : classify(err, host, timeoutMs);

    try {
      let answer: Dispatcher.ResponseData;
      try {
        answer = await agent.request({
          origin: target.origin,
          path: `${target.pathname}${target.search}`,
          method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
          headers,
          body: init.body ?? null,
          signal: abort.signal,
        });
      } catch (err) {
        throw failure(err);
      }
      const declared = Number(answer.headers['content-length']);
      if (declared > maxBytes) {
        answer.body.destroy();
        throw tooLarge(host, maxBytes, `declared ${declared}`);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of answer.body as AsyncIterable<Buffer>) {
          size += chunk.length;
          if (size > maxBytes) {
            answer.body.destroy();
            throw tooLarge(host, maxBytes, `at least ${size}`);
          }
          chunks.push(chunk);
        }
      } catch (err) {
        throw err instanceof OutboundRequestError ? err : failure(err);
      }
      // undici hands a finished connection back to its pool on the next turn of the event loop
      // (setImmediate); a request made before that would open a second connection instead.
      await new Promise<void>((resolve) => setImmediate(resolve));
      return { status: answer.statusCode, headers: flattenHeaders(answer.headers), body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    request,
    get closed() {
      return closed;
    },
    async close() {
      if (closed) return;
      closed = true;
      await agent.destroy().catch(() => undefined);
    },
  };
}

/**
 * Judges the address a socket actually connected to, after the guarded lookup judged the ones
 * DNS gave: IP literals never go through a lookup, and this holds whatever path Node took.
 */
export function guardConnector(connect: buildConnector.connector, allowedHosts: readonly string[]): buildConnector.connector {
  return (options, callback) => {
    const host = options.hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIpLiteral(host)) {
      const refusal = refusalFor(host, host, allowedHosts);
      if (refusal) {
        callback(refusal, null);
        return;
      }
    }
    connect(options, (...args) => {
      const [err, socket] = args;
      if (err) {
        callback(err, null);
        return;
      }
      const address = (socket as Socket).remoteAddress;
      const refusal = address === undefined ? undefined : refusalFor(host, address, allowedHosts);
      if (refusal) {
        socket.destroy();
        callback(refusal, null);
        return;
      }
      callback(null, socket);
    });
  };
}

function parseTarget(url: string | URL, allowHttp: boolean): URL {
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

function classify(err: unknown, host: string, timeoutMs: number): OutboundRequestError {
  if (err instanceof OutboundRequestError) return err;
  if (isTlsError(err)) return new OutboundRequestError('tls', tlsFailure(err), { host, cause: err });
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  if (UNDICI_TIMEOUTS.has(code)) return new OutboundRequestError('timeout', `request to ${host} took longer than ${timeoutMs} ms`, { host, cause: err });
  const message = err instanceof Error ? err.message : String(err);
  return new OutboundRequestError('network', `request to ${host} failed: ${message}`, { host, cause: err });
}

function tooLarge(host: string, maxBytes: number, size: string): OutboundRequestError {
  return new OutboundRequestError('too_large', `response from ${host} is larger than ${maxBytes} bytes (${size})`, { host });
}

function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}
