import type { Outcome, OutcomeRule } from '../../../ports/provider.js';
import { parseRetryAfter } from '../retry-after.js';
import { isObject, outcomeFromRule, withDefined } from '../outcome-helpers.js';

/** What the SMS client hands over after one `POST …/Messages.json`. */
export interface TwilioResponse {
  status: number;
  /** Parsed JSON body: the message resource on success, `{code, message, more_info, status}` on error. */
  body?: unknown;
  /** Raw Retry-After header, if any. */
  retryAfter?: string;
}

/**
 * Twilio answers the create-message request with an HTTP status and, on failure, its own error
 * `code` in the JSON body. A code row matches with its status first, then with any status
 * (compatible gateways differ on the status they pair a code with); status-only rows come last.
 *
 * For SMS, `invalid_token` means the phone number itself is no good: the caller marks it and
 * stops sending to it. Codes that are about our account, sender or route, not about the
 * recipient's number, are `rejected`: this message will not go, but the number may be fine.
 */
export const TWILIO_OUTCOMES: readonly OutcomeRule[] = [
  { status: 200, outcome: 'ok', note: 'Accepted (some compatible gateways answer 200): the body is the message resource; its sid is the provider id.' },
  { status: 201, outcome: 'ok', note: 'Created: Twilio queued the message; the body is the message resource and its sid is the provider id.' },
  { reason: '21211', outcome: 'invalid_token', note: "Invalid 'To' phone number: the number cannot exist, so the address is dead." },
  { reason: '21614', outcome: 'invalid_token', note: "'To' is not a valid mobile number (a landline, say): no SMS will ever reach it." },
  { reason: '21610', outcome: 'invalid_token', note: 'The recipient replied STOP to this sender: sending again is refused and unlawful, so the number is done until they opt back in.' },
  {
    reason: '21612',
    outcome: 'rejected',
    note: "'To' is not reachable from this sender (a route or carrier Twilio cannot use from our From or service). A property of the sender/route pair, not proof the number is dead: reject this message, keep the number.",
  },
  {
    reason: '21408',
    outcome: 'rejected',
    note: "Sending to the 'To' number's region is not enabled on the account (geo permissions): ops must change the account; the number is fine.",
  },
  { reason: '21606', outcome: 'rejected', note: "The 'From' number is not an SMS-capable number of this account for that destination: a configuration error." },
  { reason: '21659', outcome: 'rejected', note: "The 'From' is not a Twilio number or short code of this account: a configuration error." },
  { reason: '21608', outcome: 'rejected', note: 'A trial account can only send to verified numbers: an account limit, not a dead number.' },
  { reason: '21602', outcome: 'rejected', note: 'The message body is missing: the same request fails again.' },
  { reason: '21617', outcome: 'rejected', note: 'The body exceeds the 1600 character limit: the same request fails again.' },
  { reason: '20003', outcome: 'rejected', note: 'Authentication failed (wrong Account SID or Auth Token): needs ops, not retries.' },
  { reason: '20429', outcome: 'throttled', target: 'credential', note: 'Too many requests: the limit is on the account, so every send of this credential backs off.' },
  { status: 429, outcome: 'throttled', target: 'credential', note: 'HTTP 429 without a known code: the account is rate limited; honour Retry-After when sent.' },
  { status: 500, outcome: 'retry', note: 'Internal error at the gateway: transient.' },
  { status: 502, outcome: 'retry', note: 'Bad gateway: transient.' },
  { status: 503, outcome: 'retry', note: 'Service unavailable: transient; honour Retry-After when sent.' },
  { status: 504, outcome: 'retry', note: 'Gateway timeout: the message may or may not have been queued; retrying risks a duplicate, which at-least-once accepts.' },
];

/** Twilio's error `code` as a string, if the body carries one. */
export function twilioCode(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  const code = body.code;
  if (typeof code === 'number' && Number.isInteger(code)) return String(code);
  if (typeof code === 'string' && /^\d+$/.test(code)) return code;
  return undefined;
}

export function twilioRule(response: Pick<TwilioResponse, 'status' | 'body'>): OutcomeRule | undefined {
  const { status } = response;
  // A success never has an error code; a stray `code` in a 2xx body must not turn it into a failure.
  const code = status >= 200 && status < 300 ? undefined : twilioCode(response.body);
  return (
    TWILIO_OUTCOMES.find((r) => r.status === status && r.reason !== undefined && r.reason === code) ??
    TWILIO_OUTCOMES.find((r) => r.status === undefined && r.reason !== undefined && r.reason === code) ??
    TWILIO_OUTCOMES.find((r) => r.status === status && r.reason === undefined)
  );
}

export function twilioOutcome(response: TwilioResponse, nowMs: number = Date.now()): Outcome {
  const { status } = response;
  const success = status >= 200 && status < 300;
  const reason = success ? undefined : twilioCode(response.body);
  const afterMs = parseRetryAfter(response.retryAfter, nowMs);
  const sid = isObject(response.body) ? response.body.sid : undefined;
  const providerId = typeof sid === 'string' && sid !== '' ? sid : undefined;
  const rule = twilioRule(response);
  if (!rule) return fallback(status, reason, afterMs, providerId);
  return outcomeFromRule(rule, { status, reason, afterMs, providerId });
}

/** Why no answer came back from the gateway. */
export type TwilioTransportFailure = 'timeout' | 'network' | 'closed';

/** No answer at all (refused, reset, timed out, sender closed): the message may go later. */
export function twilioTransportOutcome(reason: TwilioTransportFailure): Outcome {
  return { kind: 'retry', reason };
}

// Codes not in the table are judged by HTTP class: other 2xx are an accepted message; other 4xx
// a request that fails the same way again; 3xx a base URL that points at the wrong place (the
// API never redirects, and redirects are not followed); 5xx and anything else transient.
function fallback(status: number, reason: string | undefined, afterMs: number | undefined, providerId: string | undefined): Outcome {
  if (status >= 200 && status < 300) return providerId ? { kind: 'ok', providerId } : { kind: 'ok' };
  if (status >= 300 && status < 500) return withDefined({ kind: 'rejected', status, reason });
  return withDefined({ kind: 'retry', status, reason, afterMs });
}
