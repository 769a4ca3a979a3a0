import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Fastify from 'fastify';
import { loadConfig } from '../../src/config/index.js';
import { openAuth } from '../../src/main.js';
import { registerScopes } from '../../src/http/plugins/scopes.js';
import { ERROR_CODES } from '../../src/errors/codes.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
/** The server's clock: it stands still unless a test moves it, so rate limits refill only when told. */
const clock = new ManualClock(Date.now());
const ADMIN = `Basic ${Buffer.from('boss:boss-pass').toString('base64')}`;

async function call(method: string, path: string, auth?: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, { method, headers: auth ? { Authorization: auth } : {}, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text.split('\n')[0]!) : undefined };
}

before(async () => {
  server = await startTestServer({ 'auth-file': 'auth.db', 'api-key-request-limit-burst': '20', 'api-key-request-limit-replenish': '1s', 'visitor-request-limit-exempt-hosts': '127.0.0.1,::1' }, undefined, { clock });
  const { config } = loadConfig({ env: {}, flags: { 'auth-file': join(server.dir, 'auth.db'), 'database-file': join(server.dir, 'herald.db') } });
  const accounts = (await openAuth(config))!;
  await accounts.auth.addUser('boss', 'boss-pass', 'admin');
  await accounts.close();
});
after(() => server.close());

describe('API keys, scopes and the audit log', () => {
  test('an admin creates a key; the key works only within its scopes; listings never show secrets', async () => {
    const created = await call('POST', '/v1/keys', ADMIN, { name: 'auditor', scopes: ['audit:read'], expires: '90d' });
    assert.equal(created.status, 200);
    const secret = created.json.key as string;
    assert.match(secret, /^hk_[A-Za-z0-9]{40}$/);
    assert.ok(created.json.expires > Date.now() / 1000 + 89 * 86400);
    const bearer = `Bearer ${secret}`;
    const audit = await call('GET', '/v1/audit?limit=50', bearer);
    assert.equal(audit.status, 200);
    const actions = (audit.json as { action: string; actor: string }[]).map((e) => `${e.actor} ${e.action}`);
    assert.ok(actions.includes('cli user.create'), actions.join('; '));
    assert.ok(actions.includes('user:boss key.create'), actions.join('; '));
    const denied = await call('GET', '/v1/keys', bearer);
    assert.equal(denied.status, 403);
    assert.equal(denied.json.code, 40302);
    const listed = await call('GET', '/v1/keys', ADMIN);
    const text = JSON.stringify(listed.json);
    assert.ok(!text.includes(secret) && !text.includes(secret.slice(10)), 'no secret in listings');
    assert.equal((listed.json as { prefix: string }[])[0]!.prefix, secret.slice(0, 10));
    assert.equal((await call('GET', '/v1/audit')).status, 401, 'scoped routes need credentials');
    assert.equal((await call('GET', '/v1/audit', `Bearer hk_${'x'.repeat(40)}`)).status, 401);
  });

  test('revoked keys stop at once; rotated keys overlap', async () => {
    const a = (await call('POST', '/v1/keys', ADMIN, { name: 'svc', scopes: ['stats:read', 'audit:read'] })).json;
    const bearer = `Bearer ${a.key as string}`;
    assert.equal((await call('GET', '/v1/audit', bearer)).status, 200);
    const rotated = await call('POST', `/v1/keys/${a.id as string}/rotate`, ADMIN, { overlap: '1h' });
    assert.equal(rotated.status, 200);
    assert.deepEqual(rotated.json.scopes, ['stats:read', 'audit:read']);
    assert.equal((await call('GET', '/v1/audit', bearer)).status, 200, 'old key valid during the overlap');
    assert.equal((await call('GET', '/v1/audit', `Bearer ${rotated.json.key as string}`)).status, 200);
    assert.equal((await call('DELETE', `/v1/keys/${a.id as string}`, ADMIN)).status, 200);
    assert.equal((await call('GET', '/v1/audit', bearer)).status, 401);
    assert.equal((await call('DELETE', '/v1/keys/key_AAAAAAAAAAAA', ADMIN)).json.code, 40403);
    assert.equal((await call('POST', '/v1/keys', ADMIN, { name: 'x', scopes: ['launch:missiles'] })).status, 400);
  });

  test('key requests carry RateLimit headers and are limited per key', async () => {
    const k = (await call('POST', '/v1/keys', ADMIN, { name: 'busy', scopes: ['audit:read'] })).json;
    const bearer = `Bearer ${k.key as string}`;
    const first = await call('GET', '/v1/audit?limit=1', bearer);
    assert.equal(first.headers.get('ratelimit-limit'), '20');
    assert.equal(first.headers.get('ratelimit-remaining'), '19');
    // The clock stands still, so nothing refills however slowly the requests go: exactly the burst passes.
    for (let i = 2; i <= 20; i++) assert.equal((await call('GET', '/v1/audit?limit=1', bearer)).status, 200, `request ${i} is within the burst`);
    const refused = await call('GET', '/v1/audit?limit=1', bearer);
    assert.equal(refused.status, 429);
    assert.equal(refused.json.code, ERROR_CODES.tooManyRequests.code);
    assert.equal(refused.headers.get('ratelimit-remaining'), '0');
    // One refill interval brings back one request, and no more.
    clock.advance(1000);
    assert.equal((await call('GET', '/v1/audit?limit=1', bearer)).status, 200);
    assert.equal((await call('GET', '/v1/audit?limit=1', bearer)).status, 429);
  });

  test('a key is not a topic-face account: it cannot use ntfy user routes', async () => {
    const k = (await call('POST', '/v1/keys', ADMIN, { name: 'pusher', scopes: ['push:send'] })).json;
    assert.equal((await call('GET', '/v1/users', `Bearer ${k.key as string}`)).status, 401);
    assert.equal((await call('POST', `/${randomTopic()}`, `Bearer ${k.key as string}`, 'x')).status, 200, 'open topics stay open');
  });

  test('every route declares a scope, and a route without one cannot be added', async () => {
    const scopes = server.app.routeScopes;
    assert.ok(scopes.size > 30, `${scopes.size} routes`);
    for (const expected of ['GET /v1/audit', 'POST /v1/keys', 'GET /v1/health', 'POST /:topic', 'GET /:topics/json', 'GET /v1/account']) {
      assert.ok(scopes.has(expected), expected);
    }
    assert.equal(scopes.get('GET /v1/audit'), 'audit:read');
    assert.equal(scopes.get('POST /v1/keys'), 'keys:write');
    const bare = Fastify();
    registerScopes(bare);
    assert.throws(() => bare.get('/unprotected', async () => 'x'), /declares no scope/);
    await bare.close();
  });
});
