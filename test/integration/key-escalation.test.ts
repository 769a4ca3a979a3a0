import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CLI_CONTEXT } from '../../src/core/audit/audit-trail.js';
import type { ApiScope } from '../../src/core/keys/scopes.js';
import { openKeys } from '../../src/main.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * `keys:write` lets a key manage keys, not widen its own rights: a key may grant (on create and on
 * rotate) only the scopes and categories it holds itself. Admin keys and admin users may grant anything.
 */
let server: TestServer;
let admin: string;

async function call(method: string, path: string, auth: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { Authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text.split('\n')[0]!) : undefined };
}

/** A key made the way an operator would make the first one: with the CLI, on the server's database. */
async function cliKey(scopes: ApiScope[], categories?: string[], expiresMs?: number): Promise<{ id: string; bearer: string }> {
  const keys = await openKeys(server.config);
  try {
    const created = await keys.keys.create(CLI_CONTEXT, { name: `cli-${scopes.join('-')}`, scopes, ...(categories ? { categories } : {}), ...(expiresMs ? { expiresMs } : {}) });
    return { id: created.key.id, bearer: `Bearer ${created.secret}` };
  } finally {
    await keys.close();
  }
}

function assertRefused(res: { status: number; json: any }, what: string): void {
  assert.equal(res.status, 403, `${what}: ${JSON.stringify(res.json)}`);
  assert.equal(res.json.code, 40304, what);
  assert.match(res.json.error, /may only grant scopes, categories and a lifetime it holds itself/, what);
}

before(async () => {
  server = await startTestServer({ 'visitor-request-limit-exempt-hosts': '127.0.0.1,::1' });
  admin = (await cliKey(['admin'])).bearer;
});
after(() => server.close());

describe('a key grants only what it holds', () => {
  test('a keys:write key cannot create an admin key, nor any scope it lacks', async () => {
    const manager = (await cliKey(['keys:write', 'push:send'])).bearer;
    assertRefused(await call('POST', '/v1/keys', manager, { name: 'escalate', scopes: ['admin'] }), 'admin');
    assertRefused(await call('POST', '/v1/keys', manager, { name: 'escalate', scopes: ['push:send', 'push:read'] }), 'push:read');
    assertRefused(await call('POST', '/v1/keys', manager, { name: 'escalate', scopes: ['push:*'] }), 'a family wildcard expands to scopes it lacks');
    const listed = await call('GET', '/v1/keys', admin);
    assert.ok(!(listed.json as { name: string }[]).some((k) => k.name === 'escalate'), 'nothing was created');

    const made = await call('POST', '/v1/keys', manager, { name: 'sender', scopes: ['push:send'] });
    assert.equal(made.status, 200, JSON.stringify(made.json));
    assert.deepEqual(made.json.scopes, ['push:send']);
    const peer = await call('POST', '/v1/keys', manager, { name: 'peer', scopes: ['keys:write', 'push:send'] });
    assert.equal(peer.status, 200, 'its own scopes may be handed on');
  });

  test('a key limited to categories may only create keys limited to some of them', async () => {
    const manager = (await cliKey(['keys:write', 'notify:send'], ['orders', 'otp'])).bearer;
    assertRefused(await call('POST', '/v1/keys', manager, { name: 'any-category', scopes: ['notify:send'] }), 'no categories means every category');
    assertRefused(await call('POST', '/v1/keys', manager, { name: 'banking', scopes: ['notify:send'], categories: ['banking'] }), 'banking');
    assertRefused(await call('POST', '/v1/keys', manager, { name: 'mixed', scopes: ['notify:send'], categories: ['orders', 'banking'] }), 'orders + banking');
    const narrower = await call('POST', '/v1/keys', manager, { name: 'orders-only', scopes: ['notify:send'], categories: ['orders'] });
    assert.equal(narrower.status, 200, JSON.stringify(narrower.json));
    assert.deepEqual(narrower.json.categories, ['orders']);
  });

  test('rotating hands out a new secret, so a key may only rotate keys it could have created', async () => {
    const manager = (await cliKey(['keys:write', 'stats:read'])).bearer;
    const adminKey = await cliKey(['admin']);
    assertRefused(await call('POST', `/v1/keys/${adminKey.id}/rotate`, manager, { overlap: '0s' }), 'rotate an admin key');
    // Refused before anything changed: the admin key has no overlap end and still works.
    assert.equal((await call('GET', '/v1/keys', adminKey.bearer)).status, 200);
    const row = (await call('GET', '/v1/keys', admin)).json.find((k: { id: string }) => k.id === adminKey.id);
    assert.equal(row.expires, undefined, 'no expiry was set on the refused rotation');

    const limited = await cliKey(['notify:send'], ['banking']);
    const scoped = (await cliKey(['keys:write', 'notify:send'], ['orders'])).bearer;
    assertRefused(await call('POST', `/v1/keys/${limited.id}/rotate`, scoped, {}), 'rotate a key of another category');

    const statsKey = await cliKey(['stats:read']);
    const rotated = await call('POST', `/v1/keys/${statsKey.id}/rotate`, manager, { overlap: '1h' });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.json));
    assert.deepEqual(rotated.json.scopes, ['stats:read']);
  });

  test('a key that expires grants only keys that expire no later, on create and rotate', async () => {
    const temporary = (await cliKey(['keys:write', 'push:send'], undefined, 7 * 86_400_000)).bearer;
    assertRefused(await call('POST', '/v1/keys', temporary, { name: 'forever', scopes: ['push:send'] }), 'a key that never expires');
    assertRefused(await call('POST', '/v1/keys', temporary, { name: 'longer', scopes: ['push:send'], expires: '30d' }), 'a key that outlives it');
    const shorter = await call('POST', '/v1/keys', temporary, { name: 'shorter', scopes: ['push:send'], expires: '1d' });
    assert.equal(shorter.status, 200, JSON.stringify(shorter.json));
    const permanent = await cliKey(['push:send']);
    assertRefused(await call('POST', `/v1/keys/${permanent.id}/rotate`, temporary, { overlap: '0s' }), 'rotate a key that never expires');
    const rotated = await call('POST', `/v1/keys/${shorter.json.id as string}/rotate`, temporary, { overlap: '0s' });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.json));
  });

  test('admin keys still grant anything, on create and rotate', async () => {
    const made = await call('POST', '/v1/keys', admin, { name: 'second-admin', scopes: ['admin'] });
    assert.equal(made.status, 200, JSON.stringify(made.json));
    const rotated = await call('POST', `/v1/keys/${made.json.id as string}/rotate`, admin, { overlap: '1h' });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.json));
  });
});
