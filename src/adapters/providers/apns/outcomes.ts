import type { Outcome, OutcomeRule } from '../../../ports/provider.js';
import { parseRetryAfter } from '../retry-after.js';
import { outcomeFromRule, withDefined } from '../outcome-helpers.js';

/** What the APNs client hands over after one request. */
export interface ApnsResponse {
  status: number;
  /** `reason` from the JSON error body. */
  reason?: string;
  /** `timestamp` from a 410 body, unix ms. */
  timestamp?: number;
  /** Raw Retry-After header, if any. */
  retryAfter?: string;
  /** The `apns-id` response header. */
  apnsId?: string;
}

/**
 * Every status and reason in providers.md §4.2, most specific first. Rows with both a
 * status and a reason win over a status-only row, which is the fallback for reasons Apple
 * adds later.
 */
export const APNS_OUTCOMES: readonly OutcomeRule[] = [
  { status: 200, outcome: 'ok', note: 'Apple accepted the notification; it stores and forwards it from here.' },

  // 400: the request is malformed. Only the two reasons that are about the token itself
  // make the device invalid; the rest are our own bugs and retrying repeats them.
  { status: 400, reason: 'BadDeviceToken', outcome: 'invalid_token', note: 'The token is not a valid device token for this environment; Apple also answers this when a sandbox token is sent to production, which the per-app environment setting rules out.' },
  { status: 400, reason: 'DeviceTokenNotForTopic', outcome: 'invalid_token', note: 'The token was issued to a different bundle id, so it can never receive pushes for this app (push-api.md lists it with the token errors).' },
  { status: 400, reason: 'BadCollapseId', outcome: 'rejected', note: 'apns-collapse-id is over 64 bytes; the same header fails every time.' },
  { status: 400, reason: 'BadExpirationDate', outcome: 'rejected', note: 'apns-expiration is not a usable unix time; a retry sends the same value.' },
  { status: 400, reason: 'BadMessageId', outcome: 'rejected', note: 'apns-id is not a UUID; the request has to be fixed, not repeated.' },
  { status: 400, reason: 'BadPriority', outcome: 'rejected', note: 'apns-priority is not 10, 5 or 1 (or 10 on a background push).' },
  { status: 400, reason: 'BadTopic', outcome: 'rejected', note: 'apns-topic is not a topic this credential may use: an app configuration error.' },
  { status: 400, reason: 'DuplicateHeaders', outcome: 'rejected', note: 'A header was sent twice: a client bug that a retry would repeat.' },
  { status: 400, reason: 'IdleTimeout', outcome: 'retry', note: 'The connection sat idle too long; the request itself is fine on a fresh connection.' },
  { status: 400, reason: 'InvalidPushType', outcome: 'rejected', note: 'apns-push-type is unknown or does not match the payload.' },
  { status: 400, reason: 'MissingDeviceToken', outcome: 'rejected', note: 'No token in the request path: a client bug, not a statement about any device.' },
  { status: 400, reason: 'MissingTopic', outcome: 'rejected', note: 'apns-topic is required for this credential and was not sent.' },
  { status: 400, reason: 'PayloadEmpty', outcome: 'rejected', note: 'An empty body is never deliverable.' },
  { status: 400, reason: 'TopicDisallowed', outcome: 'rejected', note: 'Apple refuses pushes to this topic outright.' },

  // 403: credential problems. Only the stale JWT heals itself, once the client signs a new one.
  { status: 403, reason: 'ExpiredProviderToken', outcome: 'retry', note: 'The JWT iat is over an hour old: sign a fresh token and send again.' },
  { status: 403, reason: 'BadCertificate', outcome: 'rejected', note: 'The client certificate is not valid; ops must replace it.' },
  { status: 403, reason: 'BadCertificateEnvironment', outcome: 'rejected', note: 'The certificate belongs to the other environment (sandbox vs production).' },
  { status: 403, reason: 'Forbidden', outcome: 'rejected', note: 'The credential is not allowed to send this push.' },
  { status: 403, reason: 'InvalidProviderToken', outcome: 'rejected', note: 'The JWT signature, key id or team id is wrong; re-signing with the same key fails again.' },
  { status: 403, reason: 'MissingProviderToken', outcome: 'rejected', note: 'Neither a certificate nor a JWT was presented: a configuration error.' },

  { status: 404, reason: 'BadPath', outcome: 'rejected', note: 'The request path is not /3/device/<token>: a client bug.' },
  { status: 405, reason: 'MethodNotAllowed', outcome: 'rejected', note: 'Only POST is accepted: a client bug.' },

  { status: 410, reason: 'Unregistered', outcome: 'invalid_token', note: 'The app was removed or the token expired; the body timestamp says since when, so a later re-registration keeps the device.' },
  { status: 410, outcome: 'invalid_token', note: 'Apple uses 410 only for tokens that are no longer active, whatever reason string it adds.' },

  { status: 413, reason: 'PayloadTooLarge', outcome: 'rejected', note: 'Over 4096 bytes (5120 for VoIP); the same payload is refused every time.' },

  { status: 429, reason: 'TooManyProviderTokenUpdates', outcome: 'throttled', target: 'credential', note: 'The JWT was refreshed too often and the connection stays unusable for a while: every send with this key must wait.' },
  { status: 429, reason: 'TooManyRequests', outcome: 'throttled', target: 'device', note: 'Too many pushes to this one device; others on the same credential are unaffected.' },

  { status: 500, reason: 'InternalServerError', outcome: 'retry', note: 'A fault on Apple\'s side; the same request can succeed later.' },
  { status: 500, outcome: 'retry', note: 'Any 500 is Apple\'s fault and transient.' },
  { status: 503, reason: 'ServiceUnavailable', outcome: 'retry', note: 'APNs is temporarily unavailable; back off and resend.' },
  { status: 503, reason: 'Shutdown', outcome: 'retry', note: 'The server is closing this connection; reconnect and resend.' },
  { status: 503, outcome: 'retry', note: 'Any 503 is temporary unavailability.' },
];

/** The row of APNS_OUTCOMES that answers this response, or undefined if none does. */
export function apnsRule(response: Pick<ApnsResponse, 'status' | 'reason'>): OutcomeRule | undefined {
  const { status, reason } = response;
  return (
    APNS_OUTCOMES.find((r) => r.status === status && r.reason !== undefined && r.reason === reason) ??
    APNS_OUTCOMES.find((r) => r.status === undefined && r.reason !== undefined && r.reason === reason) ??
    APNS_OUTCOMES.find((r) => r.status === status && r.reason === undefined)
  );
}

export function apnsOutcome(response: ApnsResponse, nowMs: number = Date.now()): Outcome {
  const { status, reason } = response;
  const afterMs = parseRetryAfter(response.retryAfter, nowMs);
  const rule = apnsRule(response);
  if (!rule) return fallback(status, reason, afterMs);

  return outcomeFromRule(rule, { status, reason, afterMs, providerId: response.apnsId, since: response.timestamp });

}

/**
 * Whether an invalid_token outcome should mark the device invalid. An APNs 410 carries the
 * time the token stopped being valid; if the device registered again after that, the 410
 * describes an older life of the token and the device stays active.
 */
export function shouldDeactivate(outcome: Outcome, deviceRegisteredAtMs: number): boolean {
  if (outcome.kind !== 'invalid_token') return false;
  if (outcome.since === undefined || !Number.isFinite(outcome.since)) return true;
  return !(deviceRegisteredAtMs > outcome.since);
}

// Statuses Apple does not document: trust the HTTP class. A 2xx that is not 200 is still
// acceptance; 429 without a known reason is assumed to be key-wide because that is the
// safer way to back off; other 4xx (and anything odd like 3xx) will not fix themselves.
function fallback(status: number, reason: string | undefined, afterMs: number | undefined): Outcome {
  if (status >= 200 && status < 300) return { kind: 'ok' };
  if (status === 429) return withDefined({ kind: 'throttled', target: 'credential', status, reason, afterMs });
  if (status >= 500) return withDefined({ kind: 'retry', status, reason, afterMs });
  return withDefined({ kind: 'rejected', status, reason });
}

