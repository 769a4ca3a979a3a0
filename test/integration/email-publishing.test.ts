import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport, type SendMailOptions } from 'nodemailer';
import { loadConfig } from '../../src/config/index.js';
import { openAuth } from '../../src/main.js';
import { freePort } from '../helpers/ports.js';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';

// Issue 13, point 6: publishing by e-mail over real SMTP, sent with nodemailer, read back through
// the topic's HTTP poll.

const DOMAIN = 'mail.herald.test';
const PREFIX = 'ntfy-';

interface Polled {
  id: string;
  event: string;
  title?: string;
  message?: string;
  attachment?: unknown;
}

async function poll(server: TestServer, topic: string, auth?: string): Promise<Polled[]> {
  const res = await fetch(`${server.url}/${topic}/json?poll=1`, auth ? { headers: { authorization: auth } } : {});
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.text()).split('\n').filter(Boolean).map((line) => JSON.parse(line) as Polled);
}

/** Sends one mail and returns the server's final reply, or the SMTP error it was refused with. */
async function send(server: TestServer, mail: SendMailOptions, auth?: { user: string; pass: string; method?: 'PLAIN' | 'LOGIN' }): Promise<{ ok: true; response: string } | { ok: false; code: number | undefined; response: string }> {
  const transport = createTransport({ host: server.smtp!.host, port: server.smtp!.port, secure: false, ignoreTLS: true, ...(auth ? { auth: { user: auth.user, pass: auth.pass }, authMethod: auth.method ?? 'PLAIN' } : {}) });
  try {
    const info = await transport.sendMail({ from: 'monitor@example.org', ...mail });
    return { ok: true, response: info.response };
  } catch (err) {
    const e = err as { responseCode?: number; response?: string; message: string };
    return { ok: false, code: e.responseCode, response: e.response ?? e.message };
  } finally {
    transport.close();
  }
}

const address = (topic: string, token = '') => `${PREFIX}${topic}${token ? `+${token}` : ''}@${DOMAIN}`;
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

describe('publishing by e-mail', () => {
  let server: TestServer;
  let token: string;
  const PHIL = basic('phil', 'phil-pass');

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-email-'));
    // Accounts first, as `herald user add` / `herald access` / `herald token add` would make them.
    const { config } = loadConfig({ env: {}, flags: { 'auth-file': join(dir, 'auth.db'), 'database-file': join(dir, 'herald.db') } });
    const accounts = (await openAuth(config))!;
    await accounts.auth.addUser('phil', 'phil-pass', 'user');
    await accounts.auth.grant('phil', 'locked*', 'read-write');
    await accounts.auth.grant('*', 'locked*', 'deny-all');
    token = (await accounts.auth.createTokenFor('phil', { label: 'mail' })).token;
    await accounts.close();
    server = await startTestServer({
      'auth-file': 'auth.db', 'auth-default-access': 'read-write', 'visitor-request-limit-exempt-hosts': '127.0.0.1,::1',
      'smtp-server-listen': '127.0.0.1:0', 'smtp-server-domain': DOMAIN, 'smtp-server-addr-prefix': PREFIX,
    }, dir);
  });
  after(() => server?.close());

  test('a plain text mail: the subject is the title, the text the message', async () => {
    const topic = randomTopic();
    const sent = await send(server, { to: address(topic), subject: 'Backup finished', text: 'All 3 volumes copied.\n' });
    assert.equal(sent.ok, true, sent.response);
    const [m] = await poll(server, topic);
    assert.equal(m?.event, 'message');
    assert.equal(m?.title, 'Backup finished');
    assert.equal(m?.message, 'All 3 volumes copied.');
  });

  test('multipart/alternative: the text part wins over the HTML; encoded subject and quoted-printable text are decoded', async () => {
    const topic = randomTopic();
    const sent = await send(server, {
      to: address(topic),
      subject: 'Überweisung ✓ erledigt',
      text: 'Grüße aus Köln — 100 € überwiesen.',
      html: '<p>HTML <b>version</b></p>',
      textEncoding: 'quoted-printable',
    });
    assert.equal(sent.ok, true, sent.response);
    const [m] = await poll(server, topic);
    assert.equal(m?.title, 'Überweisung ✓ erledigt');
    assert.equal(m?.message, 'Grüße aus Köln — 100 € überwiesen.');
  });

  test('a base64 text part with an attachment beside it: the text is the message, the attachment is left out', async () => {
    const topic = randomTopic();
    const sent = await send(server, {
      to: address(topic),
      subject: 'Report',
      text: 'Ünïcode in base64',
      textEncoding: 'base64',
      attachments: [{ filename: 'report.csv', content: 'a,b\n1,2\n' }],
    });
    assert.equal(sent.ok, true, sent.response);
    const [m] = await poll(server, topic);
    assert.equal(m?.message, 'Ünïcode in base64');
    assert.equal(m?.attachment, undefined);
  });

  test('HTML-only mail is read as text', async () => {
    const topic = randomTopic();
    const sent = await send(server, { to: address(topic), subject: 'Status', html: '<html><head><style>p{color:red}</style></head><body><p>Disk <b>/var</b> at 91%</p><p>See <a href="https://status.example.org">status</a></p></body></html>' });
    assert.equal(sent.ok, true, sent.response);
    const [m] = await poll(server, topic);
    assert.equal(m?.message, 'Disk /var at 91%\n\nSee status (https://status.example.org)');
  });

  test('a subject without text is the message, not the title of an empty one', async () => {
    const topic = randomTopic();
    const sent = await send(server, { to: address(topic), subject: 'Door opened', text: '' });
    assert.equal(sent.ok, true, sent.response);
    const [m] = await poll(server, topic);
    assert.equal(m?.message, 'Door opened');
    assert.equal(m?.title, undefined);
  });

  test('a long text is cut to the message size limit and stays a message, not an attachment', async () => {
    const topic = randomTopic();
    const sent = await send(server, { to: address(topic), subject: 'Long', text: 'ä'.repeat(5000) });
    assert.equal(sent.ok, true, sent.response);
    const [m] = await poll(server, topic);
    assert.equal(m?.attachment, undefined);
    assert.ok(m?.message && m.message.length > 1000 && Buffer.byteLength(m.message) < server.config.messageSizeLimit, String(m?.message?.length));
    assert.match(m.message, /^ä+$/);
  });

  test('a topic anonymous senders may not write to: refused with 550 5.7.x, nothing published', async () => {
    const topic = randomTopic('locked');
    const sent = await send(server, { to: address(topic), subject: 'x', text: 'y' });
    assert.equal(sent.ok, false);
    assert.equal(!sent.ok && sent.code, 550);
    assert.match(sent.response, /^550 5\.7\.\d .*\(40301\)/);
    assert.deepEqual(await poll(server, topic, PHIL), []);
  });

  test('an access token in the address (<prefix><topic>+<token>@domain) publishes as its user', async () => {
    const topic = randomTopic('locked');
    const sent = await send(server, { to: address(topic, token), subject: 'With token', text: 'ok' });
    assert.equal(sent.ok, true, sent.response);
    const [m] = await poll(server, topic, PHIL);
    assert.equal(m?.message, 'ok');
    // A token that is not one is refused like a wrong password over HTTP.
    const bad = await send(server, { to: address(topic, 'tk_notarealtokennotarealtoken00'), subject: 'x', text: 'y' });
    assert.equal(bad.ok, false);
    assert.equal(!bad.ok && bad.code, 550);
    assert.equal((await poll(server, topic, PHIL)).length, 1);
  });

  test('SMTP AUTH PLAIN and LOGIN credentials are a user name and password, checked as over HTTP', async () => {
    for (const method of ['PLAIN', 'LOGIN'] as const) {
      const topic = randomTopic('locked');
      const sent = await send(server, { to: address(topic), subject: 'Authenticated', text: `by ${method}` }, { user: 'phil', pass: 'phil-pass', method });
      assert.equal(sent.ok, true, sent.response);
      assert.equal((await poll(server, topic, PHIL))[0]?.message, `by ${method}`);
      const wrong = await send(server, { to: address(topic), subject: 'x', text: 'y' }, { user: 'phil', pass: 'wrong', method });
      assert.equal(wrong.ok, false);
      assert.match(wrong.response, /^550 5\.7\.8 .*\(40101\)/);
      assert.equal((await poll(server, topic, PHIL)).length, 1);
    }
  });

  test('mail for another domain, without the prefix, or to an invalid topic name is refused at RCPT TO', async () => {
    const topic = randomTopic();
    const cases: [string, RegExp][] = [
      [`${PREFIX}${topic}@elsewhere.example`, /^550 5\.7\.1 Relaying denied/],
      [`${topic}@${DOMAIN}`, /^550 5\.1\.1 /],
      [`${PREFIX}bad.topic!@${DOMAIN}`, /^550 5\.1\.1 /],
    ];
    for (const [to, reply] of cases) {
      const sent = await send(server, { to, subject: 'x', text: 'y' });
      assert.equal(sent.ok, false, to);
      assert.equal(!sent.ok && sent.code, 550, to);
      assert.match(sent.response, reply, to);
    }
    // The domain is compared without regard to case, as DNS does.
    const upper = await send(server, { to: `${PREFIX}${topic}@${DOMAIN.toUpperCase()}`, subject: 'x', text: 'case' });
    assert.equal(upper.ok, true, upper.response);
    assert.equal((await poll(server, topic))[0]?.message, 'case');
  });

  test('one recipient per mail: a second is refused with 452 and the first still gets it', async () => {
    const [first, second] = [randomTopic(), randomTopic()];
    const sent = await send(server, { to: [address(first), address(second)], subject: 'x', text: 'two' });
    // nodemailer delivers to the accepted recipient and reports the refused one.
    assert.equal(sent.ok, true, sent.response);
    assert.equal((await poll(server, first))[0]?.message, 'two');
    assert.deepEqual(await poll(server, second), []);
  });

  test('a mail larger than the DATA limit is refused with 552, nothing published', async () => {
    const topic = randomTopic();
    const sent = await send(server, { to: address(topic), subject: 'big', text: 'small', attachments: [{ filename: 'big.bin', content: Buffer.alloc(1_200_000, 7) }] });
    assert.equal(sent.ok, false);
    assert.equal(!sent.ok && sent.code, 552);
    assert.deepEqual(await poll(server, topic), []);
  });
});

describe('e-mail publishing meets the visitor limits of the SMTP client', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ 'visitor-message-daily-limit': '2', 'smtp-server-listen': '127.0.0.1:0', 'smtp-server-domain': DOMAIN });
  });
  after(() => server?.close());

  test('the daily message quota: the third mail is deferred with 451 4.7.1, and it is the same visitor as HTTP from that address', async () => {
    const topic = randomTopic();
    for (const text of ['one', 'two']) assert.equal((await send(server, { to: `${topic}@${DOMAIN}`, subject: 's', text })).ok, true);
    const third = await send(server, { to: `${topic}@${DOMAIN}`, subject: 's', text: 'three' });
    assert.equal(third.ok, false);
    assert.equal(!third.ok && third.code, 451);
    assert.match(third.response, /^451 4\.7\.1 .*\(42908\)/);
    const http = await fetch(`${server.url}/${topic}`, { method: 'POST', body: 'four' });
    assert.equal(http.status, 429);
    assert.deepEqual((await poll(server, topic)).map((m) => m.message), ['one', 'two']);
  });
});

describe('the SMTP listener starts and stops with the server', () => {
  test('smtp-server-listen without smtp-server-domain is a start error', async () => {
    await assert.rejects(startTestServer({ 'smtp-server-listen': '127.0.0.1:0' }), /smtp-server-domain must be set/);
  });

  test('a listen address that is not one is a config error', async () => {
    await assert.rejects(startTestServer({ 'smtp-server-listen': 'port25', 'smtp-server-domain': DOMAIN }), /smtp-server-listen/);
  });

  test('a port in use: the start fails with the listen error and the HTTP port is released', async () => {
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', () => resolve()));
    const httpPort = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'herald-email-start-'));
    try {
      await assert.rejects(startTestServer({ 'listen-http': `127.0.0.1:${httpPort}`, 'smtp-server-listen': `127.0.0.1:${port}`, 'smtp-server-domain': DOMAIN }, dir), /EADDRINUSE/);
      // Nothing left listening on the HTTP port: the next start may take it.
      const again = await startTestServer({ 'listen-http': `127.0.0.1:${httpPort}` }, dir);
      await again.close();
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('after stop nothing listens on the SMTP port', async () => {
    const server = await startTestServer({ 'smtp-server-listen': '127.0.0.1:0', 'smtp-server-domain': DOMAIN });
    const { host, port } = server.smtp!;
    const greeting = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, host);
      socket.once('data', (data) => {
        socket.end('QUIT\r\n');
        resolve(data.toString());
      });
      socket.once('error', reject);
    });
    assert.match(greeting, new RegExp(`^220 ${DOMAIN.replaceAll('.', '\\.')} ESMTP`));
    await server.close();
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(port, host);
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    assert.equal(refused, 'ECONNREFUSED');
  });
});
