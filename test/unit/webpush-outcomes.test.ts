import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WEB_PUSH_OUTCOMES, parseRetryAfter, webPushOutcome } from '../../src/adapters/providers/webpush/outcomes.js';
import { pushHeaders } from '../../src/adapters/providers/webpush/headers.js';
import { WebPushError } from '../../src/adapters/providers/webpush/errors.js';
import { testOutcomeTable } from '../helpers/outcome-table.js';

const NOW = Date.UTC(2026, 10, 23, 9, 0, 0);

// One test per table row; the last test checks every row is covered here.
const ROWS: Array<[number, ReturnType<typeof webPushOutcome>]> = [
  [200, { kind: 'ok' }],
  [201, { kind: 'ok' }],
  [202, { kind: 'ok' }],
  [400, { kind: 'rejected', status: 400, reason: 'bad_request' }],
  [401, { kind: 'rejected', status: 401, reason: 'vapid_unauthorized' }],
  [403, { kind: 'rejected', status: 403, reason: 'vapid_forbidden' }],
  [404, { kind: 'invalid_token', status: 404, reason: 'subscription_not_found' }],
  [410, { kind: 'invalid_token', status: 410, reason: 'subscription_gone' }],
  [413, { kind: 'rejected', status: 413, reason: 'payload_too_large' }],
  [429, { kind: 'throttled', target: 'device', status: 429, reason: 'too_many_requests', afterMs: 30_000 }],
  [500, { kind: 'retry', status: 500, reason: 'http_500', afterMs: 30_000 }],
  [502, { kind: 'retry', status: 502, reason: 'http_502', afterMs: 30_000 }],
  [503, { kind: 'retry', status: 503, reason: 'http_503', afterMs: 30_000 }],
  [504, { kind: 'retry', status: 504, reason: 'http_504', afterMs: 30_000 }],
];

testOutcomeTable({
  provider: 'Web Push',
  rows: WEB_PUSH_OUTCOMES,
  rowName: (rule) => String(rule.status),
  examples: ROWS.map(([status, expect]) => ({ row: String(status), answer: status, expect })),
  ruleFor: (status) => WEB_PUSH_OUTCOMES.find((r) => r.status === status),
  outcome: (status) => webPushOutcome(status, '30', NOW),
  minNote: 1,
});

test('every table row has a test above, in the table\'s order', () => {
  assert.deepEqual(WEB_PUSH_OUTCOMES.map((r) => r.status), ROWS.map(([s]) => s));
});

test('statuses outside the table fall back by class', () => {
  assert.deepEqual(webPushOutcome(204), { kind: 'ok' });
  assert.deepEqual(webPushOutcome(507, '5', NOW), { kind: 'retry', status: 507, reason: 'http_507', afterMs: 5000 });
  assert.deepEqual(webPushOutcome(418), { kind: 'rejected', status: 418, reason: 'http_418' });
  assert.deepEqual(webPushOutcome(301), { kind: 'rejected', status: 301, reason: 'http_301' }, 'redirects are never followed');
});

test('retry and throttled omit afterMs when there is no usable Retry-After', () => {
  assert.deepEqual(webPushOutcome(503), { kind: 'retry', status: 503, reason: 'http_503' });
  assert.deepEqual(webPushOutcome(429, 'soon', NOW), { kind: 'throttled', target: 'device', status: 429, reason: 'too_many_requests' });
});

test('Retry-After: delta-seconds', () => {
  assert.equal(parseRetryAfter('0', NOW), 0);
  assert.equal(parseRetryAfter('120', NOW), 120_000);
  assert.equal(parseRetryAfter(' 7 ', NOW), 7000);
});

test('Retry-After: HTTP-date, relative to now and never negative', () => {
  assert.equal(parseRetryAfter('Mon, 23 Nov 2026 09:01:30 GMT', NOW), 90_000);
  assert.equal(parseRetryAfter('Mon, 23 Nov 2026 08:00:00 GMT', NOW), 0);
  assert.equal(webPushOutcome(503, 'Mon, 23 Nov 2026 09:00:10 GMT', NOW).kind, 'retry');
  assert.deepEqual(webPushOutcome(429, 'Mon, 23 Nov 2026 09:00:10 GMT', NOW), {
    kind: 'throttled', target: 'device', status: 429, reason: 'too_many_requests', afterMs: 10_000,
  });
});

test('Retry-After: absent or garbage is ignored', () => {
  // Edge cases of the number form are the shared parser's (test/unit/retry-after.test.ts).
  for (const value of [undefined, '', 'tomorrow', 'Xyz, not a date']) {
    assert.equal(parseRetryAfter(value, NOW), undefined, String(value));
  }
});

const AUTH = 'vapid t=eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJ4In0.c2ln, k=BPub';

test('push headers carry encoding, TTL, urgency, topic and VAPID', () => {
  assert.deepEqual(pushHeaders({ ttlSeconds: 3600, urgency: 'high', topic: 'orders', vapidAuthorization: AUTH }), {
    'Content-Encoding': 'aes128gcm',
    'Content-Type': 'application/octet-stream',
    TTL: '3600',
    Authorization: AUTH,
    Urgency: 'high',
    Topic: 'orders',
  });
  const minimal = pushHeaders({ ttlSeconds: 0, vapidAuthorization: AUTH });
  assert.equal(minimal.TTL, '0');
  assert.ok(!('Urgency' in minimal) && !('Topic' in minimal));
  assert.equal(pushHeaders({ ttlSeconds: 1, topic: 'A'.repeat(32), vapidAuthorization: AUTH }).Topic, 'A'.repeat(32));
});

test('push headers are validated', () => {
  const bad = (opts: Partial<Parameters<typeof pushHeaders>[0]>) =>
    assert.throws(() => pushHeaders({ ttlSeconds: 60, vapidAuthorization: AUTH, ...opts }), (e: unknown) => e instanceof WebPushError && e.reason === 'bad_header');
  bad({ ttlSeconds: -1 });
  bad({ ttlSeconds: 1.5 });
  bad({ ttlSeconds: Number.NaN });
  bad({ urgency: 'urgent' as never });
  bad({ topic: 'A'.repeat(33) });
  bad({ topic: '' });
  bad({ topic: 'has space' });
  bad({ topic: 'a+b/c=' });
  bad({ vapidAuthorization: 'Bearer abc' });
  bad({ vapidAuthorization: `${AUTH}\r\nX-Injected: 1` });
});
