import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig } from '../../src/config/index.js';
import { openAuth } from '../../src/main.js';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';
import { nextEvents, openStream, type LineStream } from '../helpers/streams.js';
import { eventually } from '../helpers/wait.js';
import { httpCall, type HttpAnswer, type HttpCallOptions } from '../helpers/http.js';

/**
 * The account API ntfy's web app uses beyond log-in and tokens: settings, the synced subscription
 * list, the full `GET /v1/account`, and the sync topic that tells an account's other browsers to
 * reload it.
 */
let server: TestServer;
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const ALICE = basic('alice', 'alice-pass');
const BOB = basic('bob', 'bob-pass');

async function call(method: string, path: string, options: HttpCallOptions = {}): Promise<HttpAnswer> {
  return httpCall(server.url, method, path, options);
}

before(async () => {
  server = await startTestServer({
    'auth-file': 'auth.db', 'auth-default-access': 'deny-all', 'visitor-request-limit-exempt-hosts': '127.0.0.1,::1', 'enable-signup': 'true',
    'auth-bcrypt-cost': '5',
  });
  for (const [username, password] of [['alice', 'alice-pass'], ['bob', 'bob-pass']]) {
    assert.equal((await call('POST', '/v1/account', { body: { username, password } })).status, 200);
  }
});
after(() => server.close());

describe('GET /v1/account', () => {
  test('anonymous callers get ntfy\'s anonymous shape', async () => {
    const r = await call('GET', '/v1/account');
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json), ['username', 'role', 'limits', 'stats']);
    assert.equal(r.json.username, '*');
    assert.equal(r.json.role, 'anonymous');
  });

  test('a user gets every field in ntfy\'s order, unset ones left out', async () => {
    const fresh = await call('GET', '/v1/account', { auth: BOB });
    assert.deepEqual(Object.keys(fresh.json), ['username', 'role', 'sync_topic', 'limits', 'stats'], 'no settings, subscriptions or tokens yet');
    assert.match(fresh.json.sync_topic, /^st_[A-Za-z0-9]{13}$/);
    assert.equal((await call('GET', '/v1/account', { auth: BOB })).json.sync_topic, fresh.json.sync_topic, 'the sync topic stays');
    assert.notEqual((await call('GET', '/v1/account', { auth: ALICE })).json.sync_topic, fresh.json.sync_topic, 'each account has its own');

    assert.equal((await call('PATCH', '/v1/account/settings', { auth: BOB, body: { language: 'nl', notification: { min_priority: 2 } } })).status, 200);
    assert.equal((await call('POST', '/v1/account/subscription', { auth: BOB, body: { base_url: server.url, topic: 'news' } })).status, 200);
    assert.equal((await call('POST', '/v1/account/token', { auth: BOB, body: { label: 'phone' } })).status, 200);
    const full = await call('GET', '/v1/account', { auth: BOB });
    assert.deepEqual(Object.keys(full.json), ['username', 'role', 'sync_topic', 'language', 'notification', 'subscriptions', 'tokens', 'limits', 'stats']);
    assert.equal(full.json.username, 'bob');
    assert.equal(full.json.role, 'user');
    assert.equal(full.json.language, 'nl');
    assert.deepEqual(full.json.notification, { min_priority: 2 });
    assert.deepEqual(full.json.subscriptions, [{ base_url: server.url, topic: 'news', display_name: null }]);
    assert.deepEqual(full.json.tokens.map((t: { label: string }) => t.label), ['phone']);
  });
});

describe('PATCH /v1/account/settings', () => {
  test('changes only the fields given, notification settings one by one', async () => {
    const patch = (body: unknown) => call('PATCH', '/v1/account/settings', { auth: ALICE, body });
    assert.deepEqual((await patch({ language: 'de' })).json, { success: true });
    await patch({ notification: { sound: 'ding' } });
    await patch({ notification: { min_priority: 4, delete_after: 86400 } });
    // Keys ntfy's newer web apps send and Herald does not keep are ignored, as ntfy ignores unknown keys.
    await patch({ language: 'fr', date_format: 'iso' });
    const account = (await call('GET', '/v1/account', { auth: ALICE })).json;
    assert.equal(account.language, 'fr');
    assert.deepEqual(account.notification, { sound: 'ding', min_priority: 4, delete_after: 86400 });
    assert.equal(account.date_format, undefined);
  });

  test('refuses bad values and anonymous callers', async () => {
    for (const body of [{ notification: { min_priority: 9 } }, { notification: { delete_after: -1 } }, { language: 5 }, { notification: 'loud' }, '{not json', '[]']) {
      const r = await call('PATCH', '/v1/account/settings', { auth: ALICE, body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json.code, 40024, JSON.stringify(body));
    }
    const anonymous = await call('PATCH', '/v1/account/settings', { body: { language: 'de' } });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.json.code, 40101);
    assert.equal((await call('GET', '/v1/account', { auth: ALICE })).json.language, 'fr', 'nothing changed');
  });
});

describe('/v1/account/subscription', () => {
  test('adds, refuses a duplicate (40903), renames and removes web-app subscriptions', async () => {
    const carol = basic('carol', 'carol-pass');
    assert.equal((await call('POST', '/v1/account', { body: { username: 'carol', password: 'carol-pass' } })).status, 200);
    const base = 'https://ntfy.example.com';
    const added = await call('POST', '/v1/account/subscription', { auth: carol, body: { base_url: base, topic: 'alerts' } });
    assert.equal(added.status, 200);
    assert.equal(added.text, `{"base_url":"${base}","topic":"alerts","display_name":null}\n`);

    const again = await call('POST', '/v1/account/subscription', { auth: carol, body: { base_url: base, topic: 'alerts', display_name: 'x' } });
    assert.equal(again.status, 409);
    assert.equal(again.json.code, 40903);
    // The same topic on another server is another subscription.
    assert.equal((await call('POST', '/v1/account/subscription', { auth: carol, body: { base_url: server.url, topic: 'alerts' } })).status, 200);
    assert.equal((await call('POST', '/v1/account/subscription', { auth: carol, body: { base_url: base, topic: 'backups', display_name: 'Backups' } })).status, 200);

    const renamed = await call('PATCH', '/v1/account/subscription', { auth: carol, body: { base_url: base, topic: 'alerts', display_name: 'Alerts' } });
    assert.equal(renamed.status, 200);
    assert.deepEqual(renamed.json, { base_url: base, topic: 'alerts', display_name: 'Alerts' });
    const missing = await call('PATCH', '/v1/account/subscription', { auth: carol, body: { base_url: base, topic: 'nothing', display_name: 'N' } });
    assert.equal(missing.status, 404);
    assert.equal(missing.json.code, 40401);

    assert.deepEqual((await call('GET', '/v1/account', { auth: carol })).json.subscriptions, [
      { base_url: base, topic: 'alerts', display_name: 'Alerts' },
      { base_url: server.url, topic: 'alerts', display_name: null },
      { base_url: base, topic: 'backups', display_name: 'Backups' },
    ]);

    // DELETE names the subscription in headers, or in query parameters.
    assert.deepEqual((await call('DELETE', '/v1/account/subscription', { auth: carol, headers: { 'X-BaseURL': base, 'X-Topic': 'alerts' } })).json, { success: true });
    assert.equal((await call('DELETE', `/v1/account/subscription?baseurl=${encodeURIComponent(server.url)}&topic=alerts`, { auth: carol })).status, 200);
    assert.equal((await call('DELETE', '/v1/account/subscription', { auth: carol, headers: { 'X-BaseURL': base, 'X-Topic': 'never-there' } })).status, 200, 'removing what is not there is no error');
    assert.deepEqual((await call('GET', '/v1/account', { auth: carol })).json.subscriptions, [{ base_url: base, topic: 'backups', display_name: 'Backups' }]);
    assert.equal((await call('GET', '/v1/account', { auth: ALICE })).json.subscriptions, undefined, "another account's list is its own");
  });

  test('refuses bad input with a 4xx', async () => {
    const cases: [string, unknown, Record<string, string>?][] = [
      ['POST', { base_url: 'https://h', topic: 'bad topic' }],
      ['POST', { base_url: '', topic: 't' }],
      ['POST', { topic: 't' }],
      ['PATCH', { base_url: 'https://h', topic: 't', display_name: 7 }],
      ['DELETE', undefined, { 'X-Topic': 't' }],
    ];
    for (const [method, body, headers] of cases) {
      const r = await call(method, '/v1/account/subscription', { auth: ALICE, body, ...(headers ? { headers } : {}) });
      assert.equal(r.status, 400, `${method} ${JSON.stringify(body)}`);
    }
    assert.equal((await call('POST', '/v1/account/subscription', { body: { base_url: 'https://h', topic: 't' } })).status, 401);
  });
});

describe('sync topic', () => {
  test('every change through the account API publishes {"event":"sync"} to the account\'s sync topic', async () => {
    const syncTopic = (await call('GET', '/v1/account', { auth: ALICE })).json.sync_topic as string;
    // The owner reads it although auth-default-access is deny-all and no rule grants it.
    const stream: LineStream = await openStream(`${server.url}/${syncTopic}/json`, { Authorization: ALICE });
    try {
      assert.equal(stream.status, 200);
      assert.equal((await nextEvents(stream))[0]!.event, 'open');
      const expectSync = async (what: string) => {
        const [event] = await nextEvents(stream);
        assert.equal(event!.event, 'message', what);
        assert.equal(event!.topic, syncTopic, what);
        assert.equal(event!.message, '{"event":"sync"}', what);
      };
      await call('PATCH', '/v1/account/settings', { auth: ALICE, body: { language: 'it' } });
      await expectSync('settings');
      await call('POST', '/v1/account/subscription', { auth: ALICE, body: { base_url: server.url, topic: 'synced' } });
      await expectSync('subscription added');
      await call('PATCH', '/v1/account/subscription', { auth: ALICE, body: { base_url: server.url, topic: 'synced', display_name: 'S' } });
      await expectSync('subscription renamed');
      await call('DELETE', '/v1/account/subscription', { auth: ALICE, headers: { 'X-BaseURL': server.url, 'X-Topic': 'synced' } });
      await expectSync('subscription removed');
      const token = (await call('POST', '/v1/account/token', { auth: ALICE, body: { label: 'sync test' } })).json.token as string;
      await expectSync('token created');
      await call('PATCH', '/v1/account/token', { auth: ALICE, body: { token, label: 'renamed' } });
      await expectSync('token changed');
      await call('DELETE', '/v1/account/token', { auth: ALICE, headers: { 'X-Token': token } });
      await expectSync('token removed');
      // Bob's changes go to Bob's topic, not here: the next event Alice's browsers see is her own.
      await call('PATCH', '/v1/account/settings', { auth: BOB, body: { language: 'es' } });
      await call('PATCH', '/v1/account/settings', { auth: ALICE, body: { language: 'pt' } });
      await expectSync('after another account changed');
    } finally {
      stream.close();
    }
    // Sync events are live only: nothing of them is kept for later polls.
    assert.equal((await call('GET', `/${syncTopic}/json?poll=1`, { auth: ALICE })).text, '');
  });

  test('only the owner may read a sync topic, and nobody may publish to it, whatever the ACL grants', async () => {
    const aliceTopic = (await call('GET', '/v1/account', { auth: ALICE })).json.sync_topic as string;
    // An operator opens every st_ topic to everyone, as a careless rule could.
    const { config } = loadConfig({ env: {}, flags: { 'auth-file': join(server.dir, 'auth.db'), 'database-file': join(server.dir, 'herald.db') } });
    const accounts = (await openAuth(config))!;
    try {
      await accounts.auth.grant('*', 'st_*', 'read-write');
    } finally {
      await accounts.close();
    }
    // The server notices the CLI's change within its poll; then a topic of that shape that is nobody's is open.
    await eventually('the grant to apply', async () => (await call('GET', '/st_nobodysTopic0/json?poll=1')).status === 200);

    for (const [who, auth] of [['anonymous', undefined], ['bob', BOB]] as const) {
      const read = await call('GET', `/${aliceTopic}/json?poll=1`, auth ? { auth } : {});
      assert.equal(read.status, 403, `${who} reads`);
      assert.equal(read.json.code, 40301);
      assert.equal((await call('POST', `/${aliceTopic}`, { body: '{"event":"sync"}', ...(auth ? { auth } : {}) })).status, 403, `${who} publishes`);
    }
    assert.equal((await call('POST', `/${aliceTopic}`, { auth: ALICE, body: 'x' })).status, 403, 'the owner does not publish there either');
    assert.equal((await call('GET', `/${aliceTopic}/json?poll=1`, { auth: ALICE })).status, 200);
    assert.equal((await call('GET', `/${aliceTopic},${randomTopic()}/json?poll=1`, { auth: BOB })).status, 403, 'not as one of several topics either');
  });

  test('auth-bcrypt-cost sets the cost of new password hashes', async () => {
    const db = new Database(join(server.dir, 'auth.db'), { readonly: true });
    try {
      const hash = db.prepare("SELECT password_hash FROM users WHERE name = 'alice'").pluck().get() as string;
      assert.match(hash, /^\$2[aby]\$05\$/);
    } finally {
      db.close();
    }
  });
});
