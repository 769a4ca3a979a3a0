import type { OutgoingHttpHeaders } from 'node:http2';
import type { Clock } from '../../../ports/clock.js';
import { silentLogger, type Logger } from '../../../ports/logger.js';
import type { Outcome } from '../../../ports/provider.js';
import type { EncodedPush, ProviderRequestPreview, PushContent, PushSender, PushTarget } from '../../../ports/push-sender.js';
import { Http2RequestError, type Http2Response } from '../http2/session-pool.js';
import { PriorityPools } from '../http2/priority-pools.js';
import { createFcmAccessToken, type ServiceAccount } from './access-token.js';
import { encodeFcmPush, FcmEncodedPush } from './encoded-push.js';
import { fcmOutcome, fcmReasonKey } from './outcomes.js';

export interface FcmSenderOptions {
  /** The configured app name this service account belongs to. */
  app: string;
  serviceAccount: ServiceAccount;
  /** Default https://fcm.googleapis.com; a path prefix (a relay) is kept. */
  baseUrl?: string;
  /** Extra trusted CA (PEM) for both the send endpoint and the token endpoint. */
  ca?: string;
  /** HTTP/2 connections to keep open (default 1; each multiplexes up to the peer's stream limit). */
  connections?: number;
  requestTimeoutMs?: number;
  clock: Clock;
  logger?: Logger;
}

const DEFAULT_BASE_URL = 'https://fcm.googleapis.com';

/** FCM HTTP v1: one messages:send request per token, multiplexed over persistent HTTP/2 connections. */
export function createFcmSender(options: FcmSenderOptions): PushSender {
  return new FcmSender(options);
}

class FcmSender implements PushSender {
  readonly provider = 'fcm' as const;
  readonly app: string;
  readonly #pool: PriorityPools;
  readonly #accessToken: ReturnType<typeof createFcmAccessToken>;
  readonly #path: string;
  readonly #clock: Clock;
  readonly #logger: Logger;
  #closing: Promise<void> | undefined;
  /** The authorization FCM last refused, so a burst of 401s for one token drops the cache only once. */
  #refusedAuthorization: string | undefined;
  /** The last token-endpoint failure logged: concurrent sends share one fetch and so one error. */
  #loggedTokenError: unknown;

  constructor(options: FcmSenderOptions) {
    this.app = options.app;
    this.#clock = options.clock;
    this.#logger = options.logger ?? silentLogger;
    const base = new URL(options.baseUrl ?? DEFAULT_BASE_URL);
    if (base.protocol !== 'https:') throw new Error(`fcm app ${options.app}: base_url must be https (got ${base.protocol})`);
    this.#path = `${base.pathname.replace(/\/+$/, '')}/v1/projects/${encodeURIComponent(options.serviceAccount.project_id)}/messages:send`;
    this.#accessToken = createFcmAccessToken(options.serviceAccount, options.clock, options.ca !== undefined ? { ca: options.ca } : {});
    this.#pool = new PriorityPools({
      origin: base.origin,
      name: `fcm:${options.app}`,
      ...(options.connections !== undefined ? { connections: options.connections } : {}),
      ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
      ...(options.ca !== undefined ? { tls: { ca: options.ca } } : {}),
      logger: this.#logger,
    });
  }

  encode(content: PushContent): EncodedPush {
    return encodeFcmPush(content);
  }

  preview(push: EncodedPush, token: string, now: number): ProviderRequestPreview {
    if (!(push instanceof FcmEncodedPush)) throw new TypeError('fcm: preview() takes a push encoded by an FCM sender');
    return { headers: { ':path': this.#path, 'content-type': 'application/json' }, body: JSON.parse(push.body(token, now)) };
  }

  async send(push: EncodedPush, targets: readonly PushTarget[], signal?: AbortSignal): Promise<Outcome[]> {
    if (!(push instanceof FcmEncodedPush)) {
      return targets.map((): Outcome => ({ kind: 'rejected', reason: `not an FCM push (encoded for ${push.provider})` }));
    }
    if (targets.length === 0) return [];
    if (this.#closing) return targets.map((): Outcome => ({ kind: 'retry', reason: 'sender closed' }));
    // One token and one header set for the whole batch: node copies the headers per stream.
    const headers = await this.#headers();
    if (!headers) return targets.map((): Outcome => ({ kind: 'retry', reason: 'oauth token unavailable' }));
    const sends = new Array<Promise<Outcome>>(targets.length);
    for (let i = 0; i < targets.length; i++) sends[i] = this.#sendOne(push, targets[i]!, headers, signal);
    return Promise.all(sends);
  }

  close(): Promise<void> {
    return (this.#closing ??= this.#pool.close());
  }

  /** The request headers with the current access token, or undefined when none can be had now. */
  async #headers(): Promise<OutgoingHttpHeaders | undefined> {
    let accessToken: string;
    try {
      accessToken = await this.#accessToken.get();
    } catch (err) {
      this.#logTokenFailure(err);
      return undefined;
    }
    return { ':method': 'POST', ':path': this.#path, authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };
  }

  /**
   * One request, and its outcome straight from the answer: a broadcast makes a million of these,
   * so the common path is one promise from the pool and one `then`. Only a refused access token
   * takes the slower path, once: a fresh token and a second request.
   */
  #sendOne(push: FcmEncodedPush, target: PushTarget, headers: OutgoingHttpHeaders, signal: AbortSignal | undefined, mayRefresh = true): Promise<Outcome> {
    let response: Promise<Http2Response>;
    try {
      // The ttl is the time left now, when the request is handed to the connection.
      response = this.#pool.request(headers, push.body(target.token, this.#clock.now(), target.kind ?? 'token'), push.urgent, signal);
    } catch (err) {
      return Promise.resolve(transportOutcome(err, this.#logger));
    }
    return response.then(
      (answer) => (answer.status === 200 ? okOutcome(answer.body) : this.#refusal(answer, push, target, headers, mayRefresh, signal)),
      (err: unknown) => transportOutcome(err, this.#logger),
    );
  }

  /** The outcome of an answer other than 200; a refused access token is tried once more with a fresh one. */
  #refusal(response: Http2Response, push: FcmEncodedPush, target: PushTarget, headers: OutgoingHttpHeaders, mayRefresh: boolean, signal: AbortSignal | undefined): Outcome | Promise<Outcome> {
    const body = parseJson(response.body);
    if (response.status === 401 && fcmReasonKey(body) === 'UNAUTHENTICATED') {
      this.#refused(String(headers.authorization));
      if (!mayRefresh) return { kind: 'retry', status: 401, reason: 'UNAUTHENTICATED' };
      // FCM refused the access token (expired early or revoked): one more try with a fresh one.
      return this.#headers().then((fresh): Outcome | Promise<Outcome> => (fresh ? this.#sendOne(push, target, fresh, signal, false) : { kind: 'retry', reason: 'oauth token unavailable' }));
    }
    const retryAfter = response.headers['retry-after'];
    return fcmOutcome(
      { status: response.status, body, ...(retryAfter !== undefined ? { retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter } : {}) },
      this.#clock.now(),
    );
  }

  #refused(authorization: string): void {
    if (this.#refusedAuthorization === authorization) return;
    this.#refusedAuthorization = authorization;
    this.#accessToken.invalidate();
  }

  #logTokenFailure(err: unknown): void {
    if (err === this.#loggedTokenError) return;
    this.#loggedTokenError = err;
    this.#logger.warn({ provider: 'fcm', app: this.app, err: err instanceof Error ? err.message : String(err) }, 'fcm: could not get an OAuth access token');
  }
}

function okOutcome(body: Buffer): Outcome {
  const parsed = parseJson(body);
  const name = typeof parsed === 'object' && parsed !== null ? (parsed as { name?: unknown }).name : undefined;
  return typeof name === 'string' && name !== '' ? { kind: 'ok', providerId: name } : { kind: 'ok' };
}

function transportOutcome(err: unknown, logger: Logger): Outcome {
  if (err instanceof Http2RequestError) return { kind: 'retry', reason: `transport ${err.kind}` };
  // Not a failure the pool knows: still a retry (send() never rejects), but worth a look.
  logger.warn({ provider: 'fcm', err: err instanceof Error ? err.message : String(err) }, 'fcm: unexpected request failure');
  return { kind: 'retry', reason: 'transport error' };
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
