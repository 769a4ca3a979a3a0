import type { Outcome, OutcomeKind } from '../../../ports/provider.js';
import type { OutboundFailureReason } from '../../net/outbound-error.js';
import { parseRetryAfter } from '../retry-after.js';
import { withDefined } from '../outcome-helpers.js';

/**
 * A webhook endpoint speaks only HTTP, so its table is keyed on status ranges rather than
 * provider codes. Rows are tried in order and the first whose range holds the status wins,
 * so the single statuses come before the classes that contain them.
 *
 * For webhooks, `invalid_token` means the endpoint is gone: the caller disables it.
 */
export interface WebhookStatusRule {
  /** Inclusive status range. */
  from: number;
  to: number;
  outcome: OutcomeKind;
  /** For `throttled`. */
  target?: 'device' | 'credential';
  note: string;
}

export const WEBHOOK_STATUS_OUTCOMES: readonly WebhookStatusRule[] = [
  { from: 408, to: 408, outcome: 'retry', note: 'Request Timeout: the receiver gave up waiting for us, nothing wrong with the message; try again (after Retry-After if sent).' },
  { from: 410, to: 410, outcome: 'invalid_token', note: 'Gone: the receiver says this endpoint is retired for good; disable it instead of retrying (the Standard Webhooks convention).' },
  { from: 425, to: 425, outcome: 'retry', note: 'Too Early: the receiver wants the request repeated later.' },
  {
    from: 429,
    to: 429,
    outcome: 'throttled',
    target: 'device',
    note: "Too Many Requests: the limit is this endpoint's, not Herald's, so only deliveries to it back off (after Retry-After if sent).",
  },
  { from: 200, to: 299, outcome: 'ok', note: 'Any 2xx: the receiver took the message; the body is not read.' },
  { from: 300, to: 399, outcome: 'rejected', note: 'Redirects are never followed (a harmless first hop could point inward), so a 3xx is an endpoint misconfiguration.' },
  { from: 400, to: 499, outcome: 'rejected', note: 'Any other 4xx (bad request, unauthorised, not found…): the receiver refuses this message, and the same bytes fail again.' },
  { from: 500, to: 599, outcome: 'retry', note: 'A 5xx: the receiver is failing for now; retry with backoff, after Retry-After if sent.' },
];

export interface WebhookFailureRule {
  outcome: OutcomeKind;
  note: string;
}

/** When the guarded fetch produced no response at all. */
export const WEBHOOK_FAILURE_OUTCOMES: Readonly<Record<OutboundFailureReason, WebhookFailureRule>> = {
  scheme: { outcome: 'rejected', note: 'The URL is malformed or not https (and http is not allowed): no retry makes it acceptable.' },
  forbidden_address: {
    outcome: 'rejected',
    note: 'The host is or resolves to a private, loopback or otherwise forbidden address (SSRF guard): refused until the allow list says otherwise.',
  },
  dns: { outcome: 'retry', note: 'The name did not resolve: often a passing DNS failure; a name that stays unknown runs out of retries.' },
  timeout: { outcome: 'retry', note: 'No full answer within the time limit: the receiver is slow or down; at-least-once means sending again.' },
  tls: {
    outcome: 'retry',
    note: 'The TLS handshake failed (certificate not trusted, expired, wrong name): named in the error so the operator can fix the endpoint or webhook-ca-file; retried meanwhile, and replayable from the dead letters once fixed.',
  },
  network: { outcome: 'retry', note: 'Refused or reset on the way: transient as far as we can tell.' },
  too_large: {
    outcome: 'retry',
    note: 'The answer body was over the cap, so the status was not read to the end: we cannot tell it was accepted; retry (the id stays the same, so the receiver can drop a duplicate).',
  },
};

export function webhookStatusRule(status: number): WebhookStatusRule | undefined {
  return WEBHOOK_STATUS_OUTCOMES.find((r) => status >= r.from && status <= r.to);
}

/** The outcome of an endpoint's answer. */
export function webhookOutcome(answer: { status: number; retryAfter?: string | undefined }, nowMs: number = Date.now()): Outcome {
  const { status } = answer;
  const rule = webhookStatusRule(status);
  const afterMs = parseRetryAfter(answer.retryAfter, nowMs);
  // A status outside 200–599 is not HTTP as we know it: treat the receiver as broken for now.
  switch (rule?.outcome ?? 'retry') {
    case 'ok':
      return { kind: 'ok' };
    case 'invalid_token':
      return { kind: 'invalid_token', status, reason: 'gone' };
    case 'throttled':
      return withDefined({ kind: 'throttled', target: rule?.target ?? 'device', status, afterMs });
    case 'rejected':
      return { kind: 'rejected', status };
    case 'retry':
      return withDefined({ kind: 'retry', status, afterMs });
  }
}

/**
 * The outcome when no answer came back; `reason` is the guarded fetch's failure reason. A TLS
 * failure carries its `detail` (`tls: unable to verify the first certificate`), since "tls" alone
 * does not say what to fix.
 */
export function webhookFailureOutcome(reason: OutboundFailureReason, detail?: string): Outcome {
  const rule = WEBHOOK_FAILURE_OUTCOMES[reason];
  const named = reason === 'tls' && detail ? detail : reason;
  return rule.outcome === 'rejected' ? { kind: 'rejected', reason: named } : { kind: 'retry', reason: named };
}
