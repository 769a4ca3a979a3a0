import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { Outcome } from '../../src/ports/provider.js';
import type { OutboundFailureReason } from '../../src/adapters/net/outbound-error.js';
import {
  WEBHOOK_FAILURE_OUTCOMES,
  WEBHOOK_STATUS_OUTCOMES,
  webhookFailureOutcome,
  webhookOutcome,
  webhookStatusRule,
  type WebhookStatusRule,
} from '../../src/adapters/providers/webhook/outcomes.js';
import { createWebhookSigner, parseWebhookSecret, signWebhook } from '../../src/adapters/providers/webhook/signature.js';
import { testOutcomeTable, type TableExample } from '../helpers/outcome-table.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const rowName = (r: WebhookStatusRule): string => (r.from === r.to ? String(r.from) : `${r.from}-${r.to}`);

const examples: TableExample<{ status: number; retryAfter?: string }>[] = [
  { row: '200-299', answer: { status: 200 }, expect: { kind: 'ok' } },
  { row: '200-299', answer: { status: 204 }, expect: { kind: 'ok' } },
  { row: '200-299', answer: { status: 299, retryAfter: '5' }, expect: { kind: 'ok' } },
  { row: '410', answer: { status: 410 }, expect: { kind: 'invalid_token', status: 410, reason: 'gone' } },
  { row: '429', answer: { status: 429, retryAfter: '12' }, expect: { kind: 'throttled', target: 'device', status: 429, afterMs: 12_000 } },
  { row: '429', answer: { status: 429 }, expect: { kind: 'throttled', target: 'device', status: 429 } },
  { row: '408', answer: { status: 408 }, expect: { kind: 'retry', status: 408 } },
  { row: '425', answer: { status: 425, retryAfter: '1' }, expect: { kind: 'retry', status: 425, afterMs: 1_000 } },
  { row: '500-599', answer: { status: 500 }, expect: { kind: 'retry', status: 500 } },
  { row: '500-599', answer: { status: 503, retryAfter: 'Thu, 15 Jan 2026 12:00:30 GMT' }, expect: { kind: 'retry', status: 503, afterMs: 30_000 } },
  { row: '400-499', answer: { status: 400 }, expect: { kind: 'rejected', status: 400 } },
  { row: '400-499', answer: { status: 401 }, expect: { kind: 'rejected', status: 401 } },
  { row: '400-499', answer: { status: 404 }, expect: { kind: 'rejected', status: 404 } },
  { row: '400-499', answer: { status: 413, retryAfter: '5' }, expect: { kind: 'rejected', status: 413 } },
  { row: '300-399', answer: { status: 301 }, expect: { kind: 'rejected', status: 301 } },
  { row: '300-399', answer: { status: 307 }, expect: { kind: 'rejected', status: 307 } },
];

testOutcomeTable({
  provider: 'webhook',
  table: 'status table',
  rows: WEBHOOK_STATUS_OUTCOMES,
  rowName,
  examples,
  ruleFor: (answer) => webhookStatusRule(answer.status),
  outcome: (answer) => webhookOutcome(answer, NOW),
});

test('webhook status table: every status 200–599 lands on some row', () => {
  for (let s = 200; s <= 599; s++) assert.ok(webhookStatusRule(s), `status ${s}`);
});

test('webhook: a status outside HTTP\'s classes is a broken receiver → retry', () => {
  assert.equal(webhookStatusRule(199), undefined);
  assert.deepEqual(webhookOutcome({ status: 199 }, NOW), { kind: 'retry', status: 199 });
  assert.deepEqual(webhookOutcome({ status: 600 }, NOW), { kind: 'retry', status: 600 });
});

const failures: Record<OutboundFailureReason, Outcome> = {
  scheme: { kind: 'rejected', reason: 'scheme' },
  forbidden_address: { kind: 'rejected', reason: 'forbidden_address' },
  dns: { kind: 'retry', reason: 'dns' },
  timeout: { kind: 'retry', reason: 'timeout' },
  network: { kind: 'retry', reason: 'network' },
  too_large: { kind: 'retry', reason: 'too_large' },
  tls: { kind: 'retry', reason: 'tls' },
};

testOutcomeTable({
  provider: 'webhook',
  table: 'guard/transport failure table',
  rows: Object.values(WEBHOOK_FAILURE_OUTCOMES),
  rowName: (rule) => (Object.keys(WEBHOOK_FAILURE_OUTCOMES) as OutboundFailureReason[]).find((reason) => WEBHOOK_FAILURE_OUTCOMES[reason] === rule)!,
  examples: (Object.entries(failures) as [OutboundFailureReason, Outcome][]).map(([reason, expect]) => ({ row: reason, answer: reason, expect })),
  ruleFor: (reason) => WEBHOOK_FAILURE_OUTCOMES[reason],
  outcome: webhookFailureOutcome,
});

// The Standard Webhooks specification's published example (also the test vector of its reference libraries).
const SPEC = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

test('signWebhook reproduces the Standard Webhooks example signature', () => {
  assert.equal(signWebhook(SPEC.secret, SPEC.id, SPEC.timestamp, SPEC.body), SPEC.signature);
});

test('signWebhook with several secrets: one signature per secret, space-separated, in order', () => {
  const other = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
  const header = signWebhook([other, SPEC.secret], SPEC.id, SPEC.timestamp, SPEC.body);
  const parts = header.split(' ');
  assert.equal(parts.length, 2);
  assert.equal(parts[1], SPEC.signature);
  const independent = createHmac('sha256', Buffer.alloc(32, 7)).update(`${SPEC.id}.${SPEC.timestamp}.${SPEC.body}`).digest('base64');
  assert.equal(parts[0], `v1,${independent}`);
  assert.equal(createWebhookSigner([other, SPEC.secret])(SPEC.id, SPEC.timestamp, SPEC.body), header);
});

test('signWebhook signs the exact body bytes, UTF-8 included', () => {
  const key = Buffer.alloc(24, 1);
  const body = '{"text":"héllo 😀"}';
  const expected = createHmac('sha256', key).update(Buffer.from(`m1.5.${body}`, 'utf8')).digest('base64');
  assert.equal(signWebhook('whsec_' + key.toString('base64'), 'm1', 5, body), `v1,${expected}`);
});

test('webhook secrets: whsec_ + base64 of 24–64 bytes; errors never repeat the secret', () => {
  assert.equal(parseWebhookSecret(SPEC.secret).length, 24);
  assert.equal(parseWebhookSecret('whsec_' + Buffer.alloc(64).toString('base64')).length, 64);
  const bad = [
    'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    'whsec_',
    'whsec_' + Buffer.alloc(16).toString('base64'),
    'whsec_' + Buffer.alloc(65).toString('base64'),
    'whsec_MfKQ9r8GKYqrTwjU PD8ILPZIo2LaLaSw',
    'whsec_MfKQ9r8GKYqrTwjU-PD8ILPZIo2LaLaSw',
    'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw!',
  ];
  for (const secret of bad) {
    assert.throws(() => parseWebhookSecret(secret), (err: Error) => secret.length <= 6 || !err.message.includes(secret.slice(6)), secret);
  }
  assert.throws(() => createWebhookSigner([]), /at least one/);
});

test('signWebhook refuses ids that cannot be a header and timestamps that are not Unix seconds', () => {
  for (const id of ['', 'has space', 'line\nbreak', 'ünï', 'x'.repeat(257)]) assert.throws(() => signWebhook(SPEC.secret, id, 1, '{}'), /id/);
  for (const ts of [-1, 1.5, Number.NaN, 2 ** 60]) assert.throws(() => signWebhook(SPEC.secret, 'm', ts, '{}'), /timestamp/);
});
