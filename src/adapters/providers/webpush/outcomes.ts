/**
 * How a push service's answer to a Web Push POST (RFC 8030, and UnifiedPush which shares
 * the sender) maps onto delivery outcomes. Statuses not in the table fall back by class.
 */
import { parseRetryAfter as parseSharedRetryAfter } from '../retry-after.js';
import type { Outcome, OutcomeRule } from '../../../ports/provider.js';

export const WEB_PUSH_OUTCOMES: readonly OutcomeRule[] = [
  { status: 200, outcome: 'ok', note: 'UnifiedPush: any 2xx means the message was accepted' },
  { status: 201, outcome: 'ok', note: 'RFC 8030 §5: 201 Created, the push message resource was created' },
  { status: 202, outcome: 'ok', note: 'RFC 8030 §5.1: 202 Accepted when a push receipt was requested' },
  { status: 400, outcome: 'rejected', note: 'malformed request (headers, encoding, TTL): resending it unchanged fails again' },
  { status: 401, outcome: 'rejected', note: 'VAPID JWT refused (bad signature, aud, exp or sub): a credential problem for ops' },
  { status: 403, outcome: 'rejected', note: 'VAPID key does not match the applicationServerKey of the subscription' },
  { status: 404, outcome: 'invalid_token', note: 'RFC 8030: the subscription is gone (expired or unknown): delete it' },
  { status: 410, outcome: 'invalid_token', note: 'RFC 8030 §6.2: the subscription was unsubscribed or expired: delete it' },
  { status: 413, outcome: 'rejected', note: 'RFC 8030 §7.2: payload too large; the push service need not take more than 4096 bytes' },
  {
    status: 429,
    outcome: 'throttled',
    target: 'device',
    note: 'too many requests; limits apply per endpoint, not per host (UnifiedPush), so only this subscription backs off',
  },
  { status: 500, outcome: 'retry', note: 'push service error: transient' },
  { status: 502, outcome: 'retry', note: 'push service gateway error: transient' },
  { status: 503, outcome: 'retry', note: 'push service unavailable: transient, honour Retry-After' },
  { status: 504, outcome: 'retry', note: 'push service gateway timeout: transient' },
];

/** For statuses missing from the table: classes, so an unlisted 2xx or 5xx still does the right thing. */
export const WEB_PUSH_FALLBACK = {
  success: 'ok',
  serverError: 'retry',
  other: 'rejected',
} as const;

const REASONS: Record<number, string> = {
  400: 'bad_request',
  401: 'vapid_unauthorized',
  403: 'vapid_forbidden',
  404: 'subscription_not_found',
  410: 'subscription_gone',
  413: 'payload_too_large',
  429: 'too_many_requests',
};

/** Retry-After (delta-seconds or HTTP-date) in ms from `now`; the one parser all providers share. */
export function parseRetryAfter(header: string | undefined, now: number = Date.now()): number | undefined {
  return parseSharedRetryAfter(header, now);
}

function ruleFor(status: number): OutcomeRule {
  const rule = WEB_PUSH_OUTCOMES.find((r) => r.status === status);
  if (rule) return rule;
  if (status >= 200 && status < 300) return { status, outcome: WEB_PUSH_FALLBACK.success, note: 'any 2xx' };
  if (status >= 500 && status < 600) return { status, outcome: WEB_PUSH_FALLBACK.serverError, note: 'any 5xx' };
  return { status, outcome: WEB_PUSH_FALLBACK.other, note: 'unexpected status' };
}

export function webPushOutcome(status: number, retryAfterHeader?: string, now: number = Date.now()): Outcome {
  const rule = ruleFor(status);
  const reason = REASONS[status] ?? `http_${status}`;
  switch (rule.outcome) {
    case 'ok':
      return { kind: 'ok' };
    case 'invalid_token':
      return { kind: 'invalid_token', status, reason };
    case 'rejected':
      return { kind: 'rejected', status, reason };
    case 'throttled': {
      const afterMs = parseRetryAfter(retryAfterHeader, now);
      return { kind: 'throttled', target: rule.target ?? 'device', status, reason, ...(afterMs === undefined ? {} : { afterMs }) };
    }
    case 'retry': {
      const afterMs = parseRetryAfter(retryAfterHeader, now);
      return { kind: 'retry', status, reason, ...(afterMs === undefined ? {} : { afterMs }) };
    }
  }
}
