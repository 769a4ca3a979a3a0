import { createHash } from 'node:crypto';
import type { Logger } from '../../ports/logger.js';
import { FailureLog } from '../../util/failure-log.js';

export interface PollRequestForwarderOptions {
  /** The upstream server, e.g. https://ntfy.sh, without a trailing slash. */
  upstreamBaseUrl: string;
  /** This server's public base URL, without a trailing slash: the app subscribed to topics under it. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer` when not empty. */
  accessToken: string;
  /** How long one request may take before it is abandoned. */
  timeoutMs: number;
  /** Requests in flight at most; a message arriving beyond that is not forwarded (and the drop is logged). */
  maxInFlight: number;
  logger: Logger;
}

/**
 * ntfy's iOS app cannot be woken by a self-hosted server: Apple's push service only takes pushes
 * from the app's publisher. So for each message, a server with `upstream-base-url` publishes a
 * `poll_request` to the upstream server (ntfy.sh), on the topic named by the SHA-256 of the
 * message's topic URL; the app subscribed to that topic upstream, is woken by it and fetches the
 * message from this server by its id. The upstream sees neither the topic's name nor the message.
 *
 * Forwarding is best effort and never holds a publish up: requests run in the background, with a
 * timeout and a cap on how many are in flight, and failures are logged, at most one line every
 * half minute while they last.
 */
export class PollRequestForwarder {
  readonly #options: PollRequestForwarderOptions;
  readonly #failures: FailureLog;
  readonly #inFlight = new Set<Promise<void>>();
  #closed = false;

  constructor(options: PollRequestForwarderOptions) {
    this.#options = options;
    this.#failures = new FailureLog(
      // A failing upstream degrades iOS notifications but breaks nothing here: a warning, not an error.
      { info: (obj, msg) => options.logger.info(obj, msg), error: (obj, msg) => options.logger.warn(obj, msg) },
      'poll request to the upstream server failed',
    );
  }

  /** The upstream URL a topic's poll requests are published to. */
  urlFor(topic: string): string {
    const hash = createHash('sha256').update(`${this.#options.baseUrl}/${topic}`).digest('hex');
    return `${this.#options.upstreamBaseUrl}/${hash}`;
  }

  /** Starts forwarding one message's poll request and returns at once. */
  forward(topic: string, messageId: string): void {
    if (this.#closed) return;
    if (this.#inFlight.size >= this.#options.maxInFlight) {
      this.#failures.failed(new Error(`${this.#options.maxInFlight} poll requests already in flight; this one is dropped`), { topic, id: messageId });
      return;
    }
    const request = this.#send(topic, messageId).finally(() => this.#inFlight.delete(request));
    this.#inFlight.add(request);
  }

  /** Stops forwarding and waits for the requests in flight, which end by their timeout at the latest. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#inFlight]);
  }

  async #send(topic: string, messageId: string): Promise<void> {
    const { accessToken, timeoutMs, upstreamBaseUrl } = this.#options;
    const headers: Record<string, string> = { 'user-agent': 'Herald', 'x-poll-id': messageId };
    if (accessToken !== '') headers.authorization = `Bearer ${accessToken}`;
    try {
      const response = await fetch(this.urlFor(topic), { method: 'POST', headers, body: '', signal: AbortSignal.timeout(timeoutMs) });
      // The answer is a message as JSON, of no use here; reading it frees the connection.
      await response.arrayBuffer().catch(() => undefined);
      if (response.status !== 200) {
        const why = response.status === 429
          ? 'rate limited: send fewer messages, or set upstream-access-token to an account with higher limits'
          : `HTTP ${response.status}`;
        this.#failures.failed(new Error(`${upstreamBaseUrl} answered ${why}`), { topic, id: messageId, status: response.status });
        return;
      }
      this.#failures.succeeded();
    } catch (err) {
      this.#failures.failed(err, { topic, id: messageId, upstream: upstreamBaseUrl });
    }
  }
}
