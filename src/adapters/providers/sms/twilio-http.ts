import http from 'node:http';
import https from 'node:https';
import { createSecureContext, rootCertificates } from 'node:tls';
import type { TwilioTransportFailure } from './outcomes.js';

/** What one form POST to a Twilio API answered. */
export interface TwilioAnswer {
  status: number;
  /** Parsed JSON body (a resource, or `{code, message, more_info, status}`); the raw text if it is not JSON. */
  body?: unknown;
  /** Raw Retry-After header, if any. */
  retryAfter?: string;
}

export interface TwilioHttpOptions {
  accountSid: string;
  authToken: string;
  /** Per request, connect to last byte. Default 15 s. */
  timeoutMs?: number;
  /** Extra CA certificates (PEM) trusted besides the well-known roots, e.g. a private gateway's. */
  ca?: string;
  /** Open connections per host at most; more requests wait for a free one. Default 16. */
  maxSockets?: number;
}

/** A request that got no complete answer; `reason` says why, and never holds the credentials. */
export class TwilioTransportError extends Error {
  override readonly name = 'TwilioTransportError';
  constructor(readonly reason: TwilioTransportFailure) {
    super(reason);
  }
}

/** The form-POST side of Twilio's REST APIs (Messages, Calls, Verify): one account, Basic auth, keep-alive. */
export interface TwilioHttp {
  /** POSTs the form; rejects with a TwilioTransportError when no complete answer arrives. */
  post(url: URL, form: URLSearchParams): Promise<TwilioAnswer>;
  close(): Promise<void>;
}

/** Gateway answers are a few kilobytes; a megabyte is not one. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * Checks an operator-configured base URL and builds the endpoint under it. `what` names the key
 * in errors. Plain http is refused unless allowed (tests, a gateway on a trusted network), and
 * credentials in the URL are refused: they belong in the account SID and token.
 */
export function twilioEndpoint(base: string, path: string, what: string, allowHttp = false): URL {
  let url: URL;
  try {
    url = new URL(`${base.replace(/\/+$/, '')}${path}`);
  } catch {
    throw new Error(`${what}: the base URL is not a valid URL`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowHttp)) {
    throw new Error(`${what}: the base URL must be https${allowHttp ? ' or http' : ''}, got ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '') throw new Error(`${what}: put the credentials in the account SID and auth token, not in the base URL`);
  return url;
}

/**
 * One account's client for Twilio's form APIs. The SMS sender and the voice and Verify clients
 * share it, so they share its connections and its handling of timeouts and oversized answers.
 */
export function createTwilioHttp(options: TwilioHttpOptions): TwilioHttp {
  if (options.accountSid === '') throw new Error('twilio: the account SID is required');
  if (options.authToken === '') throw new Error('twilio: the auth token is required');
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxSockets = options.maxSockets ?? 16;
  const agentOptions = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo' as const };
  const httpsAgent = new https.Agent({
    ...agentOptions,
    // Built once: parsing the root store per connection would be slow.
    ...(options.ca !== undefined ? { secureContext: createSecureContext({ ca: [...rootCertificates, options.ca] }) } : {}),
  });
  const httpAgent = new http.Agent(agentOptions);
  // Computed once and kept out of every message and error this module produces.
  const authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
  let closed = false;

  function post(url: URL, form: URLSearchParams): Promise<TwilioAnswer> {
    if (closed) return Promise.reject(new TwilioTransportError('closed'));
    const isHttps = url.protocol === 'https:';
    const payload = Buffer.from(form.toString());
    return new Promise<TwilioAnswer>((resolve, reject) => {
      let done = false;
      const fail = (reason: TwilioTransportFailure): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        req.destroy();
        reject(new TwilioTransportError(reason));
      };
      const timer = setTimeout(() => fail('timeout'), timeoutMs);
      const req = (isHttps ? https : http).request(url, {
        method: 'POST',
        agent: isHttps ? httpsAgent : httpAgent,
        headers: {
          authorization,
          accept: 'application/json',
          'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
          'content-length': String(payload.length),
          'user-agent': 'Herald',
        },
      });
      // The error itself may name the host, never the credentials; it is dropped anyway, only
      // its class survives as the reason.
      req.on('error', () => fail(closed ? 'closed' : 'network'));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) fail('network');
          else chunks.push(chunk);
        });
        res.on('error', () => fail('network'));
        res.on('close', () => {
          if (!res.complete) fail('network');
        });
        res.on('end', () => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          const retryAfter = res.headers['retry-after'];
          const body = parseBody(Buffer.concat(chunks).toString('utf8'));
          resolve({ status: res.statusCode ?? 0, ...(body !== undefined ? { body } : {}), ...(retryAfter !== undefined ? { retryAfter } : {}) });
        });
      });
      req.end(payload);
    });
  }

  return {
    post,
    async close() {
      if (closed) return;
      closed = true;
      httpsAgent.destroy();
      httpAgent.destroy();
    },
  };
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
