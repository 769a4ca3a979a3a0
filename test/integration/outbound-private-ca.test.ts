import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig } from '../../src/config/index.js';
import { CLI_CONTEXT } from '../../src/core/audit/audit-trail.js';
import { generateVapidKeys, openKeys } from '../../src/main.js';
import { webhookFailureOutcome } from '../../src/adapters/providers/webhook/outcomes.js';
import { startWebhookReceiver, type WebhookReceiver } from '../mocks/webhook/receiver.js';
import { startWebPushMock, type WebPushMock } from '../mocks/webpush/webpush-mock.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { eventually } from '../helpers/wait.js';

// Issue 11, item 13: Web Push endpoints (and webhook receivers) behind a private CA could not be
// configured, and a TLS failure was retried as a nameless `network` error that no log showed.

const WEBHOOK_SECRET = `whsec_${randomBytes(32).toString('base64')}`;

interface Server {
  server: TestServer;
  warnings: Record<string, unknown>[];
  call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }>;
}

let webpush: WebPushMock;
let hooks: WebhookReceiver;
let caFile: string;
const dirs: string[] = [];

/** A server for both peers (each on the test certificate, a CA of its own); with `trust`, configured to trust it. */
async function server(trust: boolean): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-private-ca-'));
  dirs.push(dir);
  const warnings: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) warnings.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const vapid = generateVapidKeys();
  const s = await startTestServer({
    'web-push-public-key': vapid.publicKey,
    'web-push-private-key': vapid.privateKey,
    'web-push-email-address': 'ops@example.com',
    'web-push-endpoint-allowlist': new URL(webpush.url).host,
    'outbound-allowed-hosts': '127.0.0.1',
    'visitor-request-limit-exempt-hosts': '127.0.0.1,::1',
    'webhook-secrets': WEBHOOK_SECRET,
    'push-retry-base': '50ms',
    'push-retry-max': '200ms',
    'push-max-attempts': '3',
    'notify-max-attempts': '3',
    // Polled often: the per-key request limit is not what this is about.
    'api-key-request-limit-burst': '100000',
    ...(trust ? { 'web-push-ca-file': caFile, 'webhook-ca-file': caFile } : {}),
  }, dir, { logger: pino({ level: 'warn' }, stream) });
  const keys = await openKeys(loadConfig({ env: {}, flags: { 'database-file': join(dir, 'herald.db') } }).config);
  const auth = `Bearer ${(await keys.keys.create(CLI_CONTEXT, { name: 'test', scopes: ['admin'] })).secret}`;
  await keys.close();
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${s.url}${path}`, { method, headers: { authorization: auth, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    return { status: res.status, json: text.trim() ? JSON.parse(text.split('\n')[0]!) : undefined };
  };
  assert.equal((await call('PUT', '/v1/categories/orders', { channels: ['webhook'] })).status < 300, true);
  assert.equal((await call('PUT', '/v1/templates/hook', { category: 'orders', channels: { webhook: { body: { order: '{{ order }}' } } } })).status, 201);
  return { server: s, warnings, call };
}

async function webPushTo(s: Server): Promise<{ id: string; subscription: string }> {
  const sub = webpush.createSubscription();
  const sent = await s.call('POST', '/v1/push', { to: { tokens: [{ provider: 'webpush', token: { endpoint: sub.endpoint, keys: sub.keys } }] }, notification: { title: 'Hi' } });
  assert.equal(sent.status, 202, JSON.stringify(sent.json));
  return { id: sent.json.id as string, subscription: sub.id };
}

async function delivery(s: Server, id: string): Promise<any> {
  return (await s.call('GET', `/v1/push/${id}/deliveries`)).json.deliveries[0];
}

async function notifyWebhook(s: Server): Promise<{ id: string; who: string; path: string }> {
  const who = `sub-${randomBytes(4).toString('hex')}`;
  const path = `/hook/${randomBytes(4).toString('hex')}`;
  assert.equal((await s.call('PUT', `/v1/subscribers/${who}`, { webhook_url: `${hooks.url}${path}` })).status, 201);
  const sent = await s.call('POST', '/v1/notify', { template: 'hook', to: { subscribers: [who] }, channels: ['webhook'], data: { order: '7' } });
  assert.equal(sent.status, 202, JSON.stringify(sent.json));
  return { id: sent.json.id as string, who, path };
}

async function webhookChannel(s: Server, id: string, who: string): Promise<{ state: string; reason?: string } | undefined> {
  const view = await s.call('GET', `/v1/notify/${id}`);
  const r = (view.json.deliveries as { subscriber: string; channels: { channel: string; state: string; reason?: string }[] }[]).find((d) => d.subscriber === who);
  return r?.channels.find((c) => c.channel === 'webhook');
}

describe('peers behind a private CA', () => {
  before(async () => {
    webpush = await startWebPushMock({ tls: true });
    hooks = await startWebhookReceiver({ secrets: [WEBHOOK_SECRET], tls: true });
    const dir = mkdtempSync(join(tmpdir(), 'herald-ca-'));
    dirs.push(dir);
    caFile = join(dir, 'private-ca.pem');
    writeFileSync(caFile, webpush.ca!);
    assert.equal(hooks.ca, webpush.ca, 'both peers use the one test CA');
  });
  after(async () => {
    await Promise.all([webpush.close(), hooks.close()]);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('untrusted: the TLS failure is named in last_error, and the destination is logged at warn once', async () => {
    const s = await server(false);
    try {
      const pushes = [await webPushTo(s), await webPushTo(s)];
      for (const p of pushes) {
        // Six failed attempts in a row open the partition's circuit breaker (five failures, then a
        // 10 s cooldown of real time), so the last attempt waits that out: a longer deadline.
        await eventually('the delivery to use up its attempts', async () => (await delivery(s, p.id))?.state === 'dead', 90_000);
        const d = await delivery(s, p.id);
        assert.equal(d.attempts, 3);
        assert.match(d.last_error, /^tls: self-signed certificate/);
      }
      assert.equal(webpush.counters.accepted, 0);
      const pushWarnings = s.warnings.filter((w) => w.msg === 'webpush: push service unreachable');
      assert.equal(pushWarnings.length, 1, `one warning for six failed attempts to one push service: ${JSON.stringify(pushWarnings)}`);
      assert.equal(pushWarnings[0]!.level, 40);
      assert.equal(pushWarnings[0]!.destination, webpush.url);
      assert.equal(pushWarnings[0]!.reason, 'tls');

      const hook = await notifyWebhook(s);
      await eventually('the webhook to fail for good', async () => (await webhookChannel(s, hook.id, hook.who))?.state === 'failed');
      assert.match((await webhookChannel(s, hook.id, hook.who))!.reason ?? '', /tls: self-signed certificate/);
      const hookWarnings = s.warnings.filter((w) => w.msg === 'webhook: endpoint unreachable');
      assert.equal(hookWarnings.length, 1, 'once for three attempts');
      assert.equal(hookWarnings[0]!.destination, hooks.url);
    } finally {
      await s.server.close();
    }
  });

  it('trusted with web-push-ca-file and webhook-ca-file: both deliver', async () => {
    const s = await server(true);
    try {
      const p = await webPushTo(s);
      await eventually('the push to be sent', async () => (await delivery(s, p.id))?.state === 'sent');
      assert.ok(webpush.messages.some((m) => m.subscription === p.subscription), 'the push service decrypted it');

      const hook = await notifyWebhook(s);
      await eventually('the webhook to be sent', async () => (await webhookChannel(s, hook.id, hook.who))?.state === 'sent');
      assert.ok(hooks.verified.some((h) => h.path === hook.path), 'the receiver verified it');
      assert.deepEqual(s.warnings.filter((w) => typeof w.msg === 'string' && /unreachable/.test(w.msg)), []);
    } finally {
      await s.server.close();
    }
  });

  it('a TLS failure keeps its name through the webhook outcome table', () => {
    assert.deepEqual(webhookFailureOutcome('tls', 'tls: unable to verify the first certificate'), { kind: 'retry', reason: 'tls: unable to verify the first certificate' });
  });
});
