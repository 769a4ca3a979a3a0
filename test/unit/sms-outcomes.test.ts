import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OutcomeRule } from '../../src/ports/provider.js';
import {
  TWILIO_OUTCOMES,
  twilioCode,
  twilioOutcome,
  twilioRule,
  twilioTransportOutcome,
  type TwilioResponse,
} from '../../src/adapters/providers/sms/outcomes.js';
import { testOutcomeTable, type TableExample } from '../helpers/outcome-table.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const rowName = (r: OutcomeRule): string => `${r.status ?? '*'} ${r.reason ?? '*'}`;
const error = (code: number, status = 400, message = 'error'): unknown => ({
  code,
  message,
  more_info: `https://www.twilio.com/docs/errors/${code}`,
  status,
});
const created = { sid: 'SM0123456789abcdef0123456789abcdef', status: 'queued', num_segments: '1' };

type Example = TableExample<TwilioResponse>;

const examples: Example[] = [
  { row: '201 *', answer: { status: 201, body: created }, expect: { kind: 'ok', providerId: created.sid } },
  { row: '201 *', answer: { status: 201, body: 'not json' }, expect: { kind: 'ok' } },
  { row: '200 *', answer: { status: 200, body: created }, expect: { kind: 'ok', providerId: created.sid } },
  { row: '* 21211', answer: { status: 400, body: error(21211, 400, "The 'To' number +1555 is not a valid phone number.") }, expect: { kind: 'invalid_token', status: 400, reason: '21211' } },
  { row: '* 21614', answer: { status: 400, body: error(21614) }, expect: { kind: 'invalid_token', status: 400, reason: '21614' } },
  { row: '* 21610', answer: { status: 400, body: error(21610, 400, 'Attempt to send to unsubscribed recipient') }, expect: { kind: 'invalid_token', status: 400, reason: '21610' } },
  { row: '* 21612', answer: { status: 400, body: error(21612) }, expect: { kind: 'rejected', status: 400, reason: '21612' } },
  { row: '* 21408', answer: { status: 400, body: error(21408) }, expect: { kind: 'rejected', status: 400, reason: '21408' } },
  { row: '* 21606', answer: { status: 400, body: error(21606) }, expect: { kind: 'rejected', status: 400, reason: '21606' } },
  { row: '* 21659', answer: { status: 400, body: error(21659) }, expect: { kind: 'rejected', status: 400, reason: '21659' } },
  { row: '* 21608', answer: { status: 400, body: error(21608) }, expect: { kind: 'rejected', status: 400, reason: '21608' } },
  { row: '* 21602', answer: { status: 400, body: error(21602) }, expect: { kind: 'rejected', status: 400, reason: '21602' } },
  { row: '* 21617', answer: { status: 400, body: error(21617) }, expect: { kind: 'rejected', status: 400, reason: '21617' } },
  { row: '* 20003', answer: { status: 401, body: error(20003, 401, 'Authenticate') }, expect: { kind: 'rejected', status: 401, reason: '20003' } },
  {
    row: '* 20429',
    answer: { status: 429, body: error(20429, 429, 'Too Many Requests'), retryAfter: '7' },
    expect: { kind: 'throttled', target: 'credential', status: 429, reason: '20429', afterMs: 7_000 },
  },
  { row: '429 *', answer: { status: 429 }, expect: { kind: 'throttled', target: 'credential', status: 429 } },
  { row: '429 *', answer: { status: 429, retryAfter: 'Thu, 15 Jan 2026 12:01:00 GMT' }, expect: { kind: 'throttled', target: 'credential', status: 429, afterMs: 60_000 } },
  { row: '500 *', answer: { status: 500, body: error(20500, 500, 'Internal Server Error') }, expect: { kind: 'retry', status: 500, reason: '20500' } },
  { row: '502 *', answer: { status: 502, body: '<html>Bad Gateway</html>' }, expect: { kind: 'retry', status: 502 } },
  { row: '503 *', answer: { status: 503, retryAfter: '30' }, expect: { kind: 'retry', status: 503, afterMs: 30_000 } },
  { row: '504 *', answer: { status: 504 }, expect: { kind: 'retry', status: 504 } },
];

testOutcomeTable({
  provider: 'Twilio',
  rows: TWILIO_OUTCOMES,
  rowName,
  examples,
  ruleFor: twilioRule,
  outcome: (r) => twilioOutcome(r, NOW),
});

test('Twilio: a network failure, a timeout and a closed sender are retried', () => {
  assert.deepEqual(twilioTransportOutcome('network'), { kind: 'retry', reason: 'network' });
  assert.deepEqual(twilioTransportOutcome('timeout'), { kind: 'retry', reason: 'timeout' });
  assert.deepEqual(twilioTransportOutcome('closed'), { kind: 'retry', reason: 'closed' });
});

test('Twilio: a code row matches whatever status a compatible gateway pairs it with', () => {
  assert.deepEqual(twilioOutcome({ status: 404, body: error(21211, 404) }, NOW), { kind: 'invalid_token', status: 404, reason: '21211' });
  assert.deepEqual(twilioOutcome({ status: 400, body: { code: '21610' } }, NOW), { kind: 'invalid_token', status: 400, reason: '21610' });
});

test('Twilio: unknown answers fall back on the HTTP class', () => {
  assert.deepEqual(twilioOutcome({ status: 400, body: error(21999) }, NOW), { kind: 'rejected', status: 400, reason: '21999' });
  assert.deepEqual(twilioOutcome({ status: 404, body: error(20404, 404) }, NOW), { kind: 'rejected', status: 404, reason: '20404' });
  assert.deepEqual(twilioOutcome({ status: 403 }, NOW), { kind: 'rejected', status: 403 });
  assert.deepEqual(twilioOutcome({ status: 301 }, NOW), { kind: 'rejected', status: 301 });
  assert.deepEqual(twilioOutcome({ status: 599, retryAfter: '2' }, NOW), { kind: 'retry', status: 599, afterMs: 2_000 });
  assert.deepEqual(twilioOutcome({ status: 202, body: created }, NOW), { kind: 'ok', providerId: created.sid });
  assert.equal(twilioRule({ status: 418 }), undefined);
});

test('Twilio: a stray code in a success body does not turn it into a failure', () => {
  assert.deepEqual(twilioOutcome({ status: 201, body: { ...created, code: 21211 } }, NOW), { kind: 'ok', providerId: created.sid });
});

test('twilioCode reads numeric and digit-string codes only', () => {
  assert.equal(twilioCode({ code: 21211 }), '21211');
  assert.equal(twilioCode({ code: '21211' }), '21211');
  for (const b of [undefined, null, [], {}, { code: '' }, { code: 'E21211' }, { code: 1.5 }, { code: true }, 'text']) assert.equal(twilioCode(b), undefined);
});
