import type { Outcome, OutcomeRule } from '../../../ports/provider.js';
import { parseRetryAfter } from '../retry-after.js';
import { isObject, outcomeFromRule, withDefined } from '../outcome-helpers.js';

/** What the HMS client hands over after one messages:send request. */
export interface HmsResponse {
  status: number;
  /** Parsed JSON body: `{code, msg, requestId}`. */
  body?: unknown;
  /** Raw Retry-After header, if any. */
  retryAfter?: string;
}

/**
 * HMS puts its verdict in the body's `code`, with HTTP 200 or 400 (401 for OAuth), so code
 * rows match any status. The only status-only row is 503, which HMS uses for flow control.
 */
export const HMS_OUTCOMES: readonly OutcomeRule[] = [
  { reason: '80000000', outcome: 'ok', note: 'Success: every token in the request was accepted.' },
  { reason: '80100000', outcome: 'ok', note: 'Partial success: the legal tokens were accepted; msg lists the illegal ones, which the caller reads with hmsIllegalTokens and invalidates one by one.' },
  { reason: '80100003', outcome: 'rejected', note: 'The message structure is wrong: the same body fails again.' },
  { reason: '80100016', outcome: 'rejected', note: 'Huawei refuses the content as sensitive; resending it does not change that.' },
  { reason: '80200001', outcome: 'rejected', note: 'OAuth authentication failed: the client id or secret is wrong, which needs ops, not retries.' },
  { reason: '80200003', outcome: 'retry', note: 'The OAuth access token expired: the client fetches a new one and the send is repeated.' },
  { reason: '80300007', outcome: 'invalid_token', note: 'Every token in the request is invalid, so for a one-token send that token is dead.' },
  { reason: '80300010', outcome: 'rejected', note: 'The request carried fewer than 1 or more than 1000 tokens: a batching bug.' },
  { status: 503, outcome: 'throttled', target: 'credential', note: 'HTTP 503 is Huawei flow control for the app: spread the app\'s sends out, not just this device\'s.' },
];

export function hmsRule(response: Pick<HmsResponse, 'status' | 'body'>): OutcomeRule | undefined {
  const status = response.status;
  const code = hmsCode(response.body);
  return (
    HMS_OUTCOMES.find((r) => r.status === status && r.reason !== undefined && r.reason === code) ??
    HMS_OUTCOMES.find((r) => r.status === undefined && r.reason !== undefined && r.reason === code) ??
    HMS_OUTCOMES.find((r) => r.status === status && r.reason === undefined)
  );
}

export function hmsOutcome(response: HmsResponse, nowMs: number = Date.now()): Outcome {
  const { status } = response;
  const reason = hmsCode(response.body);
  const afterMs = parseRetryAfter(response.retryAfter, nowMs);
  const rule = hmsRule(response);

  if (!rule) return fallback(status, reason, afterMs);
  const requestId = isObject(response.body) ? response.body.requestId : undefined;
  return outcomeFromRule(rule, { status, reason, afterMs, providerId: typeof requestId === 'string' && requestId !== '' ? requestId : undefined });

}

/** The body's result code as a string (HMS has sent it both quoted and bare). */
export function hmsCode(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  const code = body.code;
  if (typeof code === 'string' && code !== '') return code;
  if (typeof code === 'number' && Number.isInteger(code)) return String(code);
  return undefined;
}

/**
 * Tokens HMS calls illegal in a partial (80100000) or total (80300007) failure. `msg` is a
 * JSON string (sometimes already an object) whose `illegal_tokens` is either a list of
 * tokens or, grouped by cause (`noRight`, `tokenFormatError`, …), lists per cause.
 * Anything else yields an empty list: a body we cannot read must not invalidate devices.
 */
export function hmsIllegalTokens(body: unknown): string[] {
  if (!isObject(body)) return [];
  let msg: unknown = body.msg;
  if (typeof msg === 'string') {
    try {
      msg = JSON.parse(msg);
    } catch {
      return [];
    }
  }
  if (!isObject(msg)) return [];
  const listed = msg.illegal_tokens;
  const groups = Array.isArray(listed) ? [listed] : isObject(listed) ? Object.values(listed) : [];
  const tokens = new Set<string>();
  for (const group of groups) {
    if (!Array.isArray(group)) continue;
    for (const token of group) if (typeof token === 'string' && token !== '') tokens.add(token);
  }
  return [...tokens];
}

// Codes providers.md does not list are judged by HTTP class; a 2xx carrying an unknown (or
// no) code is not evidence of delivery, and repeating it would not change the answer.
function fallback(status: number, reason: string | undefined, afterMs: number | undefined): Outcome {
  if (status === 429) return withDefined({ kind: 'throttled', target: 'credential', status, reason, afterMs });
  if (status >= 500) return withDefined({ kind: 'retry', status, reason, afterMs });
  return withDefined({ kind: 'rejected', status, reason });
}


