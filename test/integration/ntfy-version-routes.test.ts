import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { openAuth } from '../../src/main.js';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';

/** ntfy 2.17's admin-only `GET /v1/version`, and the other spellings of clear and delete. */
let server: TestServer;
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const ADMIN = basic('boss', 'boss-pass');
const USER = basic('worker', 'worker-pass');
const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

before(async () => {
  server = await startTestServer({ 'auth-file': 'auth.db', 'auth-default-access': 'read-write', 'visitor-request-limit-exempt-hosts': '127.0.0.1,::1' });
  const { config } = loadConfig({ env: {}, flags: { 'auth-file': join(server.dir, 'auth.db'), 'database-file': join(server.dir, 'herald.db') } });
  const accounts = (await openAuth(config))!;
  await accounts.auth.addUser('boss', 'boss-pass', 'admin');
  await accounts.auth.addUser('worker', 'worker-pass', 'user');
  await accounts.close();
});
after(() => server.close());

async function call(method: string, path: string, auth?: string): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}${path}`, { method, headers: auth ? { Authorization: auth } : {} });
  const text = await res.text();
  return { status: res.status, json: text.trim() ? JSON.parse(text.split('\n')[0]!) : undefined };
}

describe('GET /v1/version', () => {
  test('an admin gets the version, commit and build date', async () => {
    const r = await call('GET', '/v1/version', ADMIN);
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json).sort(), ['commit', 'date', 'version']);
    assert.equal(r.json.version, PACKAGE_VERSION);
    // `npm run build` wrote them; in a git checkout the commit is a full hash.
    const built = JSON.parse(readFileSync(new URL('../../build-info.json', import.meta.url), 'utf8')) as { commit: string; date: string };
    assert.equal(r.json.commit, built.commit);
    assert.equal(r.json.date, built.date);
    assert.match(r.json.commit, /^([0-9a-f]{40})?$/);
    assert.ok(!Number.isNaN(Date.parse(r.json.date)));
  });

  test('anyone else gets 401 in the common error shape', async () => {
    for (const auth of [undefined, USER, basic('boss', 'wrong')]) {
      const r = await call('GET', '/v1/version', auth);
      assert.equal(r.status, 401);
      assert.equal(r.json.code, 40101);
    }
  });
});

describe('clear and delete by other names', () => {
  test('/read clears like /clear, and GET works for clear, read and delete', async () => {
    const topic = randomTopic();
    assert.equal((await call('PUT', `/${topic}/job1?message=hi`)).status, 200);
    const cases: [string, string, string][] = [
      ['PUT', `/${topic}/job1/read`, 'message_clear'],
      ['POST', `/${topic}/job1/read`, 'message_clear'],
      ['GET', `/${topic}/job1/clear`, 'message_clear'],
      ['GET', `/${topic}/job1/read`, 'message_clear'],
      ['GET', `/${topic}/job1/delete`, 'message_delete'],
    ];
    for (const [method, path, event] of cases) {
      const r = await call(method, path);
      assert.equal(r.status, 200, `${method} ${path}`);
      assert.deepEqual([r.json.event, r.json.sequence_id, r.json.topic], [event, 'job1', topic], `${method} ${path}`);
    }
    const res = await fetch(`${server.url}/${topic}/json?poll=1`);
    const events = (await res.text()).trim().split('\n').map((line) => (JSON.parse(line) as { event: string }).event);
    assert.deepEqual(events, ['message', ...cases.map((c) => c[2])]);
  });

  test('paths that cannot name a sequence are refused on the new routes too', async () => {
    assert.equal((await call('GET', `/${randomTopic()}/json/clear`)).status, 404);
    assert.equal((await call('GET', `/${randomTopic()}/bad.id/delete`)).status, 400);
  });
});
