import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { WebhookMessage, WebhookSender } from '../../src/ports/notify-channels.js';
import { createWebhookSender, type WebhookSenderOptions } from '../../src/adapters/providers/webhook/sender.js';
import { startWebhookReceiver, type WebhookReceiver } from '../mocks/webhook/receiver.js';

const secret = (): string => 'whsec_' + randomBytes(32).toString('base64');
const OLD = secret();
const NEW = secret();
const LOCAL = { allowHttp: true, allowedHosts: ['127.0.0.1'] };

let receiver: WebhookReceiver;
let tlsReceiver: WebhookReceiver;
const senders: WebhookSender[] = [];

before(async () => {
  receiver = await startWebhookReceiver({ secrets: [OLD] });
  tlsReceiver = await startWebhookReceiver({ secrets: [OLD], tls: true });
});
after(async () => {
  await Promise.all(senders.map((s) => s.close()));
  await receiver.close();
  await tlsReceiver.close();
});
beforeEach(() => {
  receiver.reset();
  receiver.setSecrets([OLD]);
  tlsReceiver.reset();
});

function sender(extra: Partial<WebhookSenderOptions> = {}): WebhookSender {
  const s = createWebhookSender({ secrets: [OLD], guard: LOCAL, userAgent: 'Herald-Test', ...extra });
  senders.push(s);
  return s;
}

let seq = 0;
function message(path: string, extra: Partial<WebhookMessage> = {}): WebhookMessage {
  seq++;
  return {
    url: `${receiver.url}${path}`,
    id: `msg_${seq}_${randomBytes(6).toString('hex')}`,
    timestamp: Math.floor(Date.now() / 1000),
    body: JSON.stringify({ type: 'notification.created', data: { n: seq, text: 'héllo 😀' } }),
    ...extra,
  };
}

describe('webhook sender against a verifying receiver', () => {
  test('the receiver verifies the signature with its own HMAC and sees the Standard Webhooks headers', async () => {
    const m = message('/hooks/a');
    assert.deepEqual(await sender().send(m), { kind: 'ok' });
    assert.equal(receiver.rejected.length, 0);
    assert.equal(receiver.verified.length, 1);
    const got = receiver.verified[0]!;
    assert.equal(got.method, 'POST');
    assert.equal(got.path, '/hooks/a');
    assert.equal(got.body, m.body, 'the exact bytes that were signed');
    assert.equal(got.headers['webhook-id'], m.id);
    assert.equal(got.headers['webhook-timestamp'], String(m.timestamp));
    assert.match(got.headers['webhook-signature'] ?? '', /^v1,[A-Za-z0-9+/]{43}=$/);
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(got.headers['user-agent'], 'Herald-Test');
  });

  test('rotation: with two secrets, a receiver that knows only the new one still verifies', async () => {
    receiver.setSecrets([NEW]);
    assert.deepEqual(await sender({ secrets: [OLD, NEW] }).send(message('/hooks/rotate')), { kind: 'ok' });
    assert.equal(receiver.verified.length, 1);
    assert.equal(receiver.verified[0]!.headers['webhook-signature']!.split(' ').length, 2);

    // Signed with the old secret alone, the same receiver refuses: 401 → rejected.
    assert.deepEqual(await sender({ secrets: [OLD] }).send(message('/hooks/rotate')), { kind: 'rejected', status: 401 });
    assert.equal(receiver.rejected.length, 1);
    assert.equal(receiver.rejected[0]!.why, 'no matching signature');
  });

  test('a timestamp outside the five-minute tolerance is refused by the receiver', async () => {
    const stale = message('/hooks/stale', { timestamp: Math.floor(Date.now() / 1000) - 301 });
    assert.deepEqual(await sender().send(stale), { kind: 'rejected', status: 401 });
    assert.equal(receiver.rejected[0]!.why, 'timestamp outside tolerance');
  });

  test('the same delivery retried keeps its id; connections are reused', async () => {
    const s = sender();
    const m = message('/hooks/same');
    for (let i = 0; i < 3; i++) assert.equal((await s.send(m)).kind, 'ok');
    assert.deepEqual(new Set(receiver.verified.map((r) => r.headers['webhook-id'])), new Set([m.id]));
    assert.equal(new Set(receiver.verified.map((r) => r.remotePort)).size, 1, 'one kept-alive connection');
  });

  test('each scripted answer maps to its outcome', async () => {
    receiver.script('/gone', { status: 410 });
    receiver.script('/busy', { status: 429, retryAfter: '30' });
    receiver.script('/broken', { status: 500 });
    receiver.script('/unavailable', { status: 503, retryAfter: '4' });
    receiver.script('/timeout', { status: 408 });
    receiver.script('/early', { status: 425 });
    receiver.script('/bad', { status: 400 });
    receiver.script('/missing', { status: 404 });
    receiver.script('/moved', { status: 301, location: 'http://169.254.169.254/latest/meta-data/' });
    receiver.script('/created', { status: 201 });
    const s = sender();
    const cases: [string, unknown][] = [
      ['/gone', { kind: 'invalid_token', status: 410, reason: 'gone' }],
      ['/busy', { kind: 'throttled', target: 'device', status: 429, afterMs: 30_000 }],
      ['/broken', { kind: 'retry', status: 500 }],
      ['/unavailable', { kind: 'retry', status: 503, afterMs: 4_000 }],
      ['/timeout', { kind: 'retry', status: 408 }],
      ['/early', { kind: 'retry', status: 425 }],
      ['/bad', { kind: 'rejected', status: 400 }],
      ['/missing', { kind: 'rejected', status: 404 }],
      ['/moved', { kind: 'rejected', status: 301 }],
      ['/created', { kind: 'ok' }],
    ];
    for (const [path, expect] of cases) assert.deepEqual(await s.send(message(path)), expect, path);
    // The redirect was not followed: only the original path was requested.
    assert.equal(receiver.verified.filter((r) => r.path === '/moved').length, 1);
    assert.equal(receiver.verified.length, cases.length);
  });

  test('a slow endpoint runs into the timeout → retry(timeout)', async () => {
    receiver.script('/slow', { status: 200, delayMs: 600 });
    assert.deepEqual(await sender({ timeoutMs: 150 }).send(message('/slow')), { kind: 'retry', reason: 'timeout' });
  });

  test('nobody listening → retry(network); a closed sender → retry(closed)', async () => {
    const gone = await startWebhookReceiver({ secrets: [OLD] });
    const url = gone.url;
    await gone.close();
    const s = sender();
    assert.deepEqual(await s.send(message('/x', { url: `${url}/x` })), { kind: 'retry', reason: 'network' });
    await s.close();
    assert.deepEqual(await s.send(message('/x')), { kind: 'retry', reason: 'closed' });
  });

  test('an id or timestamp that cannot be sent is rejected before any request', async () => {
    assert.deepEqual(await sender().send(message('/x', { id: 'two words' })), { kind: 'rejected', reason: 'invalid_id' });
    assert.deepEqual(await sender().send(message('/x', { timestamp: 1.5 })), { kind: 'rejected', reason: 'invalid_timestamp' });
    assert.equal(receiver.verified.length + receiver.rejected.length, 0);
  });

  test('a malformed secret fails at construction, without echoing it', () => {
    assert.throws(() => createWebhookSender({ secrets: ['whsec_tooshort'] }), (err: Error) => !err.message.includes('tooshort'));
    assert.throws(() => createWebhookSender({ secrets: [] }), /at least one/);
  });
});

describe('webhook sender and the SSRF guard', () => {
  test('127.0.0.1 is refused unless allow-listed', async () => {
    const refused = await sender({ guard: { allowHttp: true } }).send(message('/ssrf'));
    assert.deepEqual(refused, { kind: 'rejected', reason: 'forbidden_address' });
    const byName = await sender({ guard: { allowHttp: true } }).send(message('/ssrf', { url: receiver.url.replace('127.0.0.1', 'localhost') + '/ssrf' }));
    assert.deepEqual(byName, { kind: 'rejected', reason: 'forbidden_address' }, 'a name resolving to loopback too');
    assert.equal(receiver.verified.length + receiver.rejected.length, 0, 'nothing reached the receiver');

    assert.deepEqual(await sender({ guard: { allowHttp: true, allowedHosts: ['127.0.0.0/8'] } }).send(message('/ssrf')), { kind: 'ok' });
    assert.equal(receiver.verified.length, 1);
  });

  test('http: is refused unless allowed; https with the right CA goes through', async () => {
    const plain = await sender({ guard: { allowedHosts: ['127.0.0.1'] } }).send(message('/tls'));
    assert.deepEqual(plain, { kind: 'rejected', reason: 'scheme' });
    assert.equal(receiver.verified.length + receiver.rejected.length, 0);

    const overTls = sender({ guard: { allowedHosts: ['127.0.0.1'], ca: tlsReceiver.ca! } });
    assert.deepEqual(await overTls.send(message('/tls', { url: `${tlsReceiver.url}/tls` })), { kind: 'ok' });
    assert.equal(tlsReceiver.verified.length, 1);

    // Without the CA the certificate is not trusted: a TLS failure, retried, and named.
    const untrusted = sender({ guard: { allowedHosts: ['127.0.0.1'] } });
    assert.deepEqual(await untrusted.send(message('/tls', { url: `${tlsReceiver.url}/tls` })), { kind: 'retry', reason: 'tls: self-signed certificate' });
  });

  test('non-http schemes and malformed URLs are rejected', async () => {
    for (const url of ['file:///etc/passwd', 'gopher://127.0.0.1/', 'not a url']) {
      assert.deepEqual(await sender().send(message('/x', { url })), { kind: 'rejected', reason: 'scheme' }, url);
    }
  });
});
