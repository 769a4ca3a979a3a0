import type { Clock } from '../../../ports/clock.js';
import { silentLogger, type Logger } from '../../../ports/logger.js';
import type { Outcome } from '../../../ports/provider.js';
import { SEND_ABORTED, type EncodedPush, type ProviderRequestPreview, type PushContent, type PushSender, type PushTarget } from '../../../ports/push-sender.js';
import { createHmsAccessToken } from './access-token.js';
import { HmsHttpsClient, HmsTransportError, type HmsHttpAnswer } from './https-client.js';
import { hmsCode, hmsIllegalTokens, hmsOutcome } from './outcomes.js';
import { HmsEncodedPush, encodeHmsMessage } from './payload.js';

export const DEFAULT_HMS_BASE_URL = 'https://push-api.cloud.huawei.com';
export const DEFAULT_HMS_TOKEN_URL = 'https://oauth-login.cloud.huawei.com/oauth2/v3/token';
/** Push Kit takes 1 to 1000 tokens per request (80300010 otherwise). */
export const HMS_MAX_TOKENS_PER_REQUEST = 1000;

export interface HmsSenderOptions {
  /** The configured app name. */
  app: string;
  /** Huawei's app id, part of the send path. */
  appId: string;
  clientId: string;
  clientSecret: string;
  /** Default https://push-api.cloud.huawei.com. */
  baseUrl?: string;
  /** Default https://oauth-login.cloud.huawei.com/oauth2/v3/token. */
  tokenUrl?: string;
  /** Extra CA certificates (PEM) for both endpoints, e.g. a private relay's. */
  ca?: string;
  /** Per request, connect to last byte. Default 15 s. */
  requestTimeoutMs?: number;
  /** Open connections to Push Kit at most. Default 8. */
  maxSockets?: number;
  /** The app's launcher activity, which Huawei needs to show a badge (see payload.ts). */
  badgeClass?: string;
  clock: Clock;
  logger?: Logger;
}

/** OAuth answers after which a fresh token may help: expired (80200003) and, once, a refused one (80200001). */
const TOKEN_REFUSED = new Set(['80200003', '80200001']);

/**
 * An HMS Push Kit app: OAuth client-credentials token (cached, shared), `messages:send` with up
 * to 1000 tokens per request over keep-alive HTTPS, and one outcome per token from the answer.
 */
export function createHmsSender(options: HmsSenderOptions): PushSender {
  const baseUrl = (options.baseUrl ?? DEFAULT_HMS_BASE_URL).replace(/\/+$/, '');
  if (!/^https:\/\//i.test(baseUrl)) throw new Error(`hms: base URL must be https, got ${baseUrl}`);
  const sendUrl = new URL(`${baseUrl}/v1/${encodeURIComponent(options.appId)}/messages:send`);
  const timeoutMs = options.requestTimeoutMs ?? 15_000;
  const logger = options.logger ?? silentLogger;
  const { clock } = options;
  const client = new HmsHttpsClient({ ca: options.ca, maxSockets: options.maxSockets ?? 8, timeoutMs });
  const accessToken = createHmsAccessToken(
    { clientId: options.clientId, clientSecret: options.clientSecret, tokenUrl: options.tokenUrl ?? DEFAULT_HMS_TOKEN_URL },
    clock,
    { client: client.outbound },
  );
  let closed = false;

  /**
   * Sends one request, renewing the token once if Huawei refuses it: up to 1000 tokens, or one
   * topic or condition (then the answer is about that one target, and no token is illegal).
   */
  async function sendBatch(push: HmsEncodedPush, tokens: string[], signal: AbortSignal | undefined, topic?: { kind: 'topic' | 'condition' }): Promise<Outcome[]> {
    let renewed = false;
    for (;;) {
      let bearer: string;
      try {
        bearer = await accessToken.get();
      } catch (err) {
        // The token endpoint is down, or refuses our credentials; either way the circuit breaker
        // and the retry budget decide, not this request.
        logger.warn({ app: options.app, err }, 'hms: no access token');
        return tokens.map(() => ({ kind: 'retry', reason: 'oauth_token_unavailable' }));
      }
      // The token may have taken a while: a send stopped meanwhile is not started.
      if (signal?.aborted) return tokens.map(() => ({ kind: 'retry', reason: SEND_ABORTED }));
      let answer: HmsHttpAnswer;
      try {
        const body = topic ? push.topicRequestBody(topic.kind, tokens[0]!, clock.now()) : push.requestBody(tokens, clock.now());
        answer = await client.postJson(sendUrl, { authorization: `Bearer ${bearer}` }, body);
      } catch (err) {
        const reason = err instanceof HmsTransportError ? err.reason : 'network';
        return tokens.map(() => ({ kind: 'retry', reason }));
      }
      const code = hmsCode(answer.body);
      if (!renewed && code !== undefined && TOKEN_REFUSED.has(code)) {
        renewed = true;
        // Another batch may already have replaced the token; drop it only if it is still the one refused.
        if ((await accessToken.get().catch(() => undefined)) === bearer) accessToken.invalidate();
        continue;
      }
      return topic ? [hmsOutcome({ status: answer.status, body: answer.body, retryAfter: answer.retryAfter }, clock.now())] : outcomesFor(answer, tokens, clock.now());
    }
  }

  return {
    provider: 'hms',
    app: options.app,

    encode(content: PushContent): EncodedPush {
      return encodeHmsMessage(content, { ...(options.badgeClass !== undefined ? { badgeClass: options.badgeClass } : {}) });
    },

    preview(push: EncodedPush, token: string, now: number): ProviderRequestPreview {
      if (!(push instanceof HmsEncodedPush)) throw new TypeError('hms: preview() takes a push encoded by an HMS sender');
      return { headers: { 'content-type': 'application/json' }, body: JSON.parse(push.requestBody([token], now)) };
    },

    async send(push: EncodedPush, targets: readonly PushTarget[], signal?: AbortSignal): Promise<Outcome[]> {
      if (!(push instanceof HmsEncodedPush)) return targets.map(() => ({ kind: 'rejected', reason: 'not_an_hms_push' }));
      if (closed) return targets.map(() => ({ kind: 'retry', reason: 'closed' }));
      if (targets.length === 0) return [];
      // Tokens share requests; each topic or condition is a request of its own. Outcomes go back in the targets' order.
      const tokenAt: number[] = [];
      const topicAt: number[] = [];
      targets.forEach((t, i) => (t.kind === 'topic' || t.kind === 'condition' ? topicAt : tokenAt).push(i));
      const batches: Promise<{ at: number[]; outcomes: Outcome[] }>[] = [];
      for (let i = 0; i < tokenAt.length; i += HMS_MAX_TOKENS_PER_REQUEST) {
        const at = tokenAt.slice(i, i + HMS_MAX_TOKENS_PER_REQUEST);
        batches.push(sendBatch(push, at.map((j) => targets[j]!.token), signal).then((outcomes) => ({ at, outcomes })));
      }
      for (const j of topicAt) {
        const t = targets[j]!;
        batches.push(sendBatch(push, [t.token], signal, { kind: t.kind as 'topic' | 'condition' }).then((outcomes) => ({ at: [j], outcomes })));
      }
      const outcomes: Outcome[] = new Array<Outcome>(targets.length);
      for (const batch of await Promise.all(batches)) batch.at.forEach((j, k) => (outcomes[j] = batch.outcomes[k]!));
      return outcomes;
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      client.close();
    },
  };
}

/**
 * One outcome per token of a request. Only a partial success (80100000) tells tokens apart: the
 * ones Huawei lists as illegal are dead, the rest went out. Every other answer is about the whole
 * request, so each token gets the same outcome.
 */
export function outcomesFor(answer: HmsHttpAnswer, tokens: readonly string[], now: number): Outcome[] {
  const whole = hmsOutcome({ status: answer.status, body: answer.body, retryAfter: answer.retryAfter }, now);
  if (hmsCode(answer.body) !== '80100000') return tokens.map(() => whole);
  const illegal = new Set(hmsIllegalTokens(answer.body));
  const dead: Outcome = { kind: 'invalid_token', status: answer.status, reason: 'illegal_token' };
  return tokens.map((token) => (illegal.has(token) ? dead : whole));
}
