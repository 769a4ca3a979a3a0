import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Outcome } from '../../src/ports/provider.js';
import {
  SMTP_OUTCOMES,
  parseSmtpReply,
  smtpErrorRule,
  smtpOutcome,
  smtpReplyRule,
  statedWaitMs,
  type SmtpErrorLike,
  type SmtpInfoLike,
  type SmtpOutcomeRule,
} from '../../src/adapters/providers/smtp/outcomes.js';
import { testOutcomeTable, type TableExample } from '../helpers/outcome-table.js';

const rowName = (r: SmtpOutcomeRule): string =>
  r.enhanced !== undefined ? `enhanced ${r.enhanced}` : r.error !== undefined ? `error ${r.error}` : `reply ${r.reply}${r.text ? ' ~text' : ''}`;

/** A nodemailer-shaped error carrying the server's reply. */
const replied = (response: string, code = 'EENVELOPE'): SmtpErrorLike => ({ code, response, responseCode: Number(response.slice(0, 3)) });
const HOUR = 3_600_000;

type Example = TableExample<SmtpErrorLike | SmtpInfoLike>;

const examples: Example[] = [
  { row: 'reply 2xx', answer: { accepted: ['ann@example.org'], rejected: [], response: '250 2.0.0 Ok: queued as 4C1F2', messageId: '<d-1@herald.test>' }, expect: { kind: 'ok', providerId: '<d-1@herald.test>' } },
  { row: 'reply 2xx', answer: { accepted: ['ann@example.org'], rejected: [], response: '250 OK' }, expect: { kind: 'ok' } },

  { row: 'reply 4xx ~text', answer: replied('421 4.7.0 Too many messages from your IP, slow down'), expect: { kind: 'throttled', target: 'credential', status: 421, reason: '4.7.0 Too many messages from your IP, slow down' } },
  { row: 'reply 4xx ~text', answer: replied('454 Throttling failure: Maximum sending rate exceeded.'), expect: { kind: 'throttled', target: 'credential', status: 454, reason: 'Throttling failure: Maximum sending rate exceeded.' } },
  { row: 'reply 5xx ~text', answer: replied('550 5.4.5 Daily user sending limit exceeded.'), expect: { kind: 'throttled', target: 'credential', status: 550, reason: '5.4.5 Daily user sending limit exceeded.' } },

  { row: 'enhanced 5.1.1', answer: replied('550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown in relay recipient table'), expect: { kind: 'invalid_token', status: 550, reason: '5.1.1 <bob@example.org>: Recipient address rejected: User unknown in relay recipient table' } },
  { row: 'enhanced 5.1.1', answer: replied('550-5.1.1 The email account that you tried to reach does not exist.\r\n550 5.1.1 Learn more at https://support.example/NoSuchUser'), expect: { kind: 'invalid_token', status: 550, reason: '5.1.1 The email account that you tried to reach does not exist. Learn more at https://support.example/NoSuchUser' } },
  { row: 'enhanced 5.1.2', answer: replied('550 5.1.2 Host unknown'), expect: { kind: 'invalid_token', status: 550, reason: '5.1.2 Host unknown' } },
  { row: 'enhanced 5.1.3', answer: replied('501 5.1.3 Bad recipient address syntax'), expect: { kind: 'invalid_token', status: 501, reason: '5.1.3 Bad recipient address syntax' } },
  { row: 'enhanced 5.1.6', answer: replied('551 5.1.6 Mailbox has moved'), expect: { kind: 'invalid_token', status: 551, reason: '5.1.6 Mailbox has moved' } },
  { row: 'enhanced 5.1.10', answer: replied('556 5.1.10 Recipient address has null MX'), expect: { kind: 'invalid_token', status: 556, reason: '5.1.10 Recipient address has null MX' } },
  { row: 'enhanced 5.2.1', answer: replied('550 5.2.1 The email account that you tried to reach is disabled.'), expect: { kind: 'invalid_token', status: 550, reason: '5.2.1 The email account that you tried to reach is disabled.' } },
  { row: 'enhanced 5.2.2', answer: replied('552 5.2.2 Mailbox full'), expect: { kind: 'retry', status: 552, reason: '5.2.2 Mailbox full', afterMs: HOUR } },
  { row: 'enhanced 5.2.2', answer: replied('550 5.2.2 The email account that you tried to reach is over quota.'), expect: { kind: 'retry', status: 550, reason: '5.2.2 The email account that you tried to reach is over quota.', afterMs: HOUR } },
  { row: 'enhanced 4.2.2', answer: replied('452 4.2.2 Mailbox quota exceeded'), expect: { kind: 'retry', status: 452, reason: '4.2.2 Mailbox quota exceeded', afterMs: HOUR } },
  { row: 'enhanced 5.3.4', answer: replied('552 5.3.4 Message size exceeds fixed limit', 'EMESSAGE'), expect: { kind: 'rejected', status: 552, reason: '5.3.4 Message size exceeds fixed limit' } },
  { row: 'enhanced 5.7.8', answer: replied('535 5.7.8 Error: authentication failed: bad credentials', 'EAUTH'), expect: { kind: 'rejected', status: 535, reason: '5.7.8 Error: authentication failed: bad credentials' } },
  { row: 'enhanced 5.7.x', answer: replied('550 5.7.1 Message rejected as spam'), expect: { kind: 'rejected', status: 550, reason: '5.7.1 Message rejected as spam' } },
  { row: 'enhanced 5.7.x', answer: replied('554 5.7.26 Unauthenticated email is not accepted due to DMARC policy', 'EMESSAGE'), expect: { kind: 'rejected', status: 554, reason: '5.7.26 Unauthenticated email is not accepted due to DMARC policy' } },
  { row: 'enhanced 5.7.x', answer: replied('530 5.7.0 Authentication required', 'EENVELOPE'), expect: { kind: 'rejected', status: 530, reason: '5.7.0 Authentication required' } },
  { row: 'enhanced 4.7.x', answer: replied('450 4.7.1 <bob@example.org>: Recipient address rejected: Greylisted'), expect: { kind: 'retry', status: 450, reason: '4.7.1 <bob@example.org>: Recipient address rejected: Greylisted' } },
  { row: 'enhanced 4.7.x', answer: replied('451 4.7.1 Greylisted, please try again in 300 seconds'), expect: { kind: 'retry', status: 451, reason: '4.7.1 Greylisted, please try again in 300 seconds', afterMs: 300_000 } },
  { row: 'enhanced 4.x.x', answer: replied('451 4.3.0 Temporary lookup failure'), expect: { kind: 'retry', status: 451, reason: '4.3.0 Temporary lookup failure' } },
  { row: 'enhanced 4.x.x', answer: replied('421 4.4.2 Connection timed out', 'ECONNECTION'), expect: { kind: 'retry', status: 421, reason: '4.4.2 Connection timed out' } },
  { row: 'enhanced 5.x.x', answer: replied('554 5.6.0 Message content rejected', 'EMESSAGE'), expect: { kind: 'rejected', status: 554, reason: '5.6.0 Message content rejected' } },
  { row: 'enhanced 5.x.x', answer: replied('553 5.1.8 Sender address domain not found'), expect: { kind: 'rejected', status: 553, reason: '5.1.8 Sender address domain not found' } },

  { row: 'reply 421', answer: replied('421 Service not available, closing transmission channel', 'ECONNECTION'), expect: { kind: 'retry', status: 421, reason: 'Service not available, closing transmission channel' } },
  { row: 'reply 450', answer: replied('450 Mailbox busy'), expect: { kind: 'retry', status: 450, reason: 'Mailbox busy' } },
  { row: 'reply 451', answer: replied('451 Local error in processing'), expect: { kind: 'retry', status: 451, reason: 'Local error in processing' } },
  { row: 'reply 451', answer: replied('451 Greylisted for 5 minutes'), expect: { kind: 'retry', status: 451, reason: 'Greylisted for 5 minutes', afterMs: 300_000 } },
  { row: 'reply 452', answer: replied('452 Insufficient system storage'), expect: { kind: 'retry', status: 452, reason: 'Insufficient system storage' } },
  { row: 'reply 503', answer: replied('503 5.5.1 Error: need MAIL command'), expect: { kind: 'retry', status: 503, reason: '5.5.1 Error: need MAIL command' } },
  { row: 'reply 530', answer: replied('530 Authentication required'), expect: { kind: 'rejected', status: 530, reason: 'Authentication required' } },
  { row: 'reply 535', answer: replied('535 Error: Authentication credentials invalid', 'EAUTH'), expect: { kind: 'rejected', status: 535, reason: 'Error: Authentication credentials invalid' } },
  { row: 'reply 550 ~text', answer: replied('550 Message rejected: sender IP is on a blocklist'), expect: { kind: 'rejected', status: 550, reason: 'Message rejected: sender IP is on a blocklist' } },
  { row: 'reply 550 ~text', answer: replied('550 Rejected for policy reasons'), expect: { kind: 'rejected', status: 550, reason: 'Rejected for policy reasons' } },
  { row: 'reply 550', answer: replied('550 Requested action not taken: mailbox unavailable'), expect: { kind: 'invalid_token', status: 550, reason: 'Requested action not taken: mailbox unavailable' } },
  { row: 'reply 550', answer: replied('550 5.0.0 No such user here'), expect: { kind: 'invalid_token', status: 550, reason: '5.0.0 No such user here' } },
  { row: 'reply 551', answer: replied('551 User not local; please try <bob@elsewhere.example>'), expect: { kind: 'invalid_token', status: 551, reason: 'User not local; please try <bob@elsewhere.example>' } },
  { row: 'reply 552', answer: replied('552 Requested mail action aborted: exceeded storage allocation'), expect: { kind: 'retry', status: 552, reason: 'Requested mail action aborted: exceeded storage allocation', afterMs: HOUR } },
  { row: 'reply 553', answer: replied('553 Requested action not taken: mailbox name not allowed'), expect: { kind: 'invalid_token', status: 553, reason: 'Requested action not taken: mailbox name not allowed' } },
  { row: 'reply 4xx', answer: replied('432 A password transition is needed'), expect: { kind: 'retry', status: 432, reason: 'A password transition is needed' } },
  { row: 'reply 4xx', answer: replied('455 Server unable to accommodate parameters'), expect: { kind: 'retry', status: 455, reason: 'Server unable to accommodate parameters' } },
  { row: 'reply 5xx', answer: replied('554 Transaction failed', 'EMESSAGE'), expect: { kind: 'rejected', status: 554, reason: 'Transaction failed' } },
  { row: 'reply 5xx', answer: replied('500 Syntax error, command unrecognized'), expect: { kind: 'rejected', status: 500, reason: 'Syntax error, command unrecognized' } },

  { row: 'error ECONNREFUSED', answer: { code: 'ESOCKET', originalCode: 'ECONNREFUSED' }, expect: { kind: 'retry', reason: 'ECONNREFUSED' } },
  { row: 'error ECONNREFUSED', answer: { code: 'ECONNREFUSED' }, expect: { kind: 'retry', reason: 'ECONNREFUSED' } },
  { row: 'error ETIMEDOUT', answer: { code: 'ETIMEDOUT' }, expect: { kind: 'retry', reason: 'ETIMEDOUT' } },
  { row: 'error ECONNRESET', answer: { code: 'ESOCKET', originalCode: 'ECONNRESET' }, expect: { kind: 'retry', reason: 'ECONNRESET' } },
  { row: 'error EPIPE', answer: { code: 'ESOCKET', originalCode: 'EPIPE' }, expect: { kind: 'retry', reason: 'EPIPE' } },
  { row: 'error EHOSTUNREACH', answer: { code: 'ESOCKET', originalCode: 'EHOSTUNREACH' }, expect: { kind: 'retry', reason: 'EHOSTUNREACH' } },
  { row: 'error ENETUNREACH', answer: { code: 'ESOCKET', originalCode: 'ENETUNREACH' }, expect: { kind: 'retry', reason: 'ENETUNREACH' } },
  { row: 'error ECONNECTION', answer: { code: 'ECONNECTION' }, expect: { kind: 'retry', reason: 'ECONNECTION' } },
  { row: 'error ESOCKET', answer: { code: 'ESOCKET' }, expect: { kind: 'retry', reason: 'ESOCKET' } },
  { row: 'error EDNS', answer: { code: 'EDNS', originalCode: 'ENOTFOUND' }, expect: { kind: 'retry', reason: 'EDNS' } },
  { row: 'error ETLS', answer: { code: 'ETLS' }, expect: { kind: 'retry', reason: 'ETLS' } },
  { row: 'error ETLS', answer: { code: 'ESOCKET', originalCode: 'DEPTH_ZERO_SELF_SIGNED_CERT' }, expect: { kind: 'retry', reason: 'ETLS DEPTH_ZERO_SELF_SIGNED_CERT' } },
  { row: 'error ETLS', answer: { code: 'ESOCKET', originalCode: 'ERR_TLS_CERT_ALTNAME_INVALID' }, expect: { kind: 'retry', reason: 'ETLS ERR_TLS_CERT_ALTNAME_INVALID' } },
  { row: 'error ETLS', answer: { code: 'ERR_SSL_WRONG_VERSION_NUMBER' }, expect: { kind: 'retry', reason: 'ETLS ERR_SSL_WRONG_VERSION_NUMBER' } },
  { row: 'error ETLS', answer: { code: 'ETLS', response: '500 Error: command not recognized', responseCode: 500 }, expect: { kind: 'retry', reason: 'ETLS 500 Error: command not recognized' } },
  { row: 'error EPROTOCOL', answer: { code: 'EPROTOCOL' }, expect: { kind: 'retry', reason: 'EPROTOCOL' } },
  { row: 'error EMAXLIMIT', answer: { code: 'EMAXLIMIT' }, expect: { kind: 'retry', reason: 'EMAXLIMIT' } },
  { row: 'error EABORT', answer: { code: 'EABORT' }, expect: { kind: 'retry', reason: 'EABORT' } },
  { row: 'error EAUTH', answer: { code: 'EAUTH' }, expect: { kind: 'rejected', reason: 'EAUTH' } },
  { row: 'error ENOAUTH', answer: { code: 'ENOAUTH' }, expect: { kind: 'rejected', reason: 'ENOAUTH' } },
  { row: 'error EENVELOPE', answer: { code: 'EENVELOPE' }, expect: { kind: 'rejected', reason: 'EENVELOPE' } },
  { row: 'error EMESSAGE', answer: { code: 'EMESSAGE' }, expect: { kind: 'rejected', reason: 'EMESSAGE' } },
];

function ruleFor(answer: SmtpErrorLike | SmtpInfoLike): SmtpOutcomeRule | undefined {
  if ('accepted' in answer) return smtpReplyRule(parseSmtpReply(answer.response)!);
  if (answer.code === 'ETLS') return smtpErrorRule(answer);
  const reply = parseSmtpReply(answer.response);
  return reply ? smtpReplyRule(reply) : smtpErrorRule(answer);
}

testOutcomeTable({
  provider: 'SMTP',
  rows: SMTP_OUTCOMES,
  rowName,
  examples,
  ruleFor,
  outcome: smtpOutcome,
  checkRow(rule, name) {
    const keys = [rule.enhanced, rule.reply, rule.error].filter((k) => k !== undefined);
    assert.equal(keys.length, 1, `row ${name} has exactly one key`);
    assert.ok(rule.text === undefined || rule.reply !== undefined, `text narrows reply rows only (${name})`);
    assert.ok(rule.afterMs === undefined || rule.outcome === 'retry', `afterMs only on retry rows (${name})`);
  },
});

test('the mailbox-full decision: 5.2.2 and 552 retry later, never kill the address', () => {
  for (const response of ['552 5.2.2 Mailbox full', '550 5.2.2 over quota', '552 Mailbox full', '452 4.2.2 Mailbox full']) {
    const outcome = smtpOutcome(replied(response));
    assert.equal(outcome.kind, 'retry', response);
    assert.equal((outcome as { afterMs?: number }).afterMs, HOUR, response);
  }
});

test('enhanced codes outrank the reply code they come with', () => {
  assert.equal(smtpOutcome(replied('550 5.7.1 Relaying denied')).kind, 'rejected');
  assert.equal(smtpOutcome(replied('554 5.1.1 No such user')).kind, 'invalid_token');
  assert.equal(smtpOutcome(replied('550 5.1.1 Recipient rejected: user unknown (policy: no such user)')).kind, 'invalid_token', 'a policy word does not override 5.1.1');
});

test('parseSmtpReply splits code, enhanced code and text; a mismatched class is ignored', () => {
  assert.deepEqual(parseSmtpReply('550 5.1.1 No such user'), { code: 550, enhanced: '5.1.1', text: 'No such user' });
  assert.deepEqual(parseSmtpReply('250 OK'), { code: 250, text: 'OK' });
  assert.deepEqual(parseSmtpReply('451'), { code: 451, text: '' });
  assert.deepEqual(parseSmtpReply('550 4.1.1 odd'), { code: 550, text: '4.1.1 odd' });
  assert.deepEqual(parseSmtpReply('550 5.001.010 padded'), { code: 550, enhanced: '5.1.10', text: 'padded' });
  assert.deepEqual(parseSmtpReply('421-4.7.0 Try again\r\n421 4.7.0 later'), { code: 421, enhanced: '4.7.0', text: 'Try again later' });
  for (const bad of [undefined, '', 'hello', '150 nope', '6xx', '  ']) assert.equal(parseSmtpReply(bad), undefined, String(bad));
});

test('statedWaitMs reads a stated wait, bounded to a day', () => {
  assert.equal(statedWaitMs('Greylisted, try again in 60 seconds'), 60_000);
  assert.equal(statedWaitMs('please wait 2 min'), 120_000);
  assert.equal(statedWaitMs('Greylisted for 300s'), 300_000);
  assert.equal(statedWaitMs('retry after 999999 minutes'), 86_400_000);
  assert.equal(statedWaitMs('Mailbox busy'), undefined);
  assert.equal(statedWaitMs('in 0 seconds'), undefined);
});

test('answers without a row: unknown error codes are retried, long reasons are cut', () => {
  assert.deepEqual(smtpOutcome({ code: 'ESOMETHING' }), { kind: 'retry', reason: 'ESOMETHING' });
  assert.deepEqual(smtpOutcome({}), { kind: 'retry', reason: 'unknown' });
  const long = smtpOutcome(replied(`550 5.1.1 ${'x'.repeat(1000)}`));
  assert.equal(long.kind, 'invalid_token');
  assert.ok(((long as { reason?: string }).reason ?? '').length <= 300);
});

test('a send whose only recipient was refused is judged by that refusal', () => {
  const info: SmtpInfoLike = { accepted: [], rejected: ['bob@example.org'], rejectedErrors: [replied('550 5.1.1 No such user')], response: '250 OK' };
  assert.deepEqual(smtpOutcome(info), { kind: 'invalid_token', status: 550, reason: '5.1.1 No such user' });
  const allRejected: SmtpErrorLike = { code: 'EENVELOPE', rejectedErrors: [replied('451 4.7.1 Greylisted')] };
  assert.deepEqual(smtpOutcome(allRejected), { kind: 'retry', status: 451, reason: '4.7.1 Greylisted' });
  assert.deepEqual(smtpOutcome({ accepted: [], rejected: [] }), { kind: 'rejected', reason: 'no recipient accepted' });
  assert.deepEqual(smtpOutcome({ code: 'EAUTH', responseCode: 535 }), { kind: 'rejected', status: 535 });
});

test('a sender-side enhanced code under a mailbox reply code does not kill the recipient', () => {
  assert.equal(smtpOutcome(replied('553 5.1.8 Sender address rejected: Domain not found')).kind, 'rejected');
  assert.equal(smtpOutcome(replied('550 5.1.7 Bad sender mailbox syntax')).kind, 'rejected');
  assert.equal(smtpOutcome(replied('503 5.5.1 Error: send HELO/EHLO first')).kind, 'retry', '503 speaks of the session');
});
