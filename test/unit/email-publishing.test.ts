import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mailText } from '../../src/adapters/smtp-server/mail-text.js';
import { replyForPublish } from '../../src/composition/email-publishing.js';
import { topicForAddress } from '../../src/core/topics/email-address.js';

const mail = (lines: string[]) => Buffer.from(lines.join('\r\n'), 'latin1');

const MAILS: Array<[string, Buffer, { subject: string; text: string }]> = [
  ['no Content-Type: text/plain in US-ASCII', mail(['Subject: Hi', '', 'Body', '']), { subject: 'Hi', text: 'Body' }],
  ['folded subject', mail(['Subject: part one', ' part two', '', 'x']), { subject: 'part one part two', text: 'x' }],
  ['encoded-word subject', mail(['Subject: =?UTF-8?Q?=C3=84pfel?=', '', 'x']), { subject: 'Äpfel', text: 'x' }],
  ['raw UTF-8 subject (SMTPUTF8)', Buffer.from('Subject: Grüße\r\n\r\nx', 'utf8'), { subject: 'Grüße', text: 'x' }],
  ['no subject, no body', mail(['From: a@b', '', '']), { subject: '', text: '' }],
  ['no blank line: all headers', mail(['Subject: only']), { subject: 'only', text: '' }],
  ['LF line ends', Buffer.from('Subject: lf\n\nline 1\nline 2\n'), { subject: 'lf', text: 'line 1\nline 2' }],
  ['quoted-printable with a soft break and padding', mail(['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '', 'Gr=C3=BC=C3=9Fe, a long li=', 'ne   ', 'a=3Db and a stray = sign']),
    { subject: '', text: 'Grüße, a long line\na=b and a stray = sign' }],
  ['base64 across lines', mail(['Content-Type: text/plain; charset="UTF-8"', 'Content-Transfer-Encoding: BASE64', '', 'w5xu', 'w69j', 'b2Rl']), { subject: '', text: 'Ünïcode' }],
  ['ISO-8859-1 charset', Buffer.concat([mail(['Content-Type: text/plain; charset=ISO-8859-1', '', 'caf']), Buffer.from([0xe9])]), { subject: '', text: 'café' }],
  ['unknown charset read as UTF-8', mail(['Content-Type: text/plain; charset=x-unknown', '', 'plain']), { subject: '', text: 'plain' }],
  ['multipart/alternative: text before HTML', mail([
    'Content-Type: multipart/alternative; boundary="b1"', '', 'preamble', '--b1', 'Content-Type: text/plain', '', 'the text', '--b1', 'Content-Type: text/html', '', '<p>the html</p>', '--b1--', 'epilogue',
  ]), { subject: '', text: 'the text' }],
  ['multipart/alternative: HTML before text, text still wins', mail([
    'Content-Type: multipart/alternative; boundary=b1', '', '--b1', 'Content-Type: text/html', '', '<p>the html</p>', '--b1', 'Content-Type: text/plain', '', 'the text', '--b1--',
  ]), { subject: '', text: 'the text' }],
  ['HTML only, quoted-printable', mail([
    'Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '', '<div>A<br>B &amp; C</div><script>x()</script>',
  ]), { subject: '', text: 'A\nB & C' }],
  ['nested mixed > alternative, attachment skipped', mail([
    'Content-Type: multipart/mixed; boundary=outer', '', '--outer', 'Content-Type: multipart/alternative; boundary=inner', '',
    '--inner', 'Content-Type: text/html', '', '<b>html</b>', '--inner--', '--outer', 'Content-Type: text/plain', 'Content-Disposition: attachment; filename=a.txt', '', 'attached text', '--outer--',
  ]), { subject: '', text: 'html' }],
  ['no text part at all', mail(['Subject: s', 'Content-Type: multipart/mixed; boundary=x', '', '--x', 'Content-Type: image/png', 'Content-Transfer-Encoding: base64', '', 'iVBORw0KGgo=', '--x--']), { subject: 's', text: '' }],
  ['multipart without boundary: nothing', mail(['Content-Type: multipart/mixed', '', 'text']), { subject: '', text: '' }],
  ['missing close delimiter: the last part runs to the end', mail(['Content-Type: multipart/alternative; boundary=b', '', '--b', '', 'unterminated']), { subject: '', text: 'unterminated' }],
  ['boundary with regex characters', mail(['Content-Type: multipart/alternative; boundary="=_a.b+c(1)"', '', '--=_a.b+c(1)', 'Content-Type: text/plain', '', 'ok', '--=_a.b+c(1)--']), { subject: '', text: 'ok' }],
];

for (const [name, raw, expected] of MAILS) {
  test(`mailText: ${name}`, () => {
    assert.deepEqual(mailText(raw), expected);
  });
}

test('mailText: nesting deeper than a mail client makes is not followed', () => {
  let body = 'deep';
  let headers = 'Content-Type: text/plain';
  for (let i = 0; i < 6; i++) {
    body = `--b${i}\r\n${headers}\r\n\r\n${body}\r\n--b${i}--`;
    headers = `Content-Type: multipart/mixed; boundary=b${i}`;
  }
  assert.equal(mailText(Buffer.from(`${headers}\r\n\r\n${body}`)).text, '');
});

const MAILBOX = { domain: 'ntfy.example.com', prefix: 'ntfy-' };
const ADDRESSES: Array<[string, string, ReturnType<typeof topicForAddress>]> = [
  ['prefix and topic', 'ntfy-alerts@ntfy.example.com', { topic: 'alerts' }],
  ['token after +', 'ntfy-alerts+tk_AbC123@ntfy.example.com', { topic: 'alerts', token: 'tk_AbC123' }],
  ['empty token is none', 'ntfy-alerts+@ntfy.example.com', { topic: 'alerts' }],
  ['domain in capitals', 'ntfy-alerts@NTFY.Example.COM', { topic: 'alerts' }],
  ['prefix in capitals, topic keeps its case', 'NTFY-Alerts@ntfy.example.com', { topic: 'Alerts' }],
  ['another domain', 'ntfy-alerts@example.com', { refused: 'domain' }],
  ['a subdomain is another domain', 'ntfy-alerts@mail.ntfy.example.com', { refused: 'domain' }],
  ['no @', 'ntfy-alerts', { refused: 'domain' }],
  ['no local part', '@ntfy.example.com', { refused: 'domain' }],
  ['prefix missing', 'alerts@ntfy.example.com', { refused: 'mailbox' }],
  ['only the prefix', 'ntfy-@ntfy.example.com', { refused: 'mailbox' }],
  ['invalid topic name', 'ntfy-a.b@ntfy.example.com', { refused: 'mailbox' }],
  ['topic name too long', `ntfy-${'a'.repeat(65)}@ntfy.example.com`, { refused: 'mailbox' }],
];

for (const [name, address, expected] of ADDRESSES) {
  test(`topicForAddress: ${name}`, () => {
    assert.deepEqual(topicForAddress(address, MAILBOX), expected);
  });
}

test('topicForAddress: without a prefix every valid local part is a topic', () => {
  assert.deepEqual(topicForAddress('alerts+tk_x@ntfy.example.com', { domain: 'ntfy.example.com', prefix: '' }), { topic: 'alerts', token: 'tk_x' });
});

const herald = (code: number, http: number, error: string) => JSON.stringify({ code, http, error });
const REPLIES: Array<[string, number, string, { code: number; message: string } | undefined]> = [
  ['published', 200, '{"id":"x"}', undefined],
  ['credentials wrong: permanent, 5.7.8', 401, herald(40101, 401, 'unauthorized'), { code: 550, message: '5.7.8 unauthorized (40101)' }],
  ['not allowed to write: permanent, 5.7.1', 403, herald(40301, 403, 'forbidden'), { code: 550, message: '5.7.1 forbidden (40301)' }],
  ['too large: 552', 413, herald(41301, 413, 'too large'), { code: 552, message: '5.3.4 too large (41301)' }],
  ['a limit: temporary, the sender tries again later', 429, herald(42908, 429, 'limit reached'), { code: 451, message: '4.7.1 limit reached (42908)' }],
  ['out of storage: temporary', 507, herald(50701, 507, 'full'), { code: 452, message: '4.3.1 full (50701)' }],
  ['other refusals: permanent', 400, herald(40010, 400, 'topic disallowed'), { code: 550, message: '5.6.0 topic disallowed (40010)' }],
  ['our failure: temporary', 503, herald(50301, 503, 'unavailable'), { code: 451, message: '4.3.0 unavailable (50301)' }],
  ['a body that is not the error shape', 500, 'oops', { code: 451, message: '4.3.0 HTTP 500' }],
];

for (const [name, status, body, expected] of REPLIES) {
  test(`replyForPublish: ${name}`, () => {
    assert.deepEqual(replyForPublish(status, body), expected);
  });
}
