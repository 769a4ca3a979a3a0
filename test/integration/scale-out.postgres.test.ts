import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { CLI_CONTEXT } from '../../src/core/audit/audit-trail.js';
import { openKeys } from '../../src/main.js';
import { herald } from '../helpers/cli.js';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';
import { freshPostgresSchema, namespaceFor, REDIS_URL, serviceSkip } from '../helpers/services.js';
import { nextEvents, openStream, type LineStream } from '../helpers/streams.js';
import { eventually } from '../helpers/wait.js';
import { startFcmMock, type FcmMock } from '../mocks/fcm/mock.js';
import { testCertificate } from '../mocks/tls.js';

// Issue 12, points 1 and 5: with database-url and redis-url, two Herald servers on one PostgreSQL
// schema and one Redis behave as one service. Every step goes in through one node and is checked
// through the other, so it passes only if the state is really shared.

async function call(node: TestServer, method: string, path: string, body?: unknown, auth?: string): Promise<{ status: number; json: any }> {
  const res = await fetch(`${node.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(auth ? { authorization: auth } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

/** The next SSE event of an inbox stream, keepalive comments skipped. */
async function nextSse(stream: LineStream): Promise<{ event: string; data: any }> {
  let event = 'message';
  for (;;) {
    const [line] = await stream.next(1);
    if (line!.startsWith('event: ')) event = line!.slice(7);
    else if (line!.startsWith('data: ')) return { event, data: JSON.parse(line!.slice(6)) };
  }
}

describe('two nodes on one PostgreSQL schema and one Redis', async () => {
  const skipped = (await serviceSkip('postgres')) ?? (await serviceSkip('redis'));
  const opts = skipped ? { skip: skipped } : {};
  let db: Awaited<ReturnType<typeof freshPostgresSchema>>;
  let fcm: FcmMock;
  let a: TestServer;
  let b: TestServer;
  let admin: string;

  before(async () => {
    if (skipped) return;
    db = await freshPostgresSchema('scale out smoke');
    fcm = await startFcmMock();
    const shared = mkdtempSync(join(tmpdir(), 'herald-scale-out-'));
    writeFileSync(join(shared, 'ca.pem'), testCertificate().cert);
    writeFileSync(join(shared, 'service-account.json'), JSON.stringify(fcm.serviceAccount));
    const flags = {
      'database-url': db.url,
      'redis-url': REDIS_URL,
      'redis-prefix': `${namespaceFor('scale out smoke')}:`,
      fcm: JSON.stringify([{ name: 'default', 'service-account-file': join(shared, 'service-account.json'), 'base-url': fcm.url, 'ca-file': join(shared, 'ca.pem') }]),
      'visitor-request-limit-exempt-hosts': '127.0.0.1,::1',
      'push-retry-base': '50ms',
      'push-retry-max': '500ms',
    };
    // Started together on the empty schema: they migrate once between them (advisory lock) and both come up.
    const started = await Promise.allSettled([startTestServer(flags), startTestServer(flags)]);
    for (const s of started) if (s.status === 'fulfilled') (a ? (b = s.value) : (a = s.value));
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    // Keys are made as an operator would, with the CLI's store on the same database.
    const keys = await openKeys(loadConfig({ env: {}, flags: { 'database-url': db.url } }).config);
    try {
      admin = `Bearer ${(await keys.keys.create(CLI_CONTEXT, { name: 'smoke admin', scopes: ['admin'] })).secret}`;
    } finally {
      await keys.close();
    }
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await fcm?.close();
    await db?.drop();
  });

  it('both nodes report the database and Redis as reachable', opts, async () => {
    for (const node of [a, b]) {
      const res = await call(node, 'GET', '/v1/health');
      assert.deepEqual(res, { status: 200, json: { healthy: true, database: 'ok', redis: 'ok' } });
    }
  });

  it('topics: a message published on A reaches a subscriber on B, and since=<id> on B reads what A stored', opts, async () => {
    const topic = randomTopic();
    const live = await openStream(`${b.url}/${topic}/json`);
    try {
      assert.equal((await nextEvents(live))[0]!.event, 'open');
      const res = await fetch(`${a.url}/${topic}`, { method: 'POST', body: 'first' });
      assert.equal(res.status, 200);
      const first = (await res.json()) as { id: string };
      const [event] = await nextEvents(live);
      assert.equal(event!.id, first.id);
    } finally {
      live.close();
    }
    const second = await fetch(`${a.url}/${topic}`, { method: 'POST', body: 'second' }).then((r) => r.json() as Promise<{ id: string }>);
    const polled = await fetch(`${b.url}/${topic}/json?poll=1&since=all`).then((r) => r.text());
    assert.deepEqual(polled.trim().split('\n').map((l) => (JSON.parse(l) as { message: string }).message), ['first', 'second']);
    const first = JSON.parse(polled.trim().split('\n')[0]!) as { id: string };
    const since = await fetch(`${b.url}/${topic}/json?poll=1&since=${first.id}`).then((r) => r.text());
    assert.deepEqual(since.trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id), [second.id]);
  });

  it('accounts: a user the CLI adds in PostgreSQL gets a token on A that B accepts', opts, async () => {
    const name = `smoke${randomBytes(3).toString('hex')}`;
    const added = await herald(['user', 'add', name, '--database-url', db.url], { env: { HERALD_PASSWORD: 'pass-word-1' } });
    assert.equal(added.code, 0, added.stderr);
    const basic = `Basic ${Buffer.from(`${name}:pass-word-1`).toString('base64')}`;
    const token = await call(a, 'POST', '/v1/account/token', {}, basic);
    assert.equal(token.status, 200, JSON.stringify(token.json));
    const account = await call(b, 'GET', '/v1/account', undefined, `Bearer ${token.json.token as string}`);
    assert.equal(account.status, 200, JSON.stringify(account.json));
    assert.equal(account.json.username, name);
  });

  it('API keys, devices and push: a device registered on A gets a push sent through B, whose status A reports', opts, async () => {
    const token = `fcm-${randomBytes(24).toString('base64url')}`;
    const device = await call(a, 'POST', '/v1/devices', { provider: 'fcm', token, user: 'smoke-user' }, admin);
    assert.equal(device.status, 201, JSON.stringify(device.json));
    assert.equal((await call(b, 'GET', `/v1/devices/${device.json.id as string}`, undefined, admin)).json.token, token);
    const sent = await call(b, 'POST', '/v1/push', { to: { devices: [device.json.id] }, notification: { title: 'Smoke', body: 'through B' } }, admin);
    assert.equal(sent.status, 202, JSON.stringify(sent.json));
    let view: any;
    await eventually('the push to be done', async () => {
      view = (await call(a, 'GET', `/v1/push/${sent.json.id as string}`, undefined, admin)).json;
      return view.state === 'done';
    });
    assert.equal(view.counts.sent, 1, JSON.stringify(view));
    assert.ok(fcm.requests.some((r) => JSON.stringify(r.message).includes(token)), 'the FCM mock got the push');
  });

  it('notify: a subscriber and template made on A, a notification sent through B, its inbox item read and streamed on A', opts, async () => {
    assert.equal((await call(a, 'PUT', '/v1/categories/smoke', { channels: ['inapp'] }, admin)).status, 200);
    const template = await call(a, 'PUT', '/v1/templates/smoke-hello', { category: 'smoke', channels: { inapp: { title: 'Hello {{ n }}', body: 'Item {{ n }}' } } }, admin);
    assert.equal(template.status, 201, JSON.stringify(template.json));
    const subscriber = `smoke-${randomBytes(4).toString('hex')}`;
    assert.equal((await call(a, 'PUT', `/v1/subscribers/${subscriber}`, {}, admin)).status, 201);
    const st = await call(b, 'POST', '/v1/subscriber-tokens', { subscriber }, admin);
    assert.equal(st.status, 200, JSON.stringify(st.json));
    const auth = Buffer.from(`Bearer ${st.json.token as string}`).toString('base64url');
    const stream = await openStream(`${a.url}/v1/subscribers/${subscriber}/inbox/stream?auth=${auth}`);
    try {
      assert.deepEqual(await nextSse(stream), { event: 'unread', data: { unread: 0 } });
      const sent = await call(b, 'POST', '/v1/notify', { template: 'smoke-hello', category: 'smoke', to: { subscribers: [subscriber] }, channels: ['inapp'], data: { n: '1' } }, admin);
      assert.equal(sent.status, 202, JSON.stringify(sent.json));
      const item = await nextSse(stream);
      assert.equal(item.event, 'item');
      assert.equal(item.data.item.title, 'Hello 1');
      const inbox = await call(a, 'GET', `/v1/subscribers/${subscriber}/inbox`, undefined, `Bearer ${st.json.token as string}`);
      assert.deepEqual(inbox.json.items.map((i: { title: string }) => i.title), ['Hello 1']);
      assert.equal(inbox.json.unread, 1);
    } finally {
      stream.close();
    }
  });
});
