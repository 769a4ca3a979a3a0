import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { CLI_CONTEXT } from '../../src/core/audit/audit-trail.js';
import { openKeys } from '../../src/main.js';
import { startReceiver, verify } from '../helpers/event-receiver.js';
import { restartablePort, spawnHerald, untilHealthy, type HeraldProcess } from '../helpers/herald-process.js';
import { seedSubscribers } from '../helpers/seed-subscribers.js';
import { seedDevices } from '../helpers/seed-devices.js';
import { APNS_KEY_ID, APNS_TEAM_ID, BUNDLE_ID } from '../helpers/push-rig.js';
import { startApnsMock } from '../mocks/apns/mock.js';
import { testCertificate } from '../mocks/tls.js';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { eventually } from '../helpers/wait.js';

const SUBSCRIBERS = 3000;

/**
 * A Herald process over the files in `dir` that can be started again after a SIGKILL, with an
 * admin key, its event webhooks allowed to reach this machine, and a short visibility timeout
 * (what a killed process held comes back soon).
 */
async function rig(dir: string, extraArgs: string[] = []) {
  const keys = await openKeys(loadConfig({ env: {}, flags: { 'database-file': join(dir, 'herald.db') } }).config);
  const key = (await keys.keys.create(CLI_CONTEXT, { name: 'crash', scopes: ['admin'] })).secret;
  await keys.close();
  const port = await restartablePort();
  const url = `http://127.0.0.1:${port}`;
  const args = ['serve', '--listen-http', `127.0.0.1:${port}`, '--cache-file', join(dir, 'c.db'), '--database-file', join(dir, 'herald.db'),
    '--queue-file', join(dir, 'q.db'), '--attachment-cache-dir', '', '--log-level', 'warn', '--push-visibility-timeout', '2s',
    '--outbound-allow-http', 'true', '--outbound-allowed-hosts', '127.0.0.1', ...extraArgs];
  const start = async (): Promise<HeraldProcess> => {
    const c = spawnHerald(args);
    await untilHealthy(url, c);
    return c;
  };
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, json: await res.json() as any };
  };
  return { start, call };
}

// Issue 15, point 6: a notify channel state that was stored has its event stored too, so a
// SIGKILL at any moment loses none of them (a repeat carries the same webhook-id).
test(`SIGKILL while ${SUBSCRIBERS} in-app deliveries and their events are under way, then a restart: every subscriber's channel event arrives`, { timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-events-crash-'));
  const receiver = await startReceiver();
  let child: HeraldProcess | undefined;
  try {
    const seeded = await seedSubscribers(join(dir, 'q.db'), { count: SUBSCRIBERS, category: 'crash' });
    const { start, call } = await rig(dir);

    child = await start();
    const endpoint = await call('POST', '/v1/event-endpoints', { url: receiver.url, events: ['notify.channel.sent', 'notify.channel.suppressed'] });
    assert.equal(endpoint.status, 201, JSON.stringify(endpoint.json));
    assert.ok((await call('PUT', '/v1/categories/crash', { channels: ['inapp'] })).status < 300);
    assert.equal((await call('PUT', '/v1/templates/crash', { category: 'crash', channels: { inapp: { title: 'Hello', body: 'there' } } })).status, 201);
    // Three notifications of a thousand recipients (a request names at most 1000).
    const notifications = new Set<string>();
    for (let i = 0; i < SUBSCRIBERS; i += 1000) {
      const sent = await call('POST', '/v1/notify', { template: 'crash', to: { subscribers: seeded.ids.slice(i, i + 1000) } });
      assert.equal(sent.status, 202, JSON.stringify(sent.json));
      notifications.add(sent.json.id);
    }
    const ours = () => receiver.received.filter((r) => notifications.has(String(r.json.data.notification_id)));
    const delivery = (r: ReturnType<typeof ours>[number]) => `${r.json.data.notification_id} ${r.json.data.subscriber_id}`;

    // Killed as soon as the first events arrive: the engine is still writing states then.
    await eventually('the first events', async () => ours().length > 0, 60_000, 1);
    await child.stop('SIGKILL');
    const beforeRestart = new Set(ours().map(delivery)).size;

    child = await start();
    await eventually('an event for every delivery', async () => new Set(ours().map(delivery)).size === SUBSCRIBERS, 120_000);
    const ids = new Map<string, Set<unknown>>();
    for (const r of ours()) {
      assert.equal(verify(endpoint.json.secret, r.headers, r.body), true, 'signed');
      let set = ids.get(delivery(r));
      if (!set) ids.set(delivery(r), (set = new Set()));
      set.add(r.headers['webhook-id']);
    }
    const repeatedIds = [...ids.values()].filter((s) => s.size > 1).length;
    assert.equal(repeatedIds, 0, 'a message sent again after the crash carries the same webhook-id');
    t.diagnostic(`killed with ${beforeRestart} of ${SUBSCRIBERS} subscribers' events received; ${ours().length - SUBSCRIBERS} repeats after the restart`);
  } finally {
    await child?.stop('SIGKILL');
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

const DEVICES = 5000;

// The same for push: an outcome recorded in the ledger has its push.delivery.* message queued
// before, so a SIGKILL mid-broadcast loses none (a repeat carries the same webhook-id).
test(`SIGKILL during a ${DEVICES}-device broadcast with an event endpoint, then a restart: every device's push.delivery.sent arrives`, { timeout: 240_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-push-events-crash-'));
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(join(dir, 'AuthKey.p8'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(join(dir, 'ca.pem'), testCertificate().cert);
  const apns = await startApnsMock({ token: { publicKey, keyId: APNS_KEY_ID, teamId: APNS_TEAM_ID }, bundleId: BUNDLE_ID });
  const receiver = await startReceiver();
  let child: HeraldProcess | undefined;
  try {
    const devices = await seedDevices(join(dir, 'herald.db'), { count: DEVICES, topic: 'crash' });
    const { start, call } = await rig(dir, ['--apns', JSON.stringify([{ 'bundle-id': BUNDLE_ID, 'base-url': apns.url, 'key-file': join(dir, 'AuthKey.p8'), 'key-id': APNS_KEY_ID, 'team-id': APNS_TEAM_ID, 'ca-file': join(dir, 'ca.pem') }])]);

    child = await start();
    const endpoint = await call('POST', '/v1/event-endpoints', { url: receiver.url, events: ['push.delivery.sent'] });
    assert.equal(endpoint.status, 201, JSON.stringify(endpoint.json));
    const sent = await call('POST', '/v1/push', { id: 'crash-events', to: { topics: ['crash'] }, notification: { title: 'Crash test', body: 'hello' } });
    assert.equal(sent.status, 202, JSON.stringify(sent.json));
    const ours = () => receiver.received.filter((r) => r.json.data.push_id === 'crash-events');

    // Killed while sends and their events are under way.
    await apns.whenRequests(Math.floor(DEVICES / 5));
    await child.stop('SIGKILL');
    const beforeRestart = new Set(ours().map((r) => r.json.data.device_id)).size;

    child = await start();
    await eventually('a push.delivery.sent for every device', async () => new Set(ours().map((r) => r.json.data.device_id)).size === DEVICES, 180_000);
    const ids = new Map<unknown, Set<unknown>>();
    for (const r of ours()) {
      assert.equal(verify(endpoint.json.secret, r.headers, r.body), true, 'signed');
      let set = ids.get(r.json.data.device_id);
      if (!set) ids.set(r.json.data.device_id, (set = new Set()));
      set.add(r.headers['webhook-id']);
    }
    const seeded = new Set(devices.map((d) => d.id));
    assert.ok([...ids.keys()].every((id) => seeded.has(String(id))), 'events name the seeded devices');
    t.diagnostic(`killed with ${beforeRestart} of ${DEVICES} devices' events received; ${ours().length - DEVICES} repeats; ${[...ids.values()].filter((s) => s.size > 1).length} devices with two sends (a new attempt, a new id)`);
  } finally {
    await child?.stop('SIGKILL');
    await receiver.close();
    await apns.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
