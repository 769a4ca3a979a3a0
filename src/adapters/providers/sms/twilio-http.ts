import { createOutboundClient, type OutboundResponse } from '../../net/outbound-client.js';
import { OutboundRequestError } from '../../net/outbound-error.js';
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
 * The base URLs come from configuration, so the SSRF guard does not apply; whether http is
 * allowed was decided when each endpoint was built (twilioEndpoint).
 */
export function createTwilioHttp(options: TwilioHttpOptions): TwilioHttp {
  if (options.accountSid === '') throw new Error('twilio: the account SID is required');
  if (options.authToken === '') throw new Error('twilio: the auth token is required');
  const client = createOutboundClient({
    destinations: 'operator',
    allowHttp: true,
    timeoutMs: options.timeoutMs ?? 15_000,
    connectionsPerOrigin: options.maxSockets ?? 16,
    maxResponseBytes: MAX_ANSWER_BYTES,
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
  });
  // Computed once and kept out of every message and error this module produces.
  const authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;

  async function post(url: URL, form: URLSearchParams): Promise<TwilioAnswer> {
    if (client.closed) throw new TwilioTransportError('closed');
    let res: OutboundResponse;
    try {
      res = await client.request(url, {
        method: 'POST',
        headers: { authorization, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: form.toString(),
      });
    } catch (err) {
      // The error may name the host, never the credentials; it is dropped anyway, only its
      // class survives as the reason.
      throw new TwilioTransportError(client.closed ? 'closed' : err instanceof OutboundRequestError && err.reason === 'timeout' ? 'timeout' : 'network');
    }
    const retryAfter = res.headers['retry-after'];
    const body = parseBody(res.body.toString('utf8'));
    return { status: res.status, ...(body !== undefined ? { body } : {}), ...(retryAfter !== undefined ? { retryAfter } : {}) };
  }

  return { post, close: () => client.close() };
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
