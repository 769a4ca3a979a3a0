import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createECDH, randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config/index.js';
import { generateVapidKeys, openAuth } from '../../src/main.js';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';
import { nextEvents, openStream } from '../helpers/streams.js';
import { eventually } from '../helpers/wait.js';
import { httpCall, type HttpAnswer, type HttpCallOptions } from '../helpers/http.js';

let server: TestServer;
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const ADMIN = basic('admin', 'admin-pass');

async function call(method: string, path: string, options: HttpCallOptions = {}): Promise<HttpAnswer> {
  return httpCall(server.url, method, path, options);
}

before(async () => {
  const vapid = generateVapidKeys();
  server = await startTestServer({
    'auth-file': 'auth.db', 'auth-default-access': 'deny-all', 'visitor-request-limit-exempt-hosts': '127.0.0.1,::1', 'enable-signup': 'true',
    'web-push-public-key': vapid.publicKey, 'web-push-private-key': vapid.privateKey, 'web-push-email-address': 'ops@example.com',
  });
  // The first admin comes from the account database directly, as `herald user add --role admin` does.
  const { config } = loadConfig({ env: {}, flags: { 'auth-file': join(server.dir, 'auth.db'), 'database-file': join(server.dir, 'herald.db') } });
  const accounts = (await openAuth(config))!;
  await accounts.auth.addUser('admin', 'admin-pass', 'admin');
  await accounts.close();
});
after(() => server.close());

describe('accounts and access control', () => {
  test('anonymous callers cannot read or write a denied topic by any transport', async () => {
    const topic = randomTopic();
    assert.equal((await call('POST', `/${topic}`, { body: 'x' })).json.code, 40301);
    for (const format of ['json', 'sse', 'raw']) {
      const r = await call('GET', `/${topic}/${format}?poll=1`);
      assert.equal(r.status, 403, format);
      assert.equal(r.json.code, 40301);
    }
    assert.equal((await call('GET', `/${topic}/auth`)).status, 403);
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/${topic}/ws`);
    const status = await new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    assert.equal(status, 403);
    // Nor by having a browser subscribed to it through Web Push.
    const browser = createECDH('prime256v1');
    browser.generateKeys();
    const subscribe = { endpoint: 'https://fcm.googleapis.com/fcm/send/abc123', p256dh: browser.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url'), topics: [topic] };
    const webpush = await call('POST', '/v1/webpush', { body: JSON.stringify(subscribe) });
    assert.equal(webpush.status, 403);
    assert.equal(webpush.json.code, 40301);
  });

  test('a Web Push subscription loses the topics its user may no longer read', async () => {
    const topic = randomTopic('wpacl');
    assert.equal((await call('POST', '/v1/users', { auth: ADMIN, body: { username: 'wanda', password: 'wanda-pass' } })).status, 200);
    assert.equal((await call('PUT', '/v1/users/access', { auth: ADMIN, body: { username: 'wanda', topic, permission: 'read-only' } })).status, 200);
    const browser = createECDH('prime256v1');
    browser.generateKeys();
    const subscribe = { endpoint: `https://fcm.googleapis.com/fcm/send/${randomBytes(8).toString('hex')}`, p256dh: browser.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url'), topics: [topic] };
    assert.equal((await call('POST', '/v1/webpush', { auth: basic('wanda', 'wanda-pass'), body: JSON.stringify(subscribe) })).status, 200);
    const subscribed = async () => ((await call('GET', `/v1/devices?provider=webpush&topic=${topic}`, { auth: ADMIN })).json as { devices: unknown[] }).devices.length;
    assert.equal(await subscribed(), 1);
    assert.equal((await call('DELETE', '/v1/users/access', { auth: ADMIN, body: { username: 'wanda', topic } })).status, 200);
    await eventually('the subscription to stop reaching the topic after read access was revoked', async () => (await subscribed()) === 0);
  });

  test('bad credentials are 401 on every route, even health; unknown schemes stay anonymous', async () => {
    assert.equal((await call('GET', '/v1/health', { auth: basic('admin', 'wrong') })).status, 401);
    assert.equal((await call('GET', '/v1/health', { auth: 'Bearer tk_short' })).status, 401);
    assert.equal((await call('GET', '/v1/health', { auth: 'Bearer tk_aaaaaaaaaaaaaaaaaaaaaaaaaaaaa' })).json.code, 40101);
    assert.equal((await call('GET', '/v1/health', { auth: 'WebPush abc' })).status, 200);
  });

  test('users, grants and tokens through the admin and account APIs', async () => {
    const topic = randomTopic('acl');
    assert.equal((await call('POST', '/v1/users', { auth: ADMIN, body: { username: 'phil', password: 'phil-pass' } })).status, 200);
    assert.equal((await call('POST', '/v1/users', { auth: ADMIN, body: { username: 'phil', password: 'x' } })).json.code, 40901);
    assert.equal((await call('POST', '/v1/users', { auth: basic('phil', 'phil-pass'), body: { username: 'eve', password: 'x' } })).status, 401);
    const phil = basic('phil', 'phil-pass');
    assert.equal((await call('POST', `/${topic}`, { auth: phil, body: 'x' })).status, 403);
    assert.equal((await call('PUT', '/v1/users/access', { auth: ADMIN, body: { username: 'phil', topic: 'acl*', permission: 'rw' } })).status, 200);
    assert.equal((await call('POST', `/${topic}`, { auth: phil, body: 'hello phil' })).status, 200);
    // Everyone may read one topic; the user's own entry still decides for phil.
    assert.equal((await call('PUT', '/v1/users/access', { auth: ADMIN, body: { username: '*', topic, permission: 'read-only' } })).status, 200);
    assert.equal((await call('GET', `/${topic}/json?poll=1`)).status, 200);
    assert.equal((await call('POST', `/${topic}`, { body: 'anon write' })).status, 403);
    const users = (await call('GET', '/v1/users', { auth: ADMIN })).json as { username: string; grants: { topic: string; permission: string }[] }[];
    assert.deepEqual(users.find((u) => u.username === 'phil')!.grants, [{ topic: 'acl*', permission: 'read-write' }]);
    assert.equal((await call('PUT', '/v1/users/access', { auth: ADMIN, body: { username: 'phil', topic: 'x', permission: 'sometimes' } })).json.code, 40025);

    const created = await call('POST', '/v1/account/token', { auth: phil, body: { label: 'laptop' } });
    assert.equal(created.status, 200);
    const token = created.json.token as string;
    assert.match(token, /^tk_[a-z0-9]{29}$/);
    assert.equal(created.json.label, 'laptop');
    assert.ok(created.json.expires > Date.now() / 1000 + 71 * 3600);
    for (const auth of [`Bearer ${token}`, basic('', token)]) {
      assert.equal((await call('POST', `/${topic}`, { auth, body: 'via token' })).status, 200, auth);
    }
    const authParam = Buffer.from(`Bearer ${token}`).toString('base64url');
    assert.equal((await call('POST', `/${topic}?auth=${authParam}`, { body: 'via ?auth=' })).status, 200);
    const account = (await call('GET', '/v1/account', { auth: `Bearer ${token}` })).json;
    assert.equal(account.username, 'phil');
    assert.equal(account.role, 'user');
    assert.equal(account.tokens.length, 1);
    const patched = await call('PATCH', '/v1/account/token', { auth: `Bearer ${token}`, body: { label: 'renamed' } });
    assert.equal(patched.json.label, 'renamed');
    assert.equal((await call('DELETE', '/v1/account/token', { auth: `Bearer ${token}` })).status, 200);
    assert.equal((await call('GET', '/v1/account', { auth: `Bearer ${token}` })).status, 401);

    assert.equal((await call('POST', '/v1/account/password', { auth: phil, body: { password: 'nope', new_password: 'n' } })).json.code, 40026);
    assert.equal((await call('POST', '/v1/account/password', { auth: phil, body: { password: 'phil-pass', new_password: 'new-pass' } })).status, 200);
    assert.equal((await call('GET', '/v1/account', { auth: phil })).status, 401);
    assert.equal((await call('GET', '/v1/account', { auth: basic('phil', 'new-pass') })).status, 200);
  });

  test('anonymous GET /v1/account describes the IP visitor', async () => {
    const r = await call('GET', '/v1/account');
    assert.equal(r.json.username, '*');
    assert.equal(r.json.role, 'anonymous');
    assert.equal(r.json.limits.basis, 'ip');
  });

  test('sign-up creates a user when enabled', async () => {
    assert.equal((await call('POST', '/v1/account', { body: { username: 'newbie', password: 'pw' } })).status, 200);
    assert.equal((await call('GET', '/v1/account', { auth: basic('newbie', 'pw') })).json.username, 'newbie');
    assert.equal((await call('POST', '/v1/account', { body: { username: 'newbie', password: 'pw' } })).json.code, 40901);
  });

  test('a subscriber who loses read access is disconnected at once', async () => {
    const topic = randomTopic('live');
    await call('POST', '/v1/users', { auth: ADMIN, body: { username: 'reader', password: 'r' } });
    await call('PUT', '/v1/users/access', { auth: ADMIN, body: { username: 'reader', topic, permission: 'ro' } });
    const stream = await openStream(`${server.url}/${topic}/json`, { Authorization: basic('reader', 'r') });
    assert.equal(stream.status, 200);
    await nextEvents(stream);
    await call('POST', `/${topic}`, { auth: ADMIN, body: 'before' });
    assert.equal((await nextEvents(stream))[0]!.message, 'before');
    await call('DELETE', '/v1/users/access', { auth: ADMIN, body: { username: 'reader', topic } });
    await assert.rejects(async () => {
      for (;;) await stream.next(1);
    }, /stream ended/);
  });

  test('changes made by another process (the CLI) reach open streams too', async () => {
    const topic = randomTopic('cli');
    await call('POST', '/v1/users', { auth: ADMIN, body: { username: 'viewer', password: 'v' } });
    await call('PUT', '/v1/users/access', { auth: ADMIN, body: { username: 'viewer', topic, permission: 'read' } });
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/${topic}/ws`, { headers: { Authorization: basic('viewer', 'v') } });
    await new Promise((r) => ws.once('open', r));
    const closed = new Promise((r) => ws.once('close', r));
    const { config } = loadConfig({ env: {}, flags: { 'auth-file': join(server.dir, 'auth.db'), 'database-file': join(server.dir, 'herald.db') } });
    const other = (await openAuth(config))!;
    await other.auth.removeUser('viewer');
    await other.close();
    await closed;
  });

  test('auth failures run out into 42909', async () => {
    const limited = await startTestServer({ 'auth-file': 'auth.db', 'visitor-auth-failure-limit-burst': '3' });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await fetch(`${limited.url}/v1/health`, { headers: { Authorization: basic('ghost', 'boo') } });
        codes.push(res.status);
      }
      assert.deepEqual(codes, [401, 401, 401, 429, 429]);
    } finally {
      await limited.close();
    }
  });
});
