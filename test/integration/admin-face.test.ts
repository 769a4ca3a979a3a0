import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { openAuth } from '../../src/main.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The admin and event webhooks faces on schema-driven routes: who may not call a route is
 * refused before its body is even parsed, as when each handler parsed its own body.
 */
let server: TestServer;
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const ADMIN = basic('boss', 'boss-pass');
const JOE = basic('joe', 'joe-pass');

before(async () => {
  server = await startTestServer({ 'auth-file': 'auth.db', 'auth-default-access': 'deny-all' });
  const { config } = loadConfig({ env: {}, flags: { 'auth-file': join(server.dir, 'auth.db'), 'database-file': join(server.dir, 'herald.db') } });
  const accounts = (await openAuth(config))!;
  await accounts.auth.addUser('boss', 'boss-pass', 'admin');
  await accounts.auth.addUser('joe', 'joe-pass', 'user');
  await accounts.close();
});
after(() => server.close());

async function call(method: string, path: string, auth: string, body?: string) {
  const res = await fetch(`${server.url}${path}`, { method, headers: { authorization: auth }, body });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), text, json: text ? JSON.parse(text) as Record<string, unknown> : undefined };
}

describe('admin and event webhooks faces', () => {
  test("ntfy's user routes answer 401 to a non-admin whatever the body, and check the body for an admin", async () => {
    for (const [method, path] of [['POST', '/v1/users'], ['PUT', '/v1/users'], ['DELETE', '/v1/users'], ['PUT', '/v1/users/access'], ['POST', '/v1/users/access'], ['DELETE', '/v1/users/access']] as const) {
      assert.equal((await call(method, path, JOE, '{not json')).json?.code, 40101, `${method} ${path}`);
      assert.equal((await call(method, path, ADMIN, '{not json')).json?.code, 40024, `${method} ${path}`);
      assert.equal((await call(method, path, ADMIN, '{}')).json?.code, 40024, `${method} ${path}`);
    }
  });

  test('ntfy clients get their shapes back', async () => {
    const created = await call('POST', '/v1/users', ADMIN, JSON.stringify({ username: 'ben', password: 'pw', unknown: 'ignored as ntfy does' }));
    assert.equal(created.text, '{"success":true}\n');
    assert.equal((await call('PUT', '/v1/users/access', ADMIN, JSON.stringify({ username: 'ben', topic: 'alerts', permission: 'ro' }))).status, 200);
    const users = (await call('GET', '/v1/users', ADMIN)).json as unknown as { username: string; grants: unknown[] }[];
    assert.deepEqual(users.find((u) => u.username === 'ben'), { username: 'ben', role: 'user', grants: [{ topic: 'alerts', permission: 'read-only' }] });
    assert.equal((await call('DELETE', '/v1/users', ADMIN, JSON.stringify({ username: 'ben' }))).status, 200);
  });

  test('a key limited to categories is refused event endpoint changes before its body is parsed', async () => {
    const key = (await call('POST', '/v1/keys', ADMIN, JSON.stringify({ name: 'limited', scopes: ['events:write'], categories: ['billing'] }))).json!.key as string;
    const res = await call('POST', '/v1/event-endpoints', `Bearer ${key}`, '{not json');
    assert.equal(res.status, 403, res.text);
    assert.equal((await call('POST', '/v1/event-endpoints', ADMIN, '{not json')).json?.code, 40024);
  });

  test('removing an event endpoint answers 204 with no body', async () => {
    const created = await call('POST', '/v1/event-endpoints', ADMIN, JSON.stringify({ url: 'https://hooks.example.com/herald', events: ['*'] }));
    assert.equal(created.status, 201, created.text);
    const removed = await call('DELETE', `/v1/event-endpoints/${created.json!.id as string}`, ADMIN);
    assert.equal(removed.status, 204);
    assert.equal(removed.text, '');
    assert.equal(removed.type, null);
  });
});
