import { createOutboundClient, type OutboundClient } from '../../net/outbound-client.js';
import { OutboundRequestError } from '../../net/outbound-error.js';

/** One answer from Huawei: the HTTP status, the body parsed as JSON when it is JSON, and Retry-After. */
export interface HmsHttpAnswer {
  status: number;
  body: unknown;
  retryAfter: string | undefined;
}

/** Why no answer came back; every one of these is worth another try later. */
export class HmsTransportError extends Error {
  override readonly name = 'HmsTransportError';
  constructor(
    readonly reason: 'timeout' | 'network' | 'closed',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface HmsHttpsClientOptions {
  /** Extra CA certificates (PEM) trusted besides the well-known roots, e.g. a private relay's. */
  ca?: string | undefined;
  /** Open connections at most; more requests wait for a free one. */
  maxSockets: number;
  timeoutMs: number;
}

/** Huawei answers are a few hundred bytes; a megabyte is not one. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * Push Kit's side of the outbound client: keep-alive connections reused across requests, so a
 * burst of sends costs one TLS handshake per connection rather than one per request. The
 * endpoints come from configuration, so the SSRF guard does not apply.
 */
export class HmsHttpsClient {
  readonly #client: OutboundClient;

  constructor(options: HmsHttpsClientOptions) {
    this.#client = createOutboundClient({
      destinations: 'operator',
      // The send URL is checked to be https by the sender; the token URL is taken as configured.
      allowHttp: true,
      connectionsPerOrigin: options.maxSockets,
      timeoutMs: options.timeoutMs,
      maxResponseBytes: MAX_ANSWER_BYTES,
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
    });
  }

  /** The client underneath, for the OAuth token requests that go with the sends. */
  get outbound(): OutboundClient {
    return this.#client;
  }

  async postJson(url: URL, headers: Record<string, string>, body: string): Promise<HmsHttpAnswer> {
    if (this.#client.closed) throw new HmsTransportError('closed', 'the HMS sender is closed');
    try {
      const res = await this.#client.request(url, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json; charset=UTF-8' },
        body,
      });
      return { status: res.status, body: parseBody(res.body.toString('utf8')), retryAfter: res.headers['retry-after'] };
    } catch (err) {
      if (this.#client.closed) throw new HmsTransportError('closed', 'the HMS sender is closed', { cause: err });
      if (err instanceof OutboundRequestError && err.reason === 'timeout') throw new HmsTransportError('timeout', `HMS did not answer: ${err.message}`, { cause: err });
      throw new HmsTransportError('network', `HMS request failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  /** Ends pooled connections; requests in flight fail with reason `closed`. Idempotent. */
  close(): void {
    void this.#client.close();
  }
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
