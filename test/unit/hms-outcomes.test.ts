import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OutcomeRule } from '../../src/ports/provider.js';
import {
  HMS_OUTCOMES,
  hmsCode,
  hmsIllegalTokens,
  hmsOutcome,
  hmsRule,
  type HmsResponse,
} from '../../src/adapters/providers/hms/outcomes.js';
import { testOutcomeTable, type TableExample } from '../helpers/outcome-table.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const rowName = (r: OutcomeRule): string => `${r.status ?? '*'} ${r.reason ?? '*'}`;
const body = (code: string | number, msg: unknown, requestId = '17000000000001234'): unknown => ({ code, msg, requestId });

type Example = TableExample<HmsResponse>;

const examples: Example[] = [
  { row: '* 80000000', answer: { status: 200, body: body('80000000', 'Success') }, expect: { kind: 'ok', providerId: '17000000000001234' } },
  { row: '* 80000000', answer: { status: 200, body: { code: 80000000, msg: 'Success' } }, expect: { kind: 'ok' } },
  { row: '* 80100000', answer: { status: 200, body: body('80100000', '{"success":1,"failure":1,"illegal_tokens":["tok-b"]}') }, expect: { kind: 'ok', providerId: '17000000000001234' } },
  { row: '* 80100003', answer: { status: 400, body: body('80100003', 'Illegal payload') }, expect: { kind: 'rejected', status: 400, reason: '80100003' } },
  { row: '* 80100016', answer: { status: 400, body: body('80100016', 'The message contains sensitive information') }, expect: { kind: 'rejected', status: 400, reason: '80100016' } },
  { row: '* 80200001', answer: { status: 401, body: body('80200001', 'Oauth authentication error') }, expect: { kind: 'rejected', status: 401, reason: '80200001' } },
  { row: '* 80200003', answer: { status: 401, body: body('80200003', 'Oauth Token expired') }, expect: { kind: 'retry', status: 401, reason: '80200003' } },
  { row: '* 80200003', answer: { status: 200, body: body(80200003, 'Oauth Token expired') }, expect: { kind: 'retry', status: 200, reason: '80200003' } },
  { row: '* 80300007', answer: { status: 400, body: body('80300007', 'All the tokens are invalid') }, expect: { kind: 'invalid_token', status: 400, reason: '80300007' } },
  { row: '* 80300010', answer: { status: 400, body: body('80300010', 'The number of tokens exceeds the upper limit') }, expect: { kind: 'rejected', status: 400, reason: '80300010' } },
  { row: '503 *', answer: { status: 503, retryAfter: '20' }, expect: { kind: 'throttled', target: 'credential', status: 503, afterMs: 20_000 } },
  { row: '503 *', answer: { status: 503, body: 'Service Unavailable' }, expect: { kind: 'throttled', target: 'credential', status: 503 } },
];

testOutcomeTable({
  provider: 'HMS',
  rows: HMS_OUTCOMES,
  rowName,
  examples,
  ruleFor: hmsRule,
  outcome: (r) => hmsOutcome(r, NOW),
});

test('HMS unknown answers fall back on the HTTP class', () => {
  assert.deepEqual(hmsOutcome({ status: 200, body: body('80300002', 'No permission') }, NOW), { kind: 'rejected', status: 200, reason: '80300002' });
  assert.deepEqual(hmsOutcome({ status: 200 }, NOW), { kind: 'rejected', status: 200 });
  assert.deepEqual(hmsOutcome({ status: 404 }, NOW), { kind: 'rejected', status: 404 });
  assert.deepEqual(hmsOutcome({ status: 500, body: body('81000001', 'System inner error') }, NOW), { kind: 'retry', status: 500, reason: '81000001' });
  assert.deepEqual(hmsOutcome({ status: 502, retryAfter: '2' }, NOW), { kind: 'retry', status: 502, afterMs: 2_000 });
  assert.deepEqual(hmsOutcome({ status: 429 }, NOW), { kind: 'throttled', target: 'credential', status: 429 });
  assert.equal(hmsRule({ status: 418 }), undefined);
});

test('hmsCode accepts quoted and bare codes only', () => {
  assert.equal(hmsCode({ code: '80000000' }), '80000000');
  assert.equal(hmsCode({ code: 80000000 }), '80000000');
  for (const b of [undefined, null, [], {}, { code: '' }, { code: 1.5 }, { code: true }]) assert.equal(hmsCode(b), undefined);
});

test('hmsIllegalTokens reads the list from msg, as JSON text or as an object', () => {
  assert.deepEqual(hmsIllegalTokens(body('80100000', '{"success":1,"failure":2,"illegal_tokens":["tok-b","tok-c"]}')), ['tok-b', 'tok-c']);
  assert.deepEqual(hmsIllegalTokens(body('80300007', { success: 0, failure: 1, illegal_tokens: ['tok-a'] })), ['tok-a']);
  assert.deepEqual(
    hmsIllegalTokens(body('80100000', JSON.stringify({ illegal_tokens: { noRight: ['tok-a'], tokenFormatError: ['tok-b', 'tok-a'] } }))),
    ['tok-a', 'tok-b'],
  );
});

test('hmsIllegalTokens yields nothing for bodies it cannot read', () => {
  for (const b of [undefined, 'x', body('80000000', 'Success'), body('80100000', '{broken'), body('80100000', '{"illegal_tokens":"tok"}'), body('80100000', '{"illegal_tokens":[1,null,""]}')]) {
    assert.deepEqual(hmsIllegalTokens(b), []);
  }
});
