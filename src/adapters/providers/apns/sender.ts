import { randomUUID } from 'node:crypto';
import { sensitiveHeaders, type OutgoingHttpHeaders } from 'node:http2';
import type { Clock } from '../../../ports/clock.js';
import type { Logger } from '../../../ports/logger.js';
import type { Outcome } from '../../../ports/provider.js';
import type { EncodedPush, ProviderRequestPreview, PushContent, PushSender, PushTarget } from '../../../ports/push-sender.js';
import { Http2RequestError, type Http2Receiver, type Http2Response } from '../http2/session-pool.js';
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
    if (targets.length === 0) return Promise.resolve([]);
    // One receiver and one promise for the whole batch: a send job is hundreds of requests.
    const batch = new OutcomeBatch(targets.length, this.#toOutcome);
    const authorization = this.#token?.authorization();
    const shared = push.headers;
    const names = Object.keys(shared);
    for (let i = 0; i < targets.length; i++) {
      const token = targets[i]!.token;
      if (!HEX_TOKEN.test(token)) {
        batch.put(i, { ...BAD_DEVICE_TOKEN });
        continue;
      }
      const headers: OutgoingHttpHeaders = { ':method': 'POST', ':path': this.#pathPrefix + token };
      for (const name of names) headers[name] = shared[name];
      headers['apns-id'] = randomUUID();
      if (authorization !== undefined) headers.authorization = authorization;
      // A fresh id per request would otherwise enter HPACK's table each time and push the
      // shared headers (the JWT above all) out of it, to be sent in full again.
      (headers as Record<symbol, unknown>)[sensitiveHeaders] = NEVER_INDEXED;
      this.#pool.send(headers, push.payload, push.urgent, signal, batch, i);
    }
    return batch.promise;
  }

  close(): Promise<void> {
    return this.#pool.close();
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

const NEVER_INDEXED: readonly string[] = ['apns-id'];

/** The outcomes of one send() call, in target order, resolved once every request has ended. */
class OutcomeBatch implements Http2Receiver {
  readonly promise: Promise<Outcome[]>;
  readonly #outcomes: Outcome[];
  readonly #toOutcome: (response: Http2Response) => Outcome;
  #left: number;
  #resolve!: (outcomes: Outcome[]) => void;

  constructor(size: number, toOutcome: (response: Http2Response) => Outcome) {
    this.#outcomes = new Array<Outcome>(size);
    this.#left = size;
    this.#toOutcome = toOutcome;
    this.promise = new Promise<Outcome[]>((resolve) => {
      this.#resolve = resolve;
    });
  }

  settled(tag: number, response: Http2Response | undefined, error: Http2RequestError | undefined): void {
    let outcome: Outcome;
    try {
      outcome = response ? this.#toOutcome(response) : transportOutcome(error);
    } catch {
      // Called from the pool's stream handlers, which must not throw; an answer we cannot read may be sent again.
      outcome = { kind: 'retry', reason: 'unreadable response' };
    }
    this.put(tag, outcome);
  }

  put(index: number, outcome: Outcome): void {
    this.#outcomes[index] = outcome;
    if (--this.#left === 0) this.#resolve(this.#outcomes);
  }
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
