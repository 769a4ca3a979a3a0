import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { CLI_CONTEXT } from '../../src/core/audit/audit-trail.js';
import { openAuth, openKeys } from '../../src/main.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

// The admin console asks GET /v1/whoami at login, to learn which screens the caller may use.

let server: TestServer;
let keySecret: string;
let keyId: string;
before(async () => {
  server = await startTestServer({ 'auth-file': 'auth.db', 'auth-default-access': 'deny-all' });
  const { config } = loadConfig({ env: {}, flags: { 'auth-file': join(server.dir, 'auth.db'), 'database-file': join(server.dir, 'herald.db') } });
  const accounts = (await openAuth(config))!;
  await accounts.auth.addUser('boss', 'boss-pass', 'admin');
  await accounts.auth.addUser('phil', 'phil-pass', 'user');
  await accounts.close();
  const keys = await openKeys(config);
  try {
    const created = await keys.keys.create(CLI_CONTEXT, { name: 'dashboard', scopes: ['stats:read', 'push:read'], categories: ['orders'] });
    keySecret = created.secret;
    keyId = created.key.id;
  } finally {
    await keys.close();
  }
});
after(() => server.close());

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

async function whoami(authorization?: string) {
  const res = await fetch(`${server.url}/v1/whoami`, { headers: authorization ? { authorization } : {} });
  return { status: res.status, json: await res.json() as Record<string, unknown> };
}

describe('GET /v1/whoami', () => {
  it('an admin user: kind user, role admin, scopes [admin]', async () => {
    const res = await whoami(basic('boss', 'boss-pass'));
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { kind: 'user', name: 'boss', role: 'admin', scopes: ['admin'], categories: [] });
  });

  it('an ordinary user: role user and no API scopes', async () => {
    const res = await whoami(basic('phil', 'phil-pass'));
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { kind: 'user', name: 'phil', role: 'user', scopes: [], categories: [] });
  });

  it('an API key: its own scopes and categories', async () => {
    const res = await whoami(`Bearer ${keySecret}`);
    assert.equal(res.status, 200);
    assert.equal(res.json.kind, 'key');
    assert.equal(res.json.role, 'user');
    assert.equal(res.json.name, `key:${keyId}`);
    assert.deepEqual([...(res.json.scopes as string[])].sort(), ['push:read', 'stats:read']);
    assert.deepEqual(res.json.categories, ['orders']);
  });

  it('anonymous callers and wrong passwords get 401 in the one error shape', async () => {
    for (const auth of [undefined, basic('boss', 'wrong')]) {
      const res = await whoami(auth);
      assert.equal(res.status, 401, String(auth));
      assert.equal(res.json.http, 401);
      assert.equal(typeof res.json.code, 'number');
      assert.equal(typeof res.json.error, 'string');
    }
  });
});
