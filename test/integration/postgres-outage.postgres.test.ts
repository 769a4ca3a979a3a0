import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { CLI_CONTEXT } from '../../src/core/audit/audit-trail.js';
import { openKeys } from '../../src/main.js';
import { startFcmMock, type FcmMock } from '../mocks/fcm/mock.js';
import { testCertificate } from '../mocks/tls.js';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';
import { freshPostgresSchema, POSTGRES_URL, serviceSkip } from '../helpers/services.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { eventually } from '../helpers/wait.js';

// Issue 12, point 8: a node that loses PostgreSQL answers 503 on readiness and refuses new work
// with a retryable 503 (never a 500), loses nothing it accepted, and serves again by itself once
// the database is back. The node reaches PostgreSQL through a TCP proxy the test cuts.

async function health(node: TestServer): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${node.url}/v1/health`);
  return { status: res.status, body: await res.json() };
}

async function call(node: TestServer, method: string, path: string, body: unknown, auth: string): Promise<{ status: number; json: any }> {
  const res = await fetch(`${node.url}${path}`, {
    method, headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: await res.json() };
}

async function cached(node: TestServer, topic: string): Promise<string[]> {
  const res = await fetch(`${node.url}/${topic}/json?poll=1&since=all`);
  assert.equal(res.status, 200);
  return (await res.text()).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { message: string }).message);
}

describe('a node that loses PostgreSQL', async () => {
  const skipped = await serviceSkip('postgres');
  const opts = skipped ? { skip: skipped } : {};
  let db: Awaited<ReturnType<typeof freshPostgresSchema>>;
  let proxy: TcpProxy;
  let node: TestServer;
  let fcm: FcmMock;
  let dir: string;
  let admin: string;

  before(async () => {
    if (skipped) return;
    db = await freshPostgresSchema('postgres outage');
    const target = new URL(POSTGRES_URL);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
    fcm = await startFcmMock();
    dir = mkdtempSync(join(tmpdir(), 'herald-pg-outage-'));
    writeFileSync(join(dir, 'ca.pem'), testCertificate().cert);
    writeFileSync(join(dir, 'service-account.json'), JSON.stringify(fcm.serviceAccount));
    node = await startTestServer({
      'database-url': proxy.via(db.url),
      fcm: JSON.stringify([{ name: 'default', 'service-account-file': join(dir, 'service-account.json'), 'base-url': fcm.url, 'ca-file': join(dir, 'ca.pem') }]),
      'visitor-request-limit-exempt-hosts': '127.0.0.1,::1',
      'push-retry-base': '50ms',
      'push-retry-max': '500ms',
      // A job whose outcome could not be written during the cut stays reserved until its
      // visibility timeout ends (at least once), then runs again: short here, 2 minutes by default.
      'push-visibility-timeout': '5s',
    });
    const keys = await openKeys(loadConfig({ env: {}, flags: { 'database-url': db.url } }).config);
    try {
      admin = `Bearer ${(await keys.keys.create(CLI_CONTEXT, { name: 'outage admin', scopes: ['admin'] })).secret}`;
    } finally {
      await keys.close();
    }
  });
  after(async () => {
    await node?.close();
    await proxy?.close();
    await fcm?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  });

  it('answers 503 while the database is cut and 200 once it is back; what it accepted before is still there and done', opts, async () => {
    const topic = randomTopic();
    assert.deepEqual(await health(node), { status: 200, body: { healthy: true, database: 'ok' } });
    assert.equal((await fetch(`${node.url}/${topic}`, { method: 'POST', body: 'before the cut' })).status, 200);
    const token = `fcm-${randomBytes(24).toString('base64url')}`;
    const device = await call(node, 'POST', '/v1/devices', { provider: 'fcm', token }, admin);
    assert.equal(device.status, 201, JSON.stringify(device.json));
    // Accepted just before the cut: it may or may not have gone out by then, and must go out either way.
    const before = await call(node, 'POST', '/v1/push', { to: { devices: [device.json.id] }, notification: { title: 'before the cut' } }, admin);
    assert.equal(before.status, 202, JSON.stringify(before.json));

    proxy.cut();
    await eventually('readiness to turn 503', async () => (await health(node)).status === 503);
    assert.deepEqual((await health(node)).body, { healthy: false, database: 'unreachable' });
    // Refused as retryable, in the usual error shape: the request was fine, the database is not there.
    const refused = await fetch(`${node.url}/${topic}`, { method: 'POST', body: 'during the cut' });
    assert.equal(refused.status, 503);
    assert.equal(((await refused.json()) as { code: number }).code, 50304);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);

    proxy.restore();
    await eventually('readiness to be 200 again', async () => (await health(node)).status === 200);
    assert.deepEqual((await health(node)).body, { healthy: true, database: 'ok' });
    assert.equal((await fetch(`${node.url}/${topic}`, { method: 'POST', body: 'after the cut' })).status, 200);
    assert.deepEqual(await cached(node, topic), ['before the cut', 'after the cut']);

    // The delivery workers carry on by themselves: the push from before the cut and a new one go out.
    const after = await call(node, 'POST', '/v1/push', { to: { devices: [device.json.id] }, notification: { title: 'after the cut' } }, admin);
    assert.equal(after.status, 202, JSON.stringify(after.json));
    for (const id of [before.json.id as string, after.json.id as string]) {
      let view: any;
      await eventually(`push ${id} to be done`, async () => {
        view = (await call(node, 'GET', `/v1/push/${id}`, undefined, admin)).json;
        return view.state === 'done';
      }, undefined, 100).catch((err: Error) => { throw new Error(`${err.message}: ${JSON.stringify(view)}`); });
      assert.equal(view.counts.sent, 1, JSON.stringify(view));
    }
    const titles = fcm.requests.filter((r) => JSON.stringify(r.message).includes(token)).map((r) => (r.message as { notification?: { title?: string } } | undefined)?.notification?.title);
    assert.ok(titles.includes('before the cut') && titles.includes('after the cut'), JSON.stringify(titles));
  });
});
