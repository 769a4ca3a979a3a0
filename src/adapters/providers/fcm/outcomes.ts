import type { Outcome, OutcomeRule } from '../../../ports/provider.js';
import { parseRetryAfter } from '../retry-after.js';
import { isObject, outcomeFromRule, withDefined } from '../outcome-helpers.js';

/** What the FCM client hands over after one messages:send request. */
export interface FcmResponse {
  status: number;
  /** Parsed JSON body: `{name}` on success, `{error: {code, message, status, details}}` on failure. */
  body?: unknown;
  /** Raw Retry-After header, if any. */
  retryAfter?: string;
}

const FCM_ERROR_TYPE = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';
const QUOTA_FAILURE_TYPE = 'type.googleapis.com/google.rpc.QuotaFailure';

/**
 * Reason keys are the FcmError errorCode, else the google.rpc `error.status`. Two codes
 * mean different things depending on the error body, so the classifier refines them into
 * keys with a `/` suffix; the outcome still reports the plain code.
 *
 * Code rows carry no status: the code is authoritative and FCM does not always pair it
 * with the HTTP status its docs show (that status is quoted in the note).
 */
export const FCM_OUTCOMES: readonly OutcomeRule[] = [
  { status: 200, outcome: 'ok', note: 'FCM accepted the message and returned its name (projects/…/messages/…).' },

  { reason: 'UNREGISTERED', outcome: 'invalid_token', note: 'HTTP 404: the app was uninstalled or the token expired; FCM says to delete the token.' },
  { reason: 'INVALID_ARGUMENT/token', outcome: 'invalid_token', note: 'HTTP 400 whose message says the token is not a valid FCM registration token: only then is the token the problem.' },
  { reason: 'INVALID_ARGUMENT', outcome: 'rejected', note: 'HTTP 400 about some other field of the message: fix the request, keep the token.' },
  { reason: 'SENDER_ID_MISMATCH', outcome: 'rejected', note: 'HTTP 403: the token belongs to another Firebase project. Flagged rather than deleted, since a wrong project in our own config looks the same for every device.' },
  { reason: 'QUOTA_EXCEEDED/device', outcome: 'throttled', target: 'device', note: 'HTTP 429 whose QuotaFailure names the device rate: back off this token only.' },
  { reason: 'QUOTA_EXCEEDED', outcome: 'throttled', target: 'credential', note: 'HTTP 429 for the project message rate (or an unnamed quota): every send on this service account would hit it until the minute window refills.' },
  { reason: 'RESOURCE_EXHAUSTED', outcome: 'throttled', target: 'credential', note: 'HTTP 429 without an FcmError: the per-project 600k/min quota or overload, lasting until the next (unaligned) minute.' },
  { reason: 'UNAVAILABLE', outcome: 'retry', note: 'HTTP 503: FCM is overloaded; back off with jitter and honour Retry-After.' },
  { reason: 'INTERNAL', outcome: 'retry', note: 'HTTP 500: an unknown server fault; FCM says to retry as for UNAVAILABLE.' },
  { reason: 'THIRD_PARTY_AUTH_ERROR', outcome: 'rejected', note: 'HTTP 401: the APNs or Web Push credential stored in Firebase is bad; ops must fix it and retries only add load.' },
  { reason: 'UNAUTHENTICATED', outcome: 'retry', note: 'HTTP 401 without an FcmError: our OAuth access token was refused (usually expired); the client drops its cached token and signs a new one.' },
];

export function fcmRule(response: Pick<FcmResponse, 'status' | 'body'>): OutcomeRule | undefined {
  const status = response.status;
  const key = fcmReasonKey(response.body);
  return (
    FCM_OUTCOMES.find((r) => r.status === status && r.reason !== undefined && r.reason === key) ??
    FCM_OUTCOMES.find((r) => r.status === undefined && r.reason !== undefined && r.reason === key) ??
    FCM_OUTCOMES.find((r) => r.status === status && r.reason === undefined)
  );
}

export function fcmOutcome(response: FcmResponse, nowMs: number = Date.now()): Outcome {
  const { status } = response;
  const error = errorOf(response.body);
  const reason = error ? (fcmErrorCode(error) ?? str(error.status)) : undefined;
  const afterMs = parseRetryAfter(response.retryAfter, nowMs);
  const rule = fcmRule(response);

  if (!rule) return fallback(status, reason, afterMs);
  const name = isObject(response.body) ? str(response.body.name) : undefined;
  return outcomeFromRule(rule, { status, reason, afterMs, providerId: name });

}

/** The table key for an error body: errorCode or error.status, refined where the table needs it. */
export function fcmReasonKey(body: unknown): string | undefined {
  const error = errorOf(body);
  if (!error) return undefined;
  const code = fcmErrorCode(error) ?? str(error.status);
  if (code === 'INVALID_ARGUMENT' && /not a valid FCM registration token/i.test(str(error.message) ?? '')) {
    return 'INVALID_ARGUMENT/token';
  }
  if (code === 'QUOTA_EXCEEDED' && isDeviceQuota(error)) return 'QUOTA_EXCEEDED/device';
  return code;
}

function fcmErrorCode(error: Record<string, unknown>): string | undefined {
  const detail = details(error).find((d) => d['@type'] === FCM_ERROR_TYPE);
  return detail ? str(detail.errorCode) : undefined;
}

// FCM documents the device, message and topic rates but not the exact wording of the
// QuotaFailure it attaches, so any violation that talks about the device counts.
function isDeviceQuota(error: Record<string, unknown>): boolean {
  for (const d of details(error)) {
    if (d['@type'] !== QUOTA_FAILURE_TYPE || !Array.isArray(d.violations)) continue;
    for (const v of d.violations) {
      if (!isObject(v)) continue;
      if (/device/i.test(`${str(v.subject) ?? ''} ${str(v.description) ?? ''}`)) return true;
    }
  }
  return false;
}

// FCM only documents codes for 4xx/5xx; others are judged by their HTTP class. An
// unexplained 429 is treated as project-wide because backing off too broadly is the
// cheaper mistake.
function fallback(status: number, reason: string | undefined, afterMs: number | undefined): Outcome {
  if (status >= 200 && status < 300) return { kind: 'ok' };
  if (status === 429) return withDefined({ kind: 'throttled', target: 'credential', status, reason, afterMs });
  if (status >= 500) return withDefined({ kind: 'retry', status, reason, afterMs });
  return withDefined({ kind: 'rejected', status, reason });
}

function errorOf(body: unknown): Record<string, unknown> | undefined {
  return isObject(body) && isObject(body.error) ? body.error : undefined;
}

function details(error: Record<string, unknown>): Record<string, unknown>[] {
  return Array.isArray(error.details) ? error.details.filter(isObject) : [];
}


function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

