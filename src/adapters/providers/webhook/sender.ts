import type { Outcome } from '../../../ports/provider.js';
import type { WebhookMessage, WebhookSender } from '../../../ports/notify-channels.js';
import { createOutboundClient, type OutboundResponse } from '../../net/outbound-client.js';
import { isOutboundRequestError } from '../../net/outbound-error.js';
import { DestinationWarnings, destinationOf } from '../../net/destination-warnings.js';
import { silentLogger, type Logger } from '../../../ports/logger.js';
import { webhookFailureOutcome, webhookOutcome } from './outcomes.js';
import { createWebhookSigner, isWebhookId } from './signature.js';

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
export const DEFAULT_WEBHOOK_USER_AGENT = 'Herald-Webhooks';
/** Receivers answer with a status; their body is not read, so a small cap is plenty. */
const MAX_ANSWER_BYTES = 64 * 1024;

export interface WebhookGuardOptions {
  /** Permit plain http: endpoints. Off by default. */
  allowHttp?: boolean;
  /** Hosts, IPs or CIDRs reachable even though they are private (an internal receiver, tests). */
  allowedHosts?: readonly string[];
  /** Extra CA certificates (PEM) trusted for https endpoints. */
  ca?: string;
}

export interface WebhookSenderOptions {
  /** `whsec_<base64>` secrets; all of them sign (rotation: add the new one, later drop the old). */
  secrets: readonly string[];
  /** Endpoints are user-supplied URLs: every request goes through the SSRF guard. */
  guard?: WebhookGuardOptions;
  /** Whole exchange, DNS to last byte. Default 10 s. */
  timeoutMs?: number;
  userAgent?: string;
  /** Open connections per endpoint origin. Default 16. */
  maxSocketsPerOrigin?: number;
  /** Where the first failure to reach an endpoint is reported (once per origin until it works again). */
  logger?: Logger;
}

/**
 * Signed webhooks (Standard Webhooks): POST the JSON body with `webhook-id`,
 * `webhook-timestamp` and `webhook-signature`, through the outbound client with the SSRF guard
 * on, over keep-alive connections.
 * Redirects are not followed. The answer's status maps to an outcome through outcomes.ts.
 */
export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  // Throws on a malformed secret: a configuration error, reported at start, never per message.
  const sign = createWebhookSigner(options.secrets);
  const guard = options.guard ?? {};
  const client = createOutboundClient({
    destinations: 'user',
    allowHttp: guard.allowHttp ?? false,
    allowedHosts: guard.allowedHosts ?? [],
    ...(guard.ca !== undefined ? { ca: guard.ca } : {}),
    timeoutMs: options.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS,
    maxResponseBytes: MAX_ANSWER_BYTES,
    userAgent: options.userAgent ?? DEFAULT_WEBHOOK_USER_AGENT,
    connectionsPerOrigin: options.maxSocketsPerOrigin ?? 16,
  });
  const warnings = new DestinationWarnings(options.logger ?? silentLogger);
  let closed = false;

  return {
    async send(message: WebhookMessage): Promise<Outcome> {
      if (closed) return { kind: 'retry', reason: 'closed' };
      if (!isWebhookId(message.id)) return { kind: 'rejected', reason: 'invalid_id' };
      if (!Number.isSafeInteger(message.timestamp) || message.timestamp < 0) return { kind: 'rejected', reason: 'invalid_timestamp' };

      let answer: OutboundResponse;
      try {
        answer = await client.request(message.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'webhook-id': message.id,
            'webhook-timestamp': String(message.timestamp),
            'webhook-signature': sign(message.id, message.timestamp, message.body),
          },
          body: message.body,
        });
      } catch (err) {
        if (closed) return { kind: 'retry', reason: 'closed' };
        if (!isOutboundRequestError(err)) return { kind: 'retry', reason: 'network' };
        warnings.failed(destinationOf(message.url), { reason: err.reason, err: err.message }, 'webhook: endpoint unreachable');
        return webhookFailureOutcome(err.reason, err.message);
      }
      warnings.succeeded(destinationOf(message.url));
      return webhookOutcome({ status: answer.status, retryAfter: answer.headers['retry-after'] });
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await client.close();
    },
  };
}
