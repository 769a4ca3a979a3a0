import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OutcomeRule } from '../../src/ports/provider.js';
import {
  FCM_OUTCOMES,
  fcmOutcome,
  fcmReasonKey,
  fcmRule,
  type FcmResponse,
} from '../../src/adapters/providers/fcm/outcomes.js';
import { testOutcomeTable, type TableExample } from '../helpers/outcome-table.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const rowName = (r: OutcomeRule): string => `${r.status ?? '*'} ${r.reason ?? '*'}`;

// Error bodies shaped like the real google.rpc.Status that FCM returns.
function fcmError(code: number, status: string, message: string, errorCode?: string, extra: unknown[] = []): unknown {
  const details: unknown[] = [...extra];
  if (errorCode) details.push({ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode });
  return { error: { code, message, status, details } };
}

const quotaFailure = (subject: string, description: string): unknown => ({
  '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
  violations: [{ subject, description }],
});

type Example = TableExample<FcmResponse>;

const examples: Example[] = [
  { row: '200 *', answer: { status: 200, body: { name: 'projects/p/messages/0:1700000000%abc' } }, expect: { kind: 'ok', providerId: 'projects/p/messages/0:1700000000%abc' } },
  { row: '200 *', answer: { status: 200 }, expect: { kind: 'ok' } },

  { row: '* UNREGISTERED', answer: { status: 404, body: fcmError(404, 'NOT_FOUND', 'Requested entity was not found.', 'UNREGISTERED') }, expect: { kind: 'invalid_token', status: 404, reason: 'UNREGISTERED' } },
  // The code decides even when the HTTP status is not the documented one.
  { row: '* UNREGISTERED', answer: { status: 400, body: fcmError(400, 'INVALID_ARGUMENT', 'gone', 'UNREGISTERED') }, expect: { kind: 'invalid_token', status: 400, reason: 'UNREGISTERED' } },

  { row: '* INVALID_ARGUMENT/token', answer: { status: 400, body: fcmError(400, 'INVALID_ARGUMENT', 'The registration token is not a valid FCM registration token', 'INVALID_ARGUMENT') }, expect: { kind: 'invalid_token', status: 400, reason: 'INVALID_ARGUMENT' } },
  { row: '* INVALID_ARGUMENT/token', answer: { status: 400, body: fcmError(400, 'INVALID_ARGUMENT', 'The registration token is not a valid FCM registration token') }, expect: { kind: 'invalid_token', status: 400, reason: 'INVALID_ARGUMENT' } },
  { row: '* INVALID_ARGUMENT', answer: { status: 400, body: fcmError(400, 'INVALID_ARGUMENT', "Invalid value at 'message.android.ttl'", 'INVALID_ARGUMENT') }, expect: { kind: 'rejected', status: 400, reason: 'INVALID_ARGUMENT' } },
  { row: '* INVALID_ARGUMENT', answer: { status: 400, body: fcmError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.') }, expect: { kind: 'rejected', status: 400, reason: 'INVALID_ARGUMENT' } },

  { row: '* SENDER_ID_MISMATCH', answer: { status: 403, body: fcmError(403, 'PERMISSION_DENIED', 'SenderId mismatch', 'SENDER_ID_MISMATCH') }, expect: { kind: 'rejected', status: 403, reason: 'SENDER_ID_MISMATCH' } },

  { row: '* QUOTA_EXCEEDED/device', answer: { status: 429, retryAfter: '10', body: fcmError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded.', 'QUOTA_EXCEEDED', [quotaFailure('', 'Device message rate exceeded.')]) }, expect: { kind: 'throttled', target: 'device', status: 429, reason: 'QUOTA_EXCEEDED', afterMs: 10_000 } },
  { row: '* QUOTA_EXCEEDED', answer: { status: 429, body: fcmError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded.', 'QUOTA_EXCEEDED', [quotaFailure('project_number:123', 'Message rate exceeded.')]) }, expect: { kind: 'throttled', target: 'credential', status: 429, reason: 'QUOTA_EXCEEDED' } },
  { row: '* QUOTA_EXCEEDED', answer: { status: 429, body: fcmError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded.', 'QUOTA_EXCEEDED') }, expect: { kind: 'throttled', target: 'credential', status: 429, reason: 'QUOTA_EXCEEDED' } },
  { row: '* RESOURCE_EXHAUSTED', answer: { status: 429, retryAfter: '60', body: fcmError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded for quota metric') }, expect: { kind: 'throttled', target: 'credential', status: 429, reason: 'RESOURCE_EXHAUSTED', afterMs: 60_000 } },

  { row: '* UNAVAILABLE', answer: { status: 503, retryAfter: '3', body: fcmError(503, 'UNAVAILABLE', 'The service is currently unavailable.', 'UNAVAILABLE') }, expect: { kind: 'retry', status: 503, reason: 'UNAVAILABLE', afterMs: 3_000 } },
  { row: '* UNAVAILABLE', answer: { status: 503, body: fcmError(503, 'UNAVAILABLE', 'The service is currently unavailable.') }, expect: { kind: 'retry', status: 503, reason: 'UNAVAILABLE' } },
  { row: '* INTERNAL', answer: { status: 500, body: fcmError(500, 'INTERNAL', 'Internal error encountered.', 'INTERNAL') }, expect: { kind: 'retry', status: 500, reason: 'INTERNAL' } },

  { row: '* THIRD_PARTY_AUTH_ERROR', answer: { status: 401, body: fcmError(401, 'UNAUTHENTICATED', 'Auth error from APNS or Web Push Service', 'THIRD_PARTY_AUTH_ERROR') }, expect: { kind: 'rejected', status: 401, reason: 'THIRD_PARTY_AUTH_ERROR' } },
  { row: '* UNAUTHENTICATED', answer: { status: 401, body: fcmError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.') }, expect: { kind: 'retry', status: 401, reason: 'UNAUTHENTICATED' } },
];

testOutcomeTable({
  provider: 'FCM',
  rows: FCM_OUTCOMES,
  rowName,
  examples,
  ruleFor: fcmRule,
  outcome: (r) => fcmOutcome(r, NOW),
});

test('FCM: the FcmError code wins over error.status, which is only the fallback', () => {
  assert.equal(fcmReasonKey(fcmError(404, 'NOT_FOUND', 'x', 'UNREGISTERED')), 'UNREGISTERED');
  assert.equal(fcmReasonKey(fcmError(503, 'UNAVAILABLE', 'x')), 'UNAVAILABLE');
  // A detail of another type does not count as the FcmError.
  const otherDetail = { error: { status: 'INTERNAL', details: [{ '@type': 'type.googleapis.com/google.rpc.DebugInfo', errorCode: 'UNREGISTERED' }] } };
  assert.equal(fcmReasonKey(otherDetail), 'INTERNAL');
  for (const body of [undefined, null, 'oops', [], { error: 'x' }, { error: { details: 'nope' } }]) {
    assert.equal(fcmReasonKey(body), undefined);
  }
});

test('FCM unknown answers fall back on the HTTP class', () => {
  assert.deepEqual(fcmOutcome({ status: 404, body: fcmError(404, 'NOT_FOUND', 'Requested entity was not found.') }, NOW), { kind: 'rejected', status: 404, reason: 'NOT_FOUND' });
  assert.deepEqual(fcmOutcome({ status: 403, body: fcmError(403, 'PERMISSION_DENIED', 'denied') }, NOW), { kind: 'rejected', status: 403, reason: 'PERMISSION_DENIED' });
  assert.deepEqual(fcmOutcome({ status: 400, body: 'not json' }, NOW), { kind: 'rejected', status: 400 });
  assert.deepEqual(fcmOutcome({ status: 502, retryAfter: '1' }, NOW), { kind: 'retry', status: 502, afterMs: 1_000 });
  assert.deepEqual(fcmOutcome({ status: 500, body: fcmError(500, 'SOMETHING_NEW', 'x', 'SOMETHING_NEW') }, NOW), { kind: 'retry', status: 500, reason: 'SOMETHING_NEW' });
  assert.deepEqual(fcmOutcome({ status: 429 }, NOW), { kind: 'throttled', target: 'credential', status: 429 });
  assert.deepEqual(fcmOutcome({ status: 204 }, NOW), { kind: 'ok' });
  assert.equal(fcmRule({ status: 418 }), undefined);
});
