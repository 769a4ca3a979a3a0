import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { openAuth } from '../../src/main.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';

/** The admin API behind the console's Access screens: a user's tokens, and the audit log's filters. */

let server: TestServer;
const clock = new ManualClock(Date.UTC(2026, 0, 5, 12, 0, 0));
const ADMIN = `Basic ${Buffer.from('boss:boss-pass').toString('base64')}`;
const BEN = `Basic ${Buffer.from('ben:ben-pass').toString('base64')}`;

async function call(method: string, path: string, auth?: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(auth ? { Authorization: auth } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text.split('\n')[0]!) : undefined };
}

before(async () => {
  server = await startTestServer({ 'auth-file': 'auth.db', 'auth-default-access': 'deny-all', 'visitor-request-limit-exempt-hosts': '127.0.0.1,::1' }, undefined, { clock });
  const { config } = loadConfig({ env: {}, flags: { 'auth-file': join(server.dir, 'auth.db'), 'database-file': join(server.dir, 'herald.db') } });
  const accounts = (await openAuth(config))!;
  await accounts.auth.addUser('boss', 'boss-pass', 'admin');
  await accounts.close();
  assert.equal((await call('POST', '/v1/users', ADMIN, { username: 'ben', password: 'ben-pass' })).status, 200);
});
after(() => server.close());

describe("admin API: a user's access tokens", () => {
  test('an admin creates a token for a user, sees it once, lists it without it, and deletes it by id', async () => {
    const topic = randomTopic('tok');
    assert.equal((await call('PUT', '/v1/users/access', ADMIN, { username: 'ben', topic: `${topic}*`, permission: 'write-only' })).status, 200);
    const created = await call('POST', '/v1/users/tokens', ADMIN, { username: 'ben', label: 'backup script' });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const token = created.json.token as string;
    assert.match(token, /^tk_[a-z0-9]{29}$/);
    assert.match(created.json.id, /^tok_[0-9a-f]{16}$/);
    assert.equal(created.json.prefix, token.slice(0, 8));
    assert.equal(created.json.label, 'backup script');
    assert.equal(created.json.expires, undefined, 'an admin-made token never expires unless told');

    const published = await fetch(`${server.url}/${topic}-nightly`, { method: 'POST', body: 'done', headers: { Authorization: `Bearer ${token}` } });
    assert.equal(published.status, 200, 'the token acts as ben, within his grants');

    const listed = await call('GET', '/v1/users/tokens?username=ben', ADMIN);
    assert.equal(listed.status, 200);
    assert.ok(!JSON.stringify(listed.json).includes(token), 'listings never show the token');
    const row = (listed.json as { id: string; label?: string; last_access: number }[]).find((t) => t.id === created.json.id);
    assert.ok(row, JSON.stringify(listed.json));
    assert.equal(row.label, 'backup script');

    assert.equal((await call('DELETE', '/v1/users/tokens', ADMIN, { username: 'ben', id: created.json.id })).status, 200);
    const after = await fetch(`${server.url}/${topic}-nightly`, { method: 'POST', body: 'again', headers: { Authorization: `Bearer ${token}` } });
    assert.equal(after.status, 401, 'a deleted token no longer authenticates');
    assert.deepEqual((await call('GET', '/v1/users/tokens?username=ben', ADMIN)).json, []);

    const again = await call('DELETE', '/v1/users/tokens', ADMIN, { username: 'ben', id: created.json.id });
    assert.equal(again.status, 404);
    assert.equal(again.json.code, 40402);
  });

  test('an expiry is kept; bad input is a clear 4xx; only admins may call', async () => {
    const expires = Math.floor(clock.now() / 1000) + 3600;
    const created = await call('POST', '/v1/users/tokens', ADMIN, { username: 'ben', expires });
    assert.equal(created.json.expires, expires);
    assert.equal((await call('DELETE', '/v1/users/tokens', ADMIN, { username: 'ben', id: created.json.id })).status, 200);

    for (const [method, path, body] of [
      ['GET', '/v1/users/tokens', undefined],
      ['POST', '/v1/users/tokens', { username: 'ben', expires: -1 }],
      ['DELETE', '/v1/users/tokens', { username: 'ben', id: 'tk_not-an-id' }],
    ] as const) {
      const res = await call(method, path, ADMIN, body);
      assert.equal(res.status, 400, `${method} ${path} ${JSON.stringify(body)}`);
      assert.equal(typeof res.json.error, 'string');
    }
    const nobody = await call('GET', '/v1/users/tokens?username=nobody', ADMIN);
    assert.equal(nobody.status, 400);
    assert.equal(nobody.json.code, 40031);
    assert.equal((await call('GET', '/v1/users/tokens?username=ben', BEN)).status, 401, 'a user may not list tokens this way, not even their own');
    assert.equal((await call('POST', '/v1/users/tokens', BEN, { username: 'ben' })).status, 401);
    assert.equal((await call('GET', '/v1/users/tokens?username=ben')).status, 401);
  });
});

describe('admin API: audit log filters', () => {
  test('action, actor, since and until combine; until takes in its whole second; a reversed range is a 400', async () => {
    clock.advance(10_000);
    const t0 = Math.floor(clock.now() / 1000);
    assert.equal((await call('PUT', '/v1/users/access', ADMIN, { username: 'ben', topic: 'audit-a', permission: 'read-only' })).status, 200);
    clock.advance(500);
    const t1 = Math.floor(clock.now() / 1000);
    clock.advance(10_000);
    assert.equal((await call('PUT', '/v1/users/access', ADMIN, { username: 'ben', topic: 'audit-b', permission: 'read-only' })).status, 200);
    const key = await call('POST', '/v1/keys', ADMIN, { name: 'auditor', scopes: ['audit:read'] });
    clock.advance(10_000);
    const bearer = `Bearer ${key.json.key as string}`;

    const list = async (query: string) => {
      const res = await call('GET', `/v1/audit?${query}`, bearer);
      assert.equal(res.status, 200, JSON.stringify(res.json));
      return res.json as { time: number; actor: string; action: string; target?: string; details: { topic?: string } }[];
    };
    const grants = await list(`action=access.grant&actor=user:boss&since=${t0}`);
    assert.deepEqual(grants.map((e) => e.details.topic), ['audit-b', 'audit-a']);
    assert.deepEqual((await list(`action=access.grant&since=${t0}&until=${t1}`)).map((e) => e.details.topic), ['audit-a'], 'until is inclusive of its second');
    assert.deepEqual((await list(`action=access.grant&since=${t1 + 1}`)).map((e) => e.details.topic), ['audit-b']);
    assert.ok((await list(`actor=user:boss&since=${t0}`)).some((e) => e.action === 'key.create'));
    assert.deepEqual(await list('actor=user:nobody'), []);
    assert.deepEqual((await list('action=key.create&actor=&limit=1')).map((e) => e.target), [key.json.id], 'an empty filter is no filter');

    const reversed = await call('GET', `/v1/audit?since=${t1 + 20}&until=${t0}`, bearer);
    assert.equal(reversed.status, 400);
    assert.match(reversed.json.error, /until .* is before since/);
    assert.equal((await call('GET', '/v1/audit?until=soon', bearer)).status, 400);
  });
});
