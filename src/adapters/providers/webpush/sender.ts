import { createOutboundClient, type OutboundResponse } from '../../net/outbound-client.js';
import { OutboundRequestError } from '../../net/outbound-error.js';
import { DestinationWarnings } from '../../net/destination-warnings.js';
import type { Clock } from '../../../ports/clock.js';
import { silentLogger, type Logger } from '../../../ports/logger.js';
import type { Outcome } from '../../../ports/provider.js';
import { SEND_ABORTED, type EncodedPush, type ProviderRequestPreview, type PushContent, type PushSender, type PushTarget } from '../../../ports/push-sender.js';
import { encryptPayload } from './encryption.js';
import { endpointMatcher } from './endpoint-allowlist.js';
import { WebPushError } from './errors.js';
import { pushHeaders } from './headers.js';
import { webPushOutcome } from './outcomes.js';
import { WebPushEncodedPush, encodeWebPush, webPushTtlSeconds } from './payload.js';
import { createVapidSigner } from './vapid.js';

export { DEFAULT_WEB_PUSH_ENDPOINTS } from './endpoint-allowlist.js';

/** Four weeks, the longest FCM and Mozilla keep a message for an offline browser. */
export const DEFAULT_WEB_PUSH_TTL_SECONDS = 28 * 24 * 3600;

export interface WebPushSenderOptions {
  app: string;
  vapid: { publicKey: string; privateKey: string; subject: string };
  outbound: {
    /** Permit http:// endpoints (tests); https only otherwise. */
    allowHttp?: boolean;
    /** Private hosts/IPs/CIDRs the SSRF guard lets through (a test mock on 127.0.0.1). */
    allowedHosts?: string[];
    /** Push services endpoints may point at: DEFAULT_WEB_PUSH_ENDPOINTS plus what config adds. */
    endpointAllowlist: readonly string[];
    /** Extra CA (PEM) for https push services, e.g. a private relay's or a test mock's. */
    ca?: string;
  };
  /** One push, connect to last byte. Default 10 s. */
  requestTimeoutMs?: number;
  /** TTL when neither the push nor its expiry says. Default 4 weeks. */
  defaultTtlSeconds?: number;
  /** Pushes in flight per `send` call. Default 64. */
  concurrency?: number;
  /** Keep-alive connections per push-service origin. Default 32. */
  maxSocketsPerOrigin?: number;
  clock: Clock;
  logger?: Logger;
}

/**
 * Transport failures a later attempt may get past; the rest are about the endpoint itself. A TLS
 * failure is retried too: it is usually a CA the operator has yet to configure (web-push-ca-file),
 * and its deliveries then wait in the dead letters for a replay instead of failing for good.
 */
const TRANSIENT = new Set(['timeout', 'network', 'dns', 'too_large', 'tls']);

/**
 * A VAPID key pair sending RFC 8030 pushes: each target's payload encrypted for its subscription
 * (RFC 8291), signed with a VAPID JWT cached per push-service origin (RFC 8292), posted through
 * the SSRF guard over keep-alive connections, and the answer mapped by the Web Push outcome table.
 */
export function createWebPushSender(options: WebPushSenderOptions): PushSender {
  const { clock } = options;
  const logger = options.logger ?? silentLogger;
  const signer = createVapidSigner({ ...options.vapid, clock });
  const allowed = endpointMatcher(options.outbound.endpointAllowlist);
  const defaultTtl = options.defaultTtlSeconds ?? DEFAULT_WEB_PUSH_TTL_SECONDS;
  const concurrency = Math.max(1, options.concurrency ?? 64);
  const pool = createOutboundClient({
    destinations: 'user',
    allowHttp: options.outbound.allowHttp ?? false,
    allowedHosts: options.outbound.allowedHosts ?? [],
    timeoutMs: options.requestTimeoutMs ?? 10_000,
    // Push services answer with an empty body or a short error; nothing needs more.
    maxResponseBytes: 64 * 1024,
    connectionsPerOrigin: options.maxSocketsPerOrigin ?? 32,
    ...(options.outbound.ca !== undefined ? { ca: options.outbound.ca } : {}),
  });
  const warnings = new DestinationWarnings(logger);
  let closed = false;

  async function sendOne(push: WebPushEncodedPush, target: PushTarget, ttlSeconds: number): Promise<Outcome> {
    if (closed) return { kind: 'retry', reason: 'closed' };
    if (target.keys === null) return { kind: 'invalid_token', reason: 'subscription_keys_missing' };
    let endpoint: URL;
    try {
      endpoint = new URL(target.token);
    } catch {
      return { kind: 'invalid_token', reason: 'endpoint_not_a_url' };
    }
    if (!allowed(endpoint)) return { kind: 'rejected', reason: `endpoint_not_allowed: ${endpoint.host} is not a known push service` };

    let headers: Record<string, string>;
    let body: Buffer;
    try {
      headers = pushHeaders({ ttlSeconds, urgency: push.urgency, topic: push.topic, vapidAuthorization: signer.authorization(target.token) });
      body = encryptPayload(push.plaintext, target.keys);
    } catch (err) {
      // Keys that are not a P-256 point or a 16-byte secret can never be encrypted to.
      if (err instanceof WebPushError) return { kind: 'invalid_token', reason: `subscription_${err.reason}` };
      logger.error({ app: options.app, err }, 'webpush: could not build the request');
      return { kind: 'rejected', reason: 'encode_failed' };
    }

    let res: OutboundResponse;
    try {
      res = await pool.request(target.token, { method: 'POST', headers, body });
    } catch (err) {
      if (err instanceof OutboundRequestError) {
        if (closed) return { kind: 'retry', reason: 'closed' };
        warnings.failed(endpoint.origin, { app: options.app, reason: err.reason, err: err.message }, 'webpush: push service unreachable');
        // A TLS failure is named (its message says what is wrong with the certificate); the others say enough by their reason.
        if (TRANSIENT.has(err.reason)) return { kind: 'retry', reason: err.reason === 'tls' ? err.message : err.reason };
        return { kind: 'rejected', reason: `${err.reason}: ${err.message}` };
      }
      logger.error({ app: options.app, err }, 'webpush: unexpected send failure');
      return { kind: 'retry', reason: 'internal' };
    }
    warnings.succeeded(endpoint.origin);
    // Redirects are never followed: a harmless first hop could point at an internal one.
    if (res.status >= 300 && res.status < 400) return { kind: 'rejected', status: res.status, reason: 'redirect_not_followed' };
    const outcome = webPushOutcome(res.status, res.headers['retry-after'], clock.now());
    const location = res.headers.location;
    return outcome.kind === 'ok' && location ? { kind: 'ok', providerId: location } : outcome;
  }

  return {
    provider: 'webpush',
    app: options.app,

    encode(content: PushContent): EncodedPush {
      return encodeWebPush(content);
    },

    preview(push: EncodedPush, _token: string, now: number): ProviderRequestPreview {
      if (!(push instanceof WebPushEncodedPush)) throw new TypeError('webpush: preview() takes a push encoded by a Web Push sender');
      const headers: Record<string, string> = { TTL: String(webPushTtlSeconds(push, now, defaultTtl)), Urgency: push.urgency };
      if (push.topic !== undefined) headers.Topic = push.topic;
      return {
        headers,
        body: JSON.parse(push.plaintext.toString('utf8')),
        note: 'what the service worker reads; it is encrypted (aes128gcm) for each subscription before it is sent',
      };
    },

    async send(push: EncodedPush, targets: readonly PushTarget[], signal?: AbortSignal): Promise<Outcome[]> {
      if (!(push instanceof WebPushEncodedPush)) return targets.map(() => ({ kind: 'rejected', reason: 'not_a_webpush_push' }));
      const ttlSeconds = webPushTtlSeconds(push, clock.now(), defaultTtl);
      const outcomes = new Array<Outcome>(targets.length);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < targets.length) {
          const i = next++;
          // Checked per request: a send stopped (cancelled, expired, shutting down) starts nothing more.
          outcomes[i] = signal?.aborted ? { kind: 'retry', reason: SEND_ABORTED } : await sendOne(push, targets[i]!, ttlSeconds);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
      return outcomes;
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await pool.close();
    },
  };
}
