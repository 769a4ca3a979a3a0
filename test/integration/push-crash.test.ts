import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { CLI_CONTEXT } from '../../src/core/audit/audit-trail.js';
import { openKeys } from '../../src/main.js';
import { startApnsMock } from '../mocks/apns/mock.js';
import { testCertificate } from '../mocks/tls.js';
import { seedDevices } from '../helpers/seed-devices.js';
import { APNS_KEY_ID, APNS_TEAM_ID, BUNDLE_ID } from '../helpers/push-rig.js';
import { restartablePort, spawnHerald, untilHealthy, type HeraldProcess } from '../helpers/herald-process.js';
import { eventuallyValue } from '../helpers/wait.js';
const DEVICES = 50_000;

test(`SIGKILL during a ${DEVICES.toLocaleString('en-US')}-device broadcast, then a restart: every device gets at least one send`, { timeout: 240_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-crash-'));
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(join(dir, 'AuthKey.p8'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(join(dir, 'ca.pem'), testCertificate().cert);
  const apns = await startApnsMock({ token: { publicKey, keyId: APNS_KEY_ID, teamId: APNS_TEAM_ID }, bundleId: BUNDLE_ID });
  let child: HeraldProcess | undefined;
  try {
    const devices = await seedDevices(join(dir, 'herald.db'), { count: DEVICES, topic: 'crash' });
    const keys = await openKeys(loadConfig({ env: {}, flags: { 'database-file': join(dir, 'herald.db') } }).config);
    const key = (await keys.keys.create(CLI_CONTEXT, { name: 'crash', scopes: ['push:send', 'push:read'] })).secret;
    await keys.close();

    const port = await restartablePort();
    const url = `http://127.0.0.1:${port}`;
    const args = ['serve', '--listen-http', `127.0.0.1:${port}`, '--cache-file', join(dir, 'c.db'), '--database-file', join(dir, 'herald.db'),
      '--queue-file', join(dir, 'q.db'), '--attachment-cache-dir', '', '--log-level', 'warn', '--push-visibility-timeout', '5s',
      '--apns', JSON.stringify([{ 'bundle-id': BUNDLE_ID, 'base-url': apns.url, 'key-file': join(dir, 'AuthKey.p8'), 'key-id': APNS_KEY_ID, 'team-id': APNS_TEAM_ID, 'ca-file': join(dir, 'ca.pem') }])];
    const start = async (): Promise<HeraldProcess> => {
      const c = spawnHerald(args);
      await untilHealthy(url, c);
      return c;
    };
    const auth = { Authorization: `Bearer ${key}`, 'content-type': 'application/json' };

    child = await start();
    const res = await fetch(`${url}/v1/push`, { method: 'POST', headers: auth, body: JSON.stringify({ id: 'crash-broadcast', to: { topics: ['crash'] }, notification: { title: 'Crash test', body: 'hello' } }) });
    assert.equal(res.status, 202);
    // Kill it mid-broadcast: some sent, most not.
    await apns.whenRequests(Math.floor(DEVICES / 5));
    await child.stop('SIGKILL');
    const beforeRestart = apns.requestCount;
    assert.ok(beforeRestart < DEVICES, `killed part-way (${beforeRestart} sends)`);

    child = await start();
    let last: unknown;
    const view = await eventuallyValue('the broadcast done after the restart', async () => {
      const v = (await (await fetch(`${url}/v1/push/crash-broadcast`, { headers: auth })).json()) as { state: string; targets: number; counts: Record<string, number> };
      last = v;
      return v.state === 'done' ? v : undefined;
    }, 180_000, 250).catch((err: Error) => {
      throw new Error(`${err.message}; last view ${JSON.stringify(last)}`);
    });
    assert.equal(view.targets, DEVICES);
    assert.equal(view.counts.sent, DEVICES);
    const perToken = new Map<string, number>();
    for (const r of apns.requests) perToken.set(r.token, (perToken.get(r.token) ?? 0) + 1);
    const missing = devices.filter((d) => !perToken.has(d.token));
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} devices never got a send`);
    const twice = [...perToken.values()].filter((n) => n > 1).length;
    t.diagnostic(`killed after ${beforeRestart} sends; after restart ${apns.requestCount - beforeRestart} more; ${twice} devices got two sends (${((twice / DEVICES) * 100).toFixed(2)}%)`);
    // A repeat is only possible for what was in flight at the kill: bounded by the in-flight window.
    assert.ok(twice <= 2000, `${twice} duplicates is more than one in-flight window`);
  } finally {
    await child?.stop('SIGKILL');
    await apns.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

