import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { Logger } from '../../src/ports/logger.js';
import type { EmailMessage, EmailSender } from '../../src/ports/notify-channels.js';
import type { Outcome } from '../../src/ports/provider.js';
import { createSmtpSender, type SmtpSenderOptions } from '../../src/adapters/providers/smtp/sender.js';
import { unsubscribeHeaders } from '../../src/adapters/providers/smtp/unsubscribe-headers.js';
import { startSmtpSink, type SmtpSink, type SmtpSinkOptions } from '../mocks/smtp/smtp-sink.js';
import { eventually } from '../helpers/wait.js';

const USER = 'herald-relay';
const PASS = 'pa55-w0rd-do-not-leak';
const PASS_B64 = Buffer.from(PASS).toString('base64');
const PLAIN_B64 = Buffer.from(`\0${USER}\0${PASS}`).toString('base64');

const sinks: SmtpSink[] = [];
const senders: EmailSender[] = [];
/** Every outcome any test saw, checked for the password at the end. */
const outcomes: Outcome[] = [];
const logLines: string[] = [];

const logger: Logger = {
  debug: (obj, msg) => logLines.push(JSON.stringify({ obj, msg })),
  info: (obj, msg) => logLines.push(JSON.stringify({ obj, msg })),
  warn: (obj, msg) => logLines.push(JSON.stringify({ obj, msg })),
  error: (obj, msg) => logLines.push(JSON.stringify({ obj, msg })),
};

after(async () => {
  await Promise.all(senders.map((s) => s.close()));
  await Promise.all(sinks.map((s) => s.close()));
});

async function sink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const s = await startSmtpSink(options);
  sinks.push(s);
  return s;
}

function sender(at: { host: string; port: number }, extra: Partial<SmtpSenderOptions> = {}): EmailSender {
  const s = createSmtpSender({ host: at.host, port: at.port, secure: false, from: 'Herald <noreply@herald.test>', logger, ...extra });
  senders.push(s);
  return {
    async send(message) {
      const outcome = await s.send(message);
      outcomes.push(outcome);
      return outcome;
    },
    close: () => s.close(),
  };
}

const message = (extra: Partial<EmailMessage> = {}): EmailMessage => ({
  to: 'ann@example.org',
  subject: 'Your order',
  text: 'It shipped.',
  ...extra,
});

async function parsed(s: SmtpSink, index: number): Promise<ParsedMail> {
  return simpleParser(s.messages[index]!.raw);
}

describe('SMTP sender against a real SMTP server', () => {
  test('a multipart/alternative UTF-8 message with unsubscribe headers and a stable Message-ID', async () => {
    const s = await sink();
    const smtp = sender(s);
    const headers = unsubscribeHeaders('https://herald.test/u/tok-123?list=orders', 'unsubscribe@herald.test');
    const subject = 'Grüße aus Köln — ✓ 配送済み';
    const outcome = await smtp.send(message({
      to: 'Zoë Ünal <zoe@example.org>',
      subject,
      text: 'Hallo Zoë, deine Bestellung ist unterwegs. 🚚',
      html: '<p>Hallo <b>Zoë</b>, deine Bestellung ist unterwegs. 🚚</p>',
      headers,
      id: 'dlv_01HZX.7/a b',
    }));
    assert.deepEqual(outcome, { kind: 'ok', providerId: '<dlv_01HZX=2E7/a=20b@herald.test>' });

    assert.equal(s.messages.length, 1);
    assert.equal(s.messages[0]!.from, 'noreply@herald.test');
    assert.deepEqual(s.messages[0]!.to, ['zoe@example.org']);
    const mail = await parsed(s, 0);
    assert.equal(mail.subject, subject);
    assert.equal(mail.text?.trim(), 'Hallo Zoë, deine Bestellung ist unterwegs. 🚚');
    assert.equal(mail.html, '<p>Hallo <b>Zoë</b>, deine Bestellung ist unterwegs. 🚚</p>');
    assert.deepEqual(mail.from?.value, [{ address: 'noreply@herald.test', name: 'Herald' }]);
    const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
    assert.deepEqual(to?.value, [{ address: 'zoe@example.org', name: 'Zoë Ünal' }]);
    assert.equal(mail.messageId, '<dlv_01HZX=2E7/a=20b@herald.test>');
    // mailparser folds the List-* headers into one `list` structure (RFC 2369 parsing).
    assert.deepEqual(mail.headers.get('list'), {
      unsubscribe: { url: 'https://herald.test/u/tok-123?list=orders', mail: 'unsubscribe@herald.test' },
      'unsubscribe-post': { name: 'List-Unsubscribe=One-Click' },
    });
    assert.deepEqual(mail.headerLines.filter((h) => h.key.startsWith('list-')).map((h) => h.line.replace(/\r\n(?=[ \t])/g, '')), [
      'List-Unsubscribe: <https://herald.test/u/tok-123?list=orders>, <mailto:unsubscribe@herald.test>',
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
    ]);
    // Long header lines may be folded (RFC 5322 §2.2.3); unfolding removes the CRLF before the whitespace.
    const raw = s.messages[0]!.raw.toString('utf8').replace(/\r\n(?=[ \t])/g, '');
    assert.match(raw, /^List-Unsubscribe: <https:\/\/herald\.test\/u\/tok-123\?list=orders>, <mailto:unsubscribe@herald\.test>\r$/m);
    assert.match(raw, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r$/m);
    assert.match(raw, /^Content-Type: multipart\/alternative;/m);
    assert.equal((raw.match(/^Content-Type: text\/(plain|html); charset=utf-8\r$/gm) ?? []).length, 2);
    assert.match(raw, /^Subject: =\?UTF-8\?/m, 'a non-ASCII subject is RFC 2047 encoded');
    assert.match(raw, /^MIME-Version: 1\.0\r$/m);

    // A retry of the same delivery carries the same Message-ID.
    assert.deepEqual(await smtp.send(message({ id: 'dlv_01HZX.7/a b' })), outcome);
    assert.equal((await parsed(s, 1)).messageId, mail.messageId);
  });

  test('text only when there is no HTML; a generated Message-ID otherwise', async () => {
    const s = await sink();
    const smtp = sender(s, { messageIdDomain: 'mail.herald.test' });
    const outcome = await smtp.send(message());
    assert.equal(outcome.kind, 'ok');
    const raw = s.messages[0]!.raw.toString('utf8');
    assert.match(raw, /^Content-Type: text\/plain; charset=utf-8\r$/m);
    assert.doesNotMatch(raw, /multipart|text\/html/);
    const mail = await parsed(s, 0);
    assert.equal(mail.html, false);
    assert.match(mail.messageId ?? '', /^<.+@.+>$/);
    assert.equal(await smtp.send(message({ id: 'd-2' })).then((o) => (o as { providerId?: string }).providerId), '<d-2@mail.herald.test>');
  });

  test('AUTH PLAIN with the right credentials; a wrong password is rejected and never echoed', async () => {
    const s = await sink({ auth: { user: USER, pass: PASS } });
    const good = sender(s, { user: USER, pass: PASS });
    assert.equal((await good.send(message())).kind, 'ok');
    assert.equal(s.messages[0]!.user, USER);
    assert.deepEqual(s.authAttempts, [{ method: 'PLAIN', user: USER, ok: true }]);

    const bad = sender(s, { user: USER, pass: `${PASS}-wrong` });
    const outcome = await bad.send(message());
    assert.equal(outcome.kind, 'rejected');
    assert.equal((outcome as { status?: number }).status, 535);
    assert.equal(s.count(), 1);

    const none = sender(s);
    const anonymous = await none.send(message());
    assert.equal(anonymous.kind, 'rejected', 'a relay that requires AUTH refuses an anonymous MAIL FROM');
    assert.equal((anonymous as { status?: number }).status, 530);
  });

  test('STARTTLS with the test CA; without trusting it, the send is retried', async () => {
    const s = await sink({ tls: true, auth: { user: USER, pass: PASS } });
    const trusted = sender(s, { requireTls: true, user: USER, pass: PASS, tls: { ca: s.ca! } });
    assert.equal((await trusted.send(message())).kind, 'ok');
    assert.equal(s.messages[0]!.secure, true);

    const untrusted = sender(s, { requireTls: true, user: USER, pass: PASS });
    const outcome = await untrusted.send(message());
    assert.equal(outcome.kind, 'retry');
    assert.equal((outcome as { reason?: string }).reason, 'ETLS DEPTH_ZERO_SELF_SIGNED_CERT');
    assert.equal(s.count(), 1);
  });

  test('requireTls against a relay without STARTTLS is a retry, and nothing goes out in the clear', async () => {
    const s = await sink();
    const smtp = sender(s, { requireTls: true });
    assert.deepEqual(await smtp.send(message()), { kind: 'retry', reason: 'ETLS 500 Error: command not recognized' });
    assert.equal(s.count(), 0);
  });

  test('implicit TLS (secure) with the test CA', async () => {
    const s = await sink({ secure: true });
    const smtp = sender(s, { secure: true, tls: { ca: s.ca! } });
    assert.equal((await smtp.send(message())).kind, 'ok');
    assert.equal(s.messages[0]!.secure, true);
  });

  test('scripted refusals: 550 5.1.1 is a dead address, 451 a retry, the rest goes through', async () => {
    const s = await sink({
      script: (rcpt) => {
        if (rcpt === 'gone@example.org') return { code: 550, message: '5.1.1 <gone@example.org>: Recipient address rejected: User unknown' };
        if (rcpt === 'later@example.org') return { code: 451, message: '4.7.1 Greylisted, try again in 60 seconds' };
        if (rcpt === 'full@example.org') return { code: 552, message: '5.2.2 Mailbox full' };
        if (rcpt === 'spam@example.org') return { code: 550, message: '5.7.1 Message refused as spam' };
        return undefined;
      },
    });
    const smtp = sender(s, { pool: { maxConnections: 1 } });
    assert.deepEqual(await smtp.send(message({ to: 'gone@example.org' })), {
      kind: 'invalid_token', status: 550, reason: '5.1.1 <gone@example.org>: Recipient address rejected: User unknown',
    });
    assert.deepEqual(await smtp.send(message({ to: 'later@example.org' })), {
      kind: 'retry', status: 451, reason: '4.7.1 Greylisted, try again in 60 seconds', afterMs: 60_000,
    });
    assert.deepEqual(await smtp.send(message({ to: 'full@example.org' })), { kind: 'retry', status: 552, reason: '5.2.2 Mailbox full', afterMs: 3_600_000 });
    assert.deepEqual(await smtp.send(message({ to: 'spam@example.org' })), { kind: 'rejected', status: 550, reason: '5.7.1 Message refused as spam' });
    // The same pooled connection carries on after each refusal.
    assert.equal((await smtp.send(message({ to: 'ann@example.org' }))).kind, 'ok');
    assert.equal(s.count(), 1);
    assert.deepEqual(s.messages[0]!.to, ['ann@example.org']);
    assert.equal(s.totalConnections(), 1);
  });

  test('a closed port is a retry', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const smtp = sender({ host: '127.0.0.1', port }, { connectTimeoutMs: 2_000 });
    const outcome = await smtp.send(message());
    assert.deepEqual(outcome, { kind: 'retry', reason: 'ECONNREFUSED' });
    assert.ok(logLines.some((l) => l.includes('relay unreachable') && l.includes(String(port))), 'a dead relay is logged');
  });

  test('pooled: 200 messages over at most 3 connections all arrive', async () => {
    const s = await sink({ keep: false });
    const smtp = sender(s, { pool: { maxConnections: 3, maxMessages: 50 } });
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => smtp.send(message({ to: `user${i}@example.org`, id: `bulk-${i}` }))));
    assert.deepEqual(new Set(results.map((o) => o.kind)), new Set(['ok']));
    await eventually('all 200 at the sink', () => s.count() === 200);
    assert.equal(s.count(), 200);
    assert.equal(s.messages.length, 0, 'keep: false only counts');
    assert.ok(s.maxConcurrentConnections() <= 3, `at most 3 connections at once, saw ${s.maxConcurrentConnections()}`);
    assert.ok(s.maxConcurrentConnections() >= 2, 'the pool did open more than one connection');
    assert.ok(s.totalConnections() >= 4, 'maxMessages 50 replaces connections');
    assert.equal(new Set(results.map((o) => (o as { providerId?: string }).providerId)).size, 200);
  });

  test('refused before any I/O: a header the sender owns, a line break, a bad address', async () => {
    const s = await sink();
    const smtp = sender(s);
    assert.deepEqual(await smtp.send(message({ headers: { Bcc: 'eve@example.org' } })), { kind: 'rejected', reason: 'header_not_allowed' });
    assert.deepEqual(await smtp.send(message({ headers: { 'X-Tag': 'a\r\nBcc: eve@example.org' } })), { kind: 'rejected', reason: 'header_line_break' });
    assert.deepEqual(await smtp.send(message({ to: 'ann@example.org, eve@example.org' })), { kind: 'invalid_token', reason: 'address_syntax' });
    assert.deepEqual(await smtp.send(message({ to: 'not an address' })), { kind: 'invalid_token', reason: 'address_syntax' });
    assert.deepEqual(await smtp.send(message({ from: 'nobody' })), { kind: 'rejected', reason: 'from_syntax' });
    assert.equal(s.totalConnections(), 0);
  });

  test('close() waits for sends in flight, then every send is a retry', async () => {
    const s = await sink();
    const smtp = sender(s);
    const pending = smtp.send(message());
    await smtp.close();
    assert.equal((await pending).kind, 'ok');
    assert.deepEqual(await smtp.send(message()), { kind: 'retry', reason: 'closed' });
    await smtp.close();
  });

  test('the password never appears in an outcome or a log line, even when the relay echoes it', async () => {
    const s = await sink({
      auth: { user: USER, pass: PASS },
      script: () => ({ code: 550, message: `5.7.1 refused: you sent ${PASS} (${PASS_B64}, ${PLAIN_B64})` }),
    });
    const smtp = sender(s, { user: USER, pass: PASS });
    const outcome = await smtp.send(message());
    assert.equal(outcome.kind, 'rejected');
    assert.match((outcome as { reason?: string }).reason ?? '', /\[redacted\]/);

    assert.ok(outcomes.length > 20);
    for (const o of outcomes) {
      const text = JSON.stringify(o);
      for (const secret of [PASS, PASS_B64.replace(/=+$/, ''), PLAIN_B64.replace(/=+$/, '')]) assert.ok(!text.includes(secret), `outcome leaks: ${text}`);
    }
    for (const line of logLines) {
      for (const secret of [PASS, PASS_B64.replace(/=+$/, '')]) assert.ok(!line.includes(secret), `log leaks: ${line}`);
    }
  });
});

describe('unsubscribeHeaders (RFC 8058 / RFC 2369)', () => {
  test('one HTTPS URI, optionally a mailto, and the one-click POST header', () => {
    assert.deepEqual(unsubscribeHeaders('https://herald.test/u/abc'), {
      'List-Unsubscribe': '<https://herald.test/u/abc>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    assert.deepEqual(unsubscribeHeaders('https://herald.test/u?t=a,b c', 'mailto:unsub@herald.test?subject=unsubscribe'), {
      'List-Unsubscribe': '<https://herald.test/u?t=a%2Cb%20c>, <mailto:unsub@herald.test?subject=unsubscribe>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
  });

  test('anything but a plain HTTPS URL or a single address is refused', () => {
    assert.throws(() => unsubscribeHeaders('http://herald.test/u/abc'), /https/);
    assert.throws(() => unsubscribeHeaders('not a url'), /not a URL/);
    assert.throws(() => unsubscribeHeaders('https://user:pw@herald.test/u'), /credentials/);
    assert.throws(() => unsubscribeHeaders('https://herald.test/u', 'two@a.test, three@b.test'), /address/);
    assert.throws(() => unsubscribeHeaders('https://herald.test/u', 'unsub@herald.test?subject=a b'), /percent-encoded/);
    assert.throws(() => unsubscribeHeaders('https://herald.test/u', 'x>\r\nBcc: eve@evil.test'), /address/);
  });
});

describe('the SMTP sink as a process (for benchmarks)', () => {
  test('prints {"port":N}, counts what arrives, reports the count on SIGTERM', async () => {
    const main = fileURLToPath(new URL('../mocks/smtp/main.js', import.meta.url));
    const child = spawn(process.execPath, [main, '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const first = JSON.parse(String((await lines.next()).value)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(first), ['port']);
    const smtp = createSmtpSender({ host: '127.0.0.1', port: first.port as number, secure: false, from: 'noreply@herald.test' });
    const results = await Promise.all([1, 2, 3].map((i) => smtp.send(message({ to: `u${i}@example.org` }))));
    assert.deepEqual(results.map((o) => o.kind), ['ok', 'ok', 'ok']);
    await smtp.close();
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.deepEqual(JSON.parse(String((await lines.next()).value)), { count: 3 });
    assert.equal(await exited, 0);
  });
});
