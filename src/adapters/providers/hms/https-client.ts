import { Agent, request } from 'node:https';
import { createSecureContext, rootCertificates } from 'node:tls';

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
  ca?: string;
  /** Open connections at most; more requests wait for a free one. */
  maxSockets: number;
  timeoutMs: number;
}

/** Huawei answers are a few hundred bytes; a megabyte is not one. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * A keep-alive HTTPS client for Push Kit: a bounded pool of connections reused across requests,
 * so a burst of sends costs one TLS handshake per socket rather than one per request.
 */
export class HmsHttpsClient {
  readonly #agent: Agent;
  readonly #timeoutMs: number;
  #closed = false;

  constructor(options: HmsHttpsClientOptions) {
    this.#timeoutMs = options.timeoutMs;
    this.#agent = new Agent({
      keepAlive: true,
      maxSockets: options.maxSockets,
      maxFreeSockets: options.maxSockets,
      scheduling: 'lifo',
      // The context is built once: parsing the root store per connection would be slow.
      ...(options.ca !== undefined ? { secureContext: createSecureContext({ ca: [...rootCertificates, options.ca] }) } : {}),
    });
  }

  postJson(url: URL, headers: Record<string, string>, body: string): Promise<HmsHttpAnswer> {
    if (this.#closed) return Promise.reject(new HmsTransportError('closed', 'the HMS sender is closed'));
    const payload = Buffer.from(body);
    return new Promise<HmsHttpAnswer>((resolve, reject) => {
      let done = false;
      const fail = (err: HmsTransportError): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        req.destroy();
        reject(err);
      };
      const timer = setTimeout(() => fail(new HmsTransportError('timeout', `HMS did not answer within ${this.#timeoutMs} ms`)), this.#timeoutMs);
      const req = request(url, {
        method: 'POST',
        agent: this.#agent,
        headers: { ...headers, 'content-type': 'application/json; charset=UTF-8', 'content-length': String(payload.length) },
      });
      req.on('error', (err) => fail(new HmsTransportError(this.#closed ? 'closed' : 'network', `HMS request failed: ${err.message}`, { cause: err })));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) fail(new HmsTransportError('network', 'HMS answer is larger than 1 MiB'));
          else chunks.push(chunk);
        });
        res.on('error', (err) => fail(new HmsTransportError('network', `HMS answer failed: ${err.message}`, { cause: err })));
        res.on('close', () => {
          if (!res.complete) fail(new HmsTransportError('network', 'HMS answer ended early'));
        });
        res.on('end', () => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          const retryAfter = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, body: parseBody(text), retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter });
        });
      });
      req.end(payload);
    });
  }

  /** Ends pooled connections; requests in flight fail with reason `closed`. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#agent.destroy();
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
