import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OutcomeRule } from '../../src/ports/provider.js';
import {
  APNS_OUTCOMES,
  apnsOutcome,
  apnsRule,
  shouldDeactivate,
  type ApnsResponse,
} from '../../src/adapters/providers/apns/outcomes.js';
import { testOutcomeTable, type TableExample } from '../helpers/outcome-table.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

// A row is named "<status|*> <reason|*>", the same way it is written in the table.
const rowName = (r: OutcomeRule): string => `${r.status ?? '*'} ${r.reason ?? '*'}`;

type Example = TableExample<ApnsResponse>;

const rej = (status: number, reason: string): Example => ({
  row: `${status} ${reason}`,
  answer: { status, reason },
  expect: { kind: 'rejected', status, reason },
});

const examples: Example[] = [
  { row: '200 *', answer: { status: 200, apnsId: 'a1b2c3d4-0000-4000-8000-000000000001' }, expect: { kind: 'ok', providerId: 'a1b2c3d4-0000-4000-8000-000000000001' } },
  { row: '200 *', answer: { status: 200 }, expect: { kind: 'ok' } },

  { row: '400 BadDeviceToken', answer: { status: 400, reason: 'BadDeviceToken' }, expect: { kind: 'invalid_token', status: 400, reason: 'BadDeviceToken' } },
  { row: '400 DeviceTokenNotForTopic', answer: { status: 400, reason: 'DeviceTokenNotForTopic' }, expect: { kind: 'invalid_token', status: 400, reason: 'DeviceTokenNotForTopic' } },
  rej(400, 'BadCollapseId'),
  rej(400, 'BadExpirationDate'),
  rej(400, 'BadMessageId'),
  rej(400, 'BadPriority'),
  rej(400, 'BadTopic'),
  rej(400, 'DuplicateHeaders'),
  { row: '400 IdleTimeout', answer: { status: 400, reason: 'IdleTimeout' }, expect: { kind: 'retry', status: 400, reason: 'IdleTimeout' } },
  rej(400, 'InvalidPushType'),
  rej(400, 'MissingDeviceToken'),
  rej(400, 'MissingTopic'),
  rej(400, 'PayloadEmpty'),
  rej(400, 'TopicDisallowed'),

  { row: '403 ExpiredProviderToken', answer: { status: 403, reason: 'ExpiredProviderToken' }, expect: { kind: 'retry', status: 403, reason: 'ExpiredProviderToken' } },
  rej(403, 'BadCertificate'),
  rej(403, 'BadCertificateEnvironment'),
  rej(403, 'Forbidden'),
  rej(403, 'InvalidProviderToken'),
  rej(403, 'MissingProviderToken'),
  rej(404, 'BadPath'),
  rej(405, 'MethodNotAllowed'),

  { row: '410 Unregistered', answer: { status: 410, reason: 'Unregistered', timestamp: 1_767_225_600_000 }, expect: { kind: 'invalid_token', status: 410, reason: 'Unregistered', since: 1_767_225_600_000 } },
  { row: '410 Unregistered', answer: { status: 410, reason: 'Unregistered' }, expect: { kind: 'invalid_token', status: 410, reason: 'Unregistered' } },
  { row: '410 *', answer: { status: 410, reason: 'ExpiredToken', timestamp: 5 }, expect: { kind: 'invalid_token', status: 410, reason: 'ExpiredToken', since: 5 } },
  { row: '410 *', answer: { status: 410 }, expect: { kind: 'invalid_token', status: 410 } },

  rej(413, 'PayloadTooLarge'),

  { row: '429 TooManyProviderTokenUpdates', answer: { status: 429, reason: 'TooManyProviderTokenUpdates' }, expect: { kind: 'throttled', target: 'credential', status: 429, reason: 'TooManyProviderTokenUpdates' } },
  { row: '429 TooManyRequests', answer: { status: 429, reason: 'TooManyRequests', retryAfter: '30' }, expect: { kind: 'throttled', target: 'device', status: 429, reason: 'TooManyRequests', afterMs: 30_000 } },

  { row: '500 InternalServerError', answer: { status: 500, reason: 'InternalServerError' }, expect: { kind: 'retry', status: 500, reason: 'InternalServerError' } },
  { row: '500 *', answer: { status: 500 }, expect: { kind: 'retry', status: 500 } },
  { row: '503 ServiceUnavailable', answer: { status: 503, reason: 'ServiceUnavailable', retryAfter: '120' }, expect: { kind: 'retry', status: 503, reason: 'ServiceUnavailable', afterMs: 120_000 } },
  { row: '503 Shutdown', answer: { status: 503, reason: 'Shutdown' }, expect: { kind: 'retry', status: 503, reason: 'Shutdown' } },
  { row: '503 *', answer: { status: 503, reason: 'SomethingNew', retryAfter: new Date(NOW + 5_000).toUTCString() }, expect: { kind: 'retry', status: 503, reason: 'SomethingNew', afterMs: 5_000 } },
];

testOutcomeTable({
  provider: 'APNs',
  rows: APNS_OUTCOMES,
  rowName,
  examples,
  ruleFor: apnsRule,
  outcome: (r) => apnsOutcome(r, NOW),
});

test('APNs unknown answers fall back on the HTTP class', () => {
  assert.deepEqual(apnsOutcome({ status: 400, reason: 'BrandNewReason' }, NOW), { kind: 'rejected', status: 400, reason: 'BrandNewReason' });
  assert.deepEqual(apnsOutcome({ status: 403 }, NOW), { kind: 'rejected', status: 403 });
  assert.deepEqual(apnsOutcome({ status: 418 }, NOW), { kind: 'rejected', status: 418 });
  assert.deepEqual(apnsOutcome({ status: 502, retryAfter: '7' }, NOW), { kind: 'retry', status: 502, afterMs: 7_000 });
  assert.deepEqual(apnsOutcome({ status: 504 }, NOW), { kind: 'retry', status: 504 });
  assert.deepEqual(apnsOutcome({ status: 429, reason: 'Other' }, NOW), { kind: 'throttled', target: 'credential', status: 429, reason: 'Other' });
  assert.deepEqual(apnsOutcome({ status: 202 }, NOW), { kind: 'ok' });
  assert.deepEqual(apnsOutcome({ status: 302 }, NOW), { kind: 'rejected', status: 302 });
  // A reason sent with a status Apple does not pair it with is not trusted to kill a token.
  assert.deepEqual(apnsOutcome({ status: 500, reason: 'BadDeviceToken' }, NOW), { kind: 'retry', status: 500, reason: 'BadDeviceToken' });
  assert.equal(apnsRule({ status: 599 }), undefined);
});

test('APNs garbage Retry-After is ignored and a non-numeric timestamp is dropped', () => {
  assert.deepEqual(apnsOutcome({ status: 503, reason: 'ServiceUnavailable', retryAfter: 'soon' }, NOW), { kind: 'retry', status: 503, reason: 'ServiceUnavailable' });
  assert.deepEqual(apnsOutcome({ status: 410, reason: 'Unregistered', timestamp: Number.NaN }, NOW), { kind: 'invalid_token', status: 410, reason: 'Unregistered' });
});

test('shouldDeactivate: a 410 older than the last registration leaves the device active', () => {
  const gone = apnsOutcome({ status: 410, reason: 'Unregistered', timestamp: 1_000 }, NOW);
  assert.equal(shouldDeactivate(gone, 999), true); // registered before the token died
  assert.equal(shouldDeactivate(gone, 1_000), true); // same instant: not "after"
  assert.equal(shouldDeactivate(gone, 1_001), false); // re-registered since
});

test('shouldDeactivate: invalid tokens without a timestamp always deactivate; other outcomes never do', () => {
  assert.equal(shouldDeactivate(apnsOutcome({ status: 400, reason: 'BadDeviceToken' }, NOW), NOW), true);
  assert.equal(shouldDeactivate(apnsOutcome({ status: 410, reason: 'Unregistered' }, NOW), NOW), true);
  for (const o of [
    apnsOutcome({ status: 200 }, NOW),
    apnsOutcome({ status: 429, reason: 'TooManyRequests' }, NOW),
    apnsOutcome({ status: 413, reason: 'PayloadTooLarge' }, NOW),
    apnsOutcome({ status: 503 }, NOW),
  ]) {
    assert.equal(shouldDeactivate(o, 0), false);
  }
});
