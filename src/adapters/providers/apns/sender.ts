import { randomUUID } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http2';
import type { Clock } from '../../../ports/clock.js';
import type { Logger } from '../../../ports/logger.js';
import type { Outcome } from '../../../ports/provider.js';
import type { EncodedPush, ProviderRequestPreview, PushContent, PushSender, PushTarget } from '../../../ports/push-sender.js';
import { Http2RequestError, type Http2Response } from '../http2/session-pool.js';
import { PriorityPools } from '../http2/priority-pools.js';
import { apnsOutcome } from './outcomes.js';
import { buildApnsRequest, type ApnsPushType } from './payload.js';
import { ApnsProviderToken } from './provider-token.js';

export type ApnsAuth =
  /** Token auth: the `.p8` key, its 10-character key id and the team id. */
  | { kind: 'token'; keyPem: string; keyId: string; teamId: string; /** JWT reuse, clamped to 20–60 min. */ refreshMs?: number }
  /** Certificate auth: the TLS client certificate Apple issued for the app. */
  | { kind: 'certificate'; certPem: string; keyPem: string; passphrase?: string };

export interface ApnsSenderOptions {
  app: string;
  /** https://api.push.apple.com, https://api.sandbox.push.apple.com, or a relay/mock (a path prefix is kept). */
  baseUrl: string;
  bundleId: string;
  auth: ApnsAuth;
  /** Extra trusted CA (PEM), for a private relay or a test mock. */
  ca?: string;
  /** HTTP/2 connections to spread pushes over; default 1. */
  connections?: number;
  /** Per-request limit; default 30 s. */
  requestTimeoutMs?: number;
  clock: Clock;
  logger?: Logger;
}

/** A push encoded for APNs: the JSON body and the headers every target shares, computed once. */
export class ApnsEncodedPush implements EncodedPush {
  readonly provider = 'apns' as const;
  readonly bytes: number;
  readonly payload: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  readonly pushType: ApnsPushType;

  /** A `high` push: its requests go to the front of the connection's queue. */
  readonly urgent: boolean;

  constructor(payload: Buffer, headers: Readonly<Record<string, string>>, pushType: ApnsPushType, urgent = false) {
    this.urgent = urgent;
    this.payload = payload;
    this.bytes = payload.length;
    this.headers = headers;
    this.pushType = pushType;
  }
}

// Device tokens are hex (validated at registration); anything else would also let a raw token
// rewrite the request path, so it is answered the way APNs answers a bad token, without a request.
const HEX_TOKEN = /^[0-9a-fA-F]+$/;
const BAD_DEVICE_TOKEN: Outcome = Object.freeze({ kind: 'invalid_token', status: 400, reason: 'BadDeviceToken' }) as Outcome;

/** One APNs credential over persistent HTTP/2 connections (providers.md §4.2). */
export function createApnsSender(options: ApnsSenderOptions): PushSender {
  return new ApnsSender(options);
}

class ApnsSender implements PushSender {
  readonly provider = 'apns' as const;
  readonly app: string;
  readonly #bundleId: string;
  readonly #pathPrefix: string;
  readonly #token: ApnsProviderToken | undefined;
  readonly #pool: PriorityPools;
  readonly #clock: Clock;

  constructor(options: ApnsSenderOptions) {
    this.app = options.app;
    this.#bundleId = options.bundleId;
    this.#clock = options.clock;
    const url = new URL(options.baseUrl);
    this.#pathPrefix = `${url.pathname.replace(/\/+$/, '')}/3/device/`;
    const auth = options.auth;
    this.#token = auth.kind === 'token'
      ? new ApnsProviderToken({ keyPem: auth.keyPem, keyId: auth.keyId, teamId: auth.teamId, clock: options.clock, ...(auth.refreshMs !== undefined && { refreshMs: auth.refreshMs }) })
      : undefined;
    this.#pool = new PriorityPools({
      origin: url.origin,
      name: `apns:${options.app}`,
      connections: options.connections ?? 1,
      ...(options.requestTimeoutMs !== undefined && { requestTimeoutMs: options.requestTimeoutMs }),
      tls: {
        ...(options.ca !== undefined && { ca: options.ca }),
        ...(auth.kind === 'certificate' && { cert: auth.certPem, key: auth.keyPem }),
        ...(auth.kind === 'certificate' && auth.passphrase !== undefined && { passphrase: auth.passphrase }),
      },
      ...(options.logger !== undefined && { logger: options.logger }),
    });
  }

  encode(content: PushContent): EncodedPush {
    const request = buildApnsRequest(content, this.#bundleId);
    return new ApnsEncodedPush(request.payload, request.headers, request.pushType, content.priority === 'high');
  }

  preview(push: EncodedPush, token: string): ProviderRequestPreview {
    if (!(push instanceof ApnsEncodedPush)) throw new TypeError('apns: preview() takes a push encoded by an APNs sender');
    return { headers: { ':path': `${this.#pathPrefix}${token}`, ...push.headers }, body: JSON.parse(push.payload.toString('utf8')) };
  }

  send(push: EncodedPush, targets: readonly PushTarget[], signal?: AbortSignal): Promise<Outcome[]> {
    if (!(push instanceof ApnsEncodedPush)) return Promise.reject(new TypeError('apns: send() takes a push encoded by an APNs sender'));
    const sends = new Array<Promise<Outcome>>(targets.length);
    for (let i = 0; i < targets.length; i++) sends[i] = this.#sendOne(push, targets[i]!.token, signal);
    return Promise.all(sends);
  }

  close(): Promise<void> {
    return this.#pool.close();
  }

  #sendOne(push: ApnsEncodedPush, token: string, signal: AbortSignal | undefined): Promise<Outcome> {
    if (!HEX_TOKEN.test(token)) return Promise.resolve({ ...BAD_DEVICE_TOKEN });
    const headers: OutgoingHttpHeaders = { ':method': 'POST', ':path': this.#pathPrefix + token, ...push.headers, 'apns-id': randomUUID() };
    if (this.#token) headers.authorization = this.#token.authorization();
    return this.#pool.request(headers, push.payload, push.urgent, signal).then(this.#toOutcome, transportOutcome);
  }

  readonly #toOutcome = (response: Http2Response): Outcome => {
    const apnsId = response.headers['apns-id'];
    const providerId = typeof apnsId === 'string' ? apnsId : undefined;
    if (response.status === 200) return providerId ? { kind: 'ok', providerId } : { kind: 'ok' };
    const { reason, timestamp } = readErrorBody(response.body);
    // Apple says a stale JWT is cured by signing a new one; the token refuses to renew more than
    // every 20 minutes, so a burst of these answers costs at most one new signature.
    if (reason === 'ExpiredProviderToken') this.#token?.invalidate();
    const retryAfter = response.headers['retry-after'];
    return apnsOutcome(
      {
        status: response.status,
        ...(reason !== undefined && { reason }),
        ...(timestamp !== undefined && { timestamp }),
        ...(typeof retryAfter === 'string' && { retryAfter }),
        ...(providerId !== undefined && { apnsId: providerId }),
      },
      this.#clock.now(),
    );
  };
}

function transportOutcome(error: unknown): Outcome {
  return { kind: 'retry', reason: error instanceof Http2RequestError ? error.kind : 'transport' };
}

/** `{"reason": "...", "timestamp": ms}` from an error answer; whatever is missing or unreadable is left out. */
function readErrorBody(body: Buffer): { reason?: string; timestamp?: number } {
  if (body.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return {};
    const { reason, timestamp } = parsed as { reason?: unknown; timestamp?: unknown };
    return {
      ...(typeof reason === 'string' && { reason }),
      ...(typeof timestamp === 'number' && Number.isFinite(timestamp) && { timestamp }),
    };
  } catch {
    return {};
  }
}
