import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { loadConfig } from '../../src/config/index.js';
import { HeraldError } from '../../src/errors/index.js';
import { openAuth } from '../../src/main.js';
import { randomTopic, startTestServer, type TestServer } from './server.js';
import { httpCall, type HttpAnswer, type HttpCallOptions } from './http.js';

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const ALICE = basic('alice', 'alice-pass');
const ROOT = basic('root', 'root-pass');
const CI_TOKEN = `tk_${'ci'.padEnd(29, '0')}`;
const OLD_TOKEN = `tk_${'old'.padEnd(29, '0')}`;

/**
 * Declarative users (`auth-users`, `auth-access`, `auth-tokens`), exercised through HTTP and the
 * CLI's account store on the backend `backend()` sets up: applied at start, refusing changes
 * through the API and CLI, and following the config when it changes between starts.
 */
export function provisioningScenario(backend: () => Promise<{ flags: Record<string, string>; drop(): Promise<void> }>): void {
  let dir: string;
  let flags: Record<string, string>;
  let drop: () => Promise<void>;
  let server: TestServer | undefined;
  let aliceHash: string;
  let rootHash: string;
  /** A token alice makes herself in the first test; the later ones check it survives the config's changes. */
  let ownToken: string | undefined;

  async function call(method: string, path: string, options: HttpCallOptions = {}): Promise<HttpAnswer> {
    return httpCall(server!.url, method, path, options);
  }

  /** (Re)starts the server on the same data with these account keys. */
  async function start(accounts: { users: string[]; access: string[]; tokens: string[] }): Promise<void> {
    await server?.stop();
    server = await startTestServer({
      ...flags,
      'auth-default-access': 'deny-all', 'visitor-request-limit-exempt-hosts': '127.0.0.1,::1', 'auth-bcrypt-cost': '4',
      'auth-users': accounts.users.join(','), 'auth-access': accounts.access.join(','), 'auth-tokens': accounts.tokens.join(','),
    }, dir);
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-provisioning-'));
    ({ flags, drop } = await backend());
    [aliceHash, rootHash] = await Promise.all([bcrypt.hash('alice-pass', 4), bcrypt.hash('root-pass', 4)]);
  });
  after(async () => {
    await server?.stop();
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('config users log in, their access entries and tokens apply, and the API and CLI cannot change them', async () => {
    await start({
      users: [`alice:${aliceHash}:user`, `root:${rootHash}:admin`],
      access: ['alice:alerts*:rw', '*:public:ro', 'everyone:announce:wo'],
      tokens: [`alice:${CI_TOKEN}:ci`, `alice:${OLD_TOKEN}`],
    });
    const account = await call('GET', '/v1/account', { auth: ALICE });
    assert.equal(account.status, 200);
    assert.equal(account.json.provisioned, true);
    assert.match(account.json.sync_topic, /^st_/);
    assert.deepEqual(account.json.tokens.map((t: { token: string; label?: string; provisioned?: boolean; expires?: number }) => [t.token, t.label, t.provisioned, t.expires]).sort(), [
      [CI_TOKEN, 'ci', true, undefined], [OLD_TOKEN, undefined, true, undefined],
    ], 'config tokens never expire');

    // The ACL: alice writes alerts*, everyone reads public and writes announce, the rest is denied.
    assert.equal((await call('POST', '/alerts-disk', { auth: ALICE, body: 'disk full' })).status, 200);
    assert.equal((await call('POST', '/alerts-disk', { auth: `Bearer ${CI_TOKEN}`, body: 'from CI' })).status, 200);
    assert.equal((await call('POST', `/${randomTopic()}`, { auth: ALICE, body: 'x' })).status, 403);
    assert.equal((await call('GET', '/public/json?poll=1')).status, 200);
    assert.equal((await call('POST', '/public', { body: 'x' })).status, 403);
    assert.equal((await call('POST', '/announce', { body: 'x' })).status, 200);
    assert.equal((await call('POST', `/${randomTopic()}`, { auth: ROOT, body: 'admins may do everything' })).status, 200);

    // Neither the account's owner nor an admin changes a config user through the API (409 40905)...
    for (const [what, r] of [
      ['password', await call('POST', '/v1/account/password', { auth: ALICE, body: { password: 'alice-pass', new_password: 'other' } })],
      ['own deletion', await call('DELETE', '/v1/account', { auth: ALICE, body: { password: 'alice-pass' } })],
      ['admin deletion', await call('DELETE', '/v1/users', { auth: ROOT, body: { username: 'alice' } })],
      ['admin role change', await call('PUT', '/v1/users', { auth: ROOT, body: { username: 'alice', role: 'admin' } })],
    ] as const) {
      assert.equal(r.status, 409, what);
      assert.equal(r.json.code, 40905, what);
    }
    // ...nor a config token (40906), though the owner may add and remove tokens of their own.
    const patched = await call('PATCH', '/v1/account/token', { auth: ALICE, body: { token: CI_TOKEN, label: 'mine' } });
    assert.equal(patched.json.code, 40906);
    const removed = await call('DELETE', '/v1/account/token', { auth: ALICE, headers: { 'X-Token': CI_TOKEN } });
    assert.equal(removed.status, 409);
    assert.equal(removed.json.code, 40906);
    const own = await call('POST', '/v1/account/token', { auth: ALICE, body: { label: 'laptop' } });
    assert.equal(own.status, 200);
    ownToken = own.json.token;
    // Settings are the user's own, config user or not.
    assert.equal((await call('PATCH', '/v1/account/settings', { auth: ALICE, body: { language: 'de' } })).status, 200);

    // The CLI refuses too.
    const cliFlags = flags['auth-file'] ? { ...flags, 'auth-file': join(dir, flags['auth-file']) } : flags;
    const { config } = loadConfig({ env: {}, flags: { ...cliFlags, 'database-file': join(dir, 'herald.db') } });
    const accounts = (await openAuth(config))!;
    try {
      for (const change of [() => accounts.auth.removeUser('alice'), () => accounts.auth.changePassword('root', 'x'), () => accounts.auth.changeRole('alice', 'admin')]) {
        await assert.rejects(change(), (err) => err instanceof HeraldError && err.code === 40905);
      }
      await assert.rejects(accounts.auth.removeTokenOf('alice', CI_TOKEN), (err) => err instanceof HeraldError && err.code === 40906);
      // `herald user list` says which users come from the config.
      const listed = new Map((await accounts.auth.listUsers()).map((u) => [u.username, u.provisioned === true]));
      assert.equal(listed.get('alice'), true);
      assert.equal(listed.get('*'), false);
      // A user made by hand, for the next test: the config takes it over when it names it.
      await accounts.auth.addUser('dave', 'dave-pass', 'user');
    } finally {
      await accounts.close();
    }
    assert.equal((await call('GET', '/v1/account', { auth: ALICE })).status, 200, 'alice is still there');
  });

  test('a restart with a changed config removes what it dropped and keeps the rest', async () => {
    const daveHash = await bcrypt.hash('dave-new-pass', 4);
    await start({
      users: [`alice:${aliceHash}:user`, `dave:${daveHash}:user`],
      access: ['alice:alerts*:ro', 'dave:dave-*:rw'],
      tokens: [`alice:${CI_TOKEN}:ci renamed`],
    });
    // root is gone: its credentials no longer work anywhere.
    assert.equal((await call('GET', '/v1/account', { auth: ROOT })).status, 401);
    // alice's dropped token is gone; the kept one has its new label; the one she made herself survives.
    assert.equal((await call('GET', '/v1/account', { auth: `Bearer ${OLD_TOKEN}` })).status, 401);
    const tokens = (await call('GET', '/v1/account', { auth: ALICE })).json.tokens as { token: string; label?: string }[];
    assert.deepEqual(tokens.map((t) => t.token).sort(), [CI_TOKEN, ownToken].sort());
    assert.equal(tokens.find((t) => t.token === CI_TOKEN)?.label, 'ci renamed');
    assert.equal((await call('GET', '/v1/account', { auth: ALICE })).json.language, 'de', 'her settings stay');
    // The ACL is the new one: alice may only read alerts*, and everyone's entries are gone.
    assert.equal((await call('POST', '/alerts-disk', { auth: ALICE, body: 'x' })).status, 403);
    assert.equal((await call('GET', '/alerts-disk/json?poll=1', { auth: ALICE })).status, 200);
    assert.equal((await call('GET', '/public/json?poll=1')).status, 403);
    assert.equal((await call('POST', '/announce', { body: 'x' })).status, 403);
    // dave, made by hand, now follows the config: its password and its access.
    assert.equal((await call('GET', '/v1/account', { auth: basic('dave', 'dave-pass') })).status, 401);
    const dave = basic('dave', 'dave-new-pass');
    assert.equal((await call('GET', '/v1/account', { auth: dave })).json.provisioned, true);
    assert.equal((await call('POST', '/dave-inbox', { auth: dave, body: 'x' })).status, 200);

    // With no config users at all, the provisioned ones go; nothing else does.
    await start({ users: [], access: [], tokens: [] });
    assert.equal((await call('GET', '/v1/account', { auth: ALICE })).status, 401);
    assert.equal((await call('GET', '/v1/account', { auth: dave })).status, 401);
  });

  test('a bad entry stops the start, naming the entry (and never echoing a token)', async () => {
    await server?.stop();
    server = undefined;
    const secret = `tk_${'secret'.padEnd(29, '0')}`;
    await assert.rejects(
      start({
        users: [`alice:${aliceHash}:user`, 'bob:plaintext:user', `carl:${aliceHash}:owner`, `eve:${await bcrypt.hash('x', 4)}:user`],
        access: ['zed:alerts:rw', 'alice:bad topic!:rw', 'alice:alerts:sometimes'],
        tokens: [`nobody:${secret}`, 'alice:tk_short'],
      }).then(() => {
        throw new Error('started');
      }),
      (err: Error) => {
        for (const part of ["auth-users entry 'bob:plaintext:user'", "auth-users entry 'carl:", "auth-access entry 'zed:alerts:rw'", "auth-access entry 'alice:bad topic!:rw'", "auth-access entry 'alice:alerts:sometimes'", 'auth-tokens entry 1', 'auth-tokens entry 2']) {
          assert.ok(err.message.includes(part), `${part} in: ${err.message}`);
        }
        assert.ok(!err.message.includes(secret), 'the token is not echoed');
        assert.ok(!err.message.includes('eve'), 'good entries are not reported');
        return true;
      },
    );
    // A hash weaker than auth-bcrypt-cost is refused too, as ntfy refuses it.
    await assert.rejects(
      startTestServer({ ...flags, 'auth-bcrypt-cost': '10', 'auth-users': `weak:${aliceHash}:user` }, dir),
      /auth-users entry 'weak:.*bcrypt cost 4 is below auth-bcrypt-cost \(10\)/,
    );
  });
}
