import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createBcryptPasswordHasher } from '../../src/adapters/crypto/bcrypt-password-hasher.js';
import { createPostgresAuthStore } from '../../src/adapters/postgres/auth/index.js';
import { openPostgresHeraldStores } from '../../src/adapters/postgres/herald-db/open-postgres-herald-stores.js';
import { createPostgresMessageCache } from '../../src/adapters/postgres/message-cache/index.js';
import { createPostgresNotifyStore } from '../../src/adapters/postgres/notify/postgres-notify-store.js';
import { createPostgresPushStore } from '../../src/adapters/postgres/push/postgres-push-store.js';
import { openPostgres, type PostgresDatabase } from '../../src/adapters/postgres/open-postgres.js';
import { createPostgresQueue } from '../../src/adapters/postgres/queue/postgres-queue.js';
import { createSqliteAuthStore } from '../../src/adapters/sqlite/auth/sqlite-auth-store.js';
import { openHeraldDatabase } from '../../src/adapters/sqlite/herald-db/open-herald-db.js';
import { createSqliteNotifyStore } from '../../src/adapters/sqlite/notify/sqlite-notify-store.js';
import { createSqlitePushStore } from '../../src/adapters/sqlite/push/sqlite-push-store.js';
import { createSqliteQueue } from '../../src/adapters/sqlite/queue/sqlite-queue.js';
import { createSqliteMessageCache } from '../../src/adapters/sqlite/message-cache/sqlite-message-cache.js';
import { TABLES } from '../../src/adapters/migrate/tables.js';
import { AuthService } from '../../src/core/auth/auth-service.js';
import { systemClock } from '../../src/ports/clock.js';
import type { MessageCache } from '../../src/ports/message-cache.js';
import type { Message } from '../../src/ports/message.js';
import { herald } from '../helpers/cli.js';
import { assertSameInstallation, type SourceFiles } from '../helpers/migrate-compare.js';
import { startPushRig, type PushRig } from '../helpers/push-rig.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { freshPostgresSchema, serviceSkip } from '../helpers/services.js';
import { eventually } from '../helpers/wait.js';

/**
 * `herald migrate --to postgres://…` on an installation a real Herald server built on its SQLite
 * files: every table arrives row for row, the PostgreSQL stores read what the SQLite ones read, new
 * rows get ids past the copied ones, and a second run copies nothing.
 */

const skip = await serviceSkip('postgres');
const PASSWORD = 'correct horse battery';

function fileFlags(files: SourceFiles): string[] {
  return ['--cache-file', files.cache, '--auth-file', files.auth, '--database-file', files.database, '--queue-file', files.queue];
}

/** Runs the command in-process and fails the test with its output when it does not exit 0. */
async function migrate(files: SourceFiles, url: string, extra: string[] = []): Promise<{ stdout: string; stderr: string }> {
  const run = await herald(['migrate', ...fileFlags(files), '--to', url, ...extra]);
  assert.equal(run.code, 0, `herald migrate failed: ${run.stderr}`);
  return run;
}

describe('herald migrate --to postgres: a whole installation', { skip }, () => {
  let rig: PushRig;
  let files: SourceFiles;
  const topic = 'migrated';
  const published: Message[] = [];
  let token = '';
  /** What the SQLite server handed out, to be used against a server on the copy. */
  const issued = { pushes: [] as string[], notification: '', subscriberToken: '' };

  before(async () => {
    rig = await startPushRig({ 'auth-file': 'auth.db', 'push-max-attempts': '2' });
    const dir = rig.server.dir;
    files = { cache: join(dir, 'cache.db'), auth: join(dir, 'auth.db'), database: join(dir, 'herald.db'), queue: join(dir, 'queue.db') };
    const cli = (args: string[], env: Record<string, string> = {}) => herald([...args, ...fileFlags(files)], { env });

    // Accounts, a token and the ACL, through the CLI as an operator would make them.
    assert.equal((await cli(['user', 'add', '--role', 'user', 'phil'], { HERALD_PASSWORD: PASSWORD })).code, 0);
    assert.equal((await cli(['user', 'add', '--role', 'admin', 'ada'], { HERALD_PASSWORD: PASSWORD })).code, 0);
    assert.equal((await cli(['access', 'phil', `${topic}*`, 'rw'])).code, 0);
    assert.equal((await cli(['access', 'everyone', 'public', 'ro'])).code, 0);
    // Verified phone numbers (X-Call), written as /v1/account/phone would after a Verify check.
    const phoneStore = await createSqliteAuthStore({ file: files.auth });
    const philUser = (await phoneStore.userByName('phil'))!;
    await phoneStore.addPhoneNumber(philUser.id, '+14155550142');
    await phoneStore.addPhoneNumber(philUser.id, '+14155550101');
    await phoneStore.close();
    const tokenRun = await cli(['token', 'add', '--label', 'backup', 'phil']);
    token = /tk_[a-z0-9]+/.exec(tokenRun.stdout)?.[0] ?? '';
    assert.ok(token, tokenRun.stdout + tokenRun.stderr);
    assert.equal((await cli(['key', 'create', '--name', 'billing', '--scopes', 'push:send,devices:write', '--categories', 'news'])).code, 0);

    // Topics: plain, decorated, scheduled, with U+0000 in its text, with an attachment.
    const publish = async (path: string, init: RequestInit) => {
      const res = await fetch(`${rig.server.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });
      assert.equal(res.status, 200, await res.clone().text());
      published.push((await res.json()) as Message);
    };
    await publish(`/${topic}`, { method: 'POST', body: 'backup done' });
    await publish(`/${topic}`, { method: 'POST', body: 'disk full', headers: { title: 'Alert', priority: '5', tags: 'warning,skull', click: 'https://example.com/a', actions: 'view, Open, https://example.com/b' } });
    await publish(`/${topic}`, { method: 'POST', body: 'in two hours', headers: { delay: '2h' } });
    await publish('/', { method: 'POST', body: JSON.stringify({ topic, message: 'nul\u0000inside \\0 and a backslash', title: 'T\u0000' }) });
    await publish(`/${topic}2`, { method: 'PUT', body: 'file contents', headers: { filename: 'report.txt' } });

    // Push: devices, a user's topics, a push sent now (ledger rows) and one scheduled (queue work).
    const apnsToken = 'ab'.repeat(32);
    const apnsDevice = await rig.call('POST', '/v1/devices', { app: 'default', provider: 'apns', platform: 'ios', token: apnsToken, user: 'user-1', topics: ['news'], meta: { v: '1' } });
    assert.equal(apnsDevice.status, 201, JSON.stringify(apnsDevice.json));
    const fcmDevice = await rig.call('POST', '/v1/devices', { app: 'default', provider: 'fcm', platform: 'android', token: 'fcm-token-1', user: 'user-2', locale: 'fr-FR' });
    assert.equal(fcmDevice.status, 201, JSON.stringify(fcmDevice.json));
    assert.equal((await rig.call('PUT', '/v1/users/user-1/topics', { topics: ['alerts'] })).status, 200);
    const now = await rig.call('POST', '/v1/push', { to: { devices: [fcmDevice.json.id] }, notification: { title: 'Now', body: 'sent before the move' } });
    assert.equal(now.status, 202, JSON.stringify(now.json));
    await eventually('the push sent', async () => (await rig.call('GET', `/v1/push/${now.json.id}`)).json.counts.sent === 1);
    // A raw token FCM keeps refusing: its delivery ends dead, a dead letter to copy.
    rig.fcm.script('fcm-unreachable', { error: 'UNAVAILABLE' }, { error: 'UNAVAILABLE' });
    const dead = await rig.call('POST', '/v1/push', { to: { tokens: [{ provider: 'fcm', app: 'default', token: 'fcm-unreachable' }] }, notification: { title: 'Dead', body: 'never arrives' } });
    assert.equal(dead.status, 202, JSON.stringify(dead.json));
    await eventually('the delivery dead-lettered', async () => (await rig.call('GET', `/v1/push/${dead.json.id}`)).json.counts.dead === 1);
    const later = await rig.call('POST', '/v1/push', { to: { users: ['user-1'] }, notification: { title: 'Later', body: 'after the move' }, send_at: new Date(Date.now() + 3600_000).toISOString() });
    assert.equal(later.status, 202, JSON.stringify(later.json));
    issued.pushes.push(now.json.id, dead.json.id, later.json.id);

    // Notify: a category, a template, subscribers with preferences, an inbox item, one scheduled.
    assert.equal((await rig.call('PUT', '/v1/categories/news', { description: 'News', channels: ['inapp'], critical: true })).status, 200);
    const template = await rig.call('PUT', '/v1/templates/hello', { category: 'news', channels: { inapp: { title: 'Hi {{ name }}', body: 'Body {{ name }}' } } });
    assert.ok([200, 201].includes(template.status), JSON.stringify(template.json));
    assert.equal((await rig.call('PUT', '/v1/subscribers/sub-1', { email: 'sub1@example.com', name: 'Sub One', timezone: 'Europe/Paris', data: { plan: 'pro' } })).status < 300, true);
    assert.equal((await rig.call('PUT', '/v1/subscribers/sub-2', { phone: '+14155550100', locale: 'fr' })).status < 300, true);
    assert.equal((await rig.call('PUT', '/v1/subscribers/sub-1/preferences', { channels: { email: false }, quiet_hours: { start: '22:00', end: '07:00' } })).status, 200);
    const sent = await rig.call('POST', '/v1/notify', { template: 'hello', to: { subscribers: ['sub-1'] }, data: { name: 'Ada' }, idempotency_key: 'k-1' });
    assert.equal(sent.status, 202, JSON.stringify(sent.json));
    await eventually('the inbox item', async () => ((await rig.call('GET', '/v1/subscribers/sub-1/inbox')).json.items ?? []).length === 1);
    issued.notification = sent.json.id;
    const subscriberToken = await rig.call('POST', '/v1/subscriber-tokens', { subscriber: 'sub-1' });
    assert.equal(subscriberToken.status, 200, JSON.stringify(subscriberToken.json));
    issued.subscriberToken = subscriberToken.json.token;
    const scheduled = await rig.call('POST', '/v1/notify', { template: 'hello', to: { subscribers: ['sub-2'] }, data: { name: 'Bo' }, send_at: new Date(Date.now() + 3600_000).toISOString() });
    assert.equal(scheduled.status, 202, JSON.stringify(scheduled.json));
    await rig.server.stop();

    // What the API cannot make on demand, through the stores themselves: a suppressed address,
    // a digest, cap sends, a dead letter and a pending deduplicated job.
    const notify = await createSqliteNotifyStore({ file: files.queue });
    await notify.suppressAddress({ address: 'gone@example.com', kind: 'bounce', reason: '550 no such user', at: Date.now() });
    await notify.addToDigest('sub-1', 'news', { title: 'one' }, { carrierSeq: 7, flushAt: Date.now() + 60_000 });
    await notify.addToDigest('sub-1', 'news', { title: 'two', nested: { n: 2 } }, { carrierSeq: 7, flushAt: Date.now() + 60_000 });
    for (const at of [1, 2, 2]) await notify.recordSend('sub-1', 'news', Date.now() - at * 1000);
    await notify.close();
    const queue = await createSqliteQueue<{ n: number }>({ file: files.queue });
    await queue.enqueue([{ payload: { n: 1 }, partition: 'migrate:test', maxAttempts: 1 }]);
    const [job] = await queue.reserve({ partition: 'migrate:test', limit: 1, visibilityMs: 60_000 });
    assert.ok(job);
    await queue.deadLetter(job, 'gave up');
    await queue.enqueue([{ payload: { n: 2 }, partition: 'migrate:test', dedupKey: 'once', runAt: Date.now() + 3600_000, lane: 'high' }]);
    await queue.close();
  });

  after(async () => {
    await rig?.close();
  });

  it('copies every table row for row, and the PostgreSQL stores answer as the SQLite ones did', async () => {
    const schema = await freshPostgresSchema('migrate whole installation');
    let database: PostgresDatabase | undefined;
    try {
      const run = await migrate(files, schema.url);
      assert.match(run.stdout, /rows copied in/);
      assert.match(run.stdout, new RegExp(`schema ${schema.schema}`));

      database = await openPostgres({ url: schema.url, poolSize: 4 });
      const counts = await assertSameInstallation(database.pool, files);
      // The fixture reached every table it meant to; an empty table would compare equal trivially.
      for (const table of ['messages', 'users', 'tokens', 'access', 'phone_numbers', 'api_keys', 'audit', 'server_secrets', 'devices', 'device_topics', 'user_topics', 'pushes', 'deliveries', 'push_counts', 'push_stats', 'push_attempts', 'push_latency', 'queue_jobs', 'queue_dead',
        'subscribers', 'categories', 'templates', 'notifications', 'notify_recipients', 'notify_channels', 'notify_sends', 'inbox', 'digests', 'suppressed_addresses']) {
        assert.ok((counts[table] ?? 0) > 0, `the fixture has rows in ${table}`);
      }
      const { rows: escaped } = await database.pool.query<{ mid: string }>('SELECT mid FROM messages WHERE nul_escaped');
      assert.deepEqual(escaped.map((r) => r.mid), [published[3]!.id], 'the message with U+0000 is stored escaped');

      await assertCacheAnswersAlike(files, database, published, topic);
      await assertAccountsWork(files, database);
      await assertHeraldStoresAlike(files, database);
      await assertQueueAndNotifyAlike(files, database);
      await assertPushLedgerAlike(files, database);
      await assertNewRowsGetNewIds(database);
    } finally {
      await database?.close();
      await schema.drop();
    }
  });

  it('a Herald server started on the copy serves the installation: accounts, messages, keys, pushes, notify, secrets', async () => {
    const schema = await freshPostgresSchema('migrate then serve');
    let server: TestServer | undefined;
    try {
      await migrate(files, schema.url);
      server = await startTestServer({ 'database-url': schema.url, 'auth-default-access': 'deny-all', 'visitor-request-limit-exempt-hosts': '127.0.0.1,::1' });
      const get = async (path: string, authorization: string) => {
        const res = await fetch(`${server!.url}${path}`, { headers: { authorization } });
        const text = await res.text();
        return { status: res.status, text, json: () => JSON.parse(text) as any };
      };
      const basic = `Basic ${Buffer.from(`phil:${PASSWORD}`).toString('base64')}`;

      // The accounts: phil's password and token, his ACL (database-url turns access control on).
      assert.equal((await get('/v1/account', basic)).json().username, 'phil');
      const poll = await get(`/${topic}/json?poll=1&since=all`, `Bearer ${token}`);
      assert.equal(poll.status, 200, poll.text);
      const messages = poll.text.trim().split('\n').map((line) => JSON.parse(line) as Message);
      assert.deepEqual(messages.map((m) => m.id), [published[0]!.id, published[1]!.id, published[3]!.id], 'the published messages, not the scheduled one');
      assert.equal(messages[2]!.message, 'nul\u0000inside \\0 and a backslash');
      assert.deepEqual(messages[1]!.tags, ['warning', 'skull']);
      const since = await get(`/${topic}/json?poll=1&since=${published[1]!.id}`, `Bearer ${token}`);
      assert.deepEqual(since.text.trim().split('\n').map((line) => (JSON.parse(line) as Message).id), [published[3]!.id]);
      assert.equal((await get('/elsewhere/json?poll=1', `Bearer ${token}`)).status, 403, 'phil may use migrated* only');
      assert.equal((await get('/public/json?poll=1', '')).status, 200, 'everyone may read public');
      assert.equal((await fetch(`${server.url}/public`, { method: 'POST', body: 'x' })).status, 403, 'but not write it');

      // A new message goes after every copied one.
      const res = await fetch(`${server.url}/${topic}`, { method: 'POST', body: 'after the move', headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200);
      const fresh = (await res.json()) as Message;
      const after = await get(`/${topic}/json?poll=1&since=${published[3]!.id}`, `Bearer ${token}`);
      assert.deepEqual(after.text.trim().split('\n').map((line) => (JSON.parse(line) as Message).id), [fresh.id]);

      // The API key the SQLite server issued, its devices and pushes.
      const devices = await get('/v1/devices', rig.admin);
      assert.equal(devices.status, 200, devices.text);
      assert.equal(devices.json().devices.length, 2);
      const [sentPush, deadPush, laterPush] = await Promise.all(issued.pushes.map((id) => get(`/v1/push/${id}`, rig.admin)));
      assert.equal(sentPush!.json().counts.sent, 1);
      assert.equal(deadPush!.json().counts.dead, 1);
      assert.equal(laterPush!.json().state, 'scheduled');
      // Notify: the notification, and the inbox through the subscriber token (an HMAC with the
      // server secret the SQLite server generated: it was copied, not made anew).
      assert.equal((await get(`/v1/notify/${issued.notification}`, rig.admin)).status, 200);
      const inbox = await get('/v1/subscribers/sub-1/inbox', `Bearer ${issued.subscriberToken}`);
      assert.equal(inbox.status, 200, inbox.text);
      assert.equal(inbox.json().items.length, 1);
    } finally {
      await server?.close();
      await schema.drop();
    }
  });

  it('a second run copies nothing and duplicates nothing; --dry-run writes nothing', async () => {
    const schema = await freshPostgresSchema('migrate twice');
    let database: PostgresDatabase | undefined;
    try {
      const dry = await migrate(files, schema.url, ['--dry-run']);
      assert.match(dry.stdout, /Dry run, nothing written/);
      assert.match(dry.stdout, /^ {2}messages +5 +5 +0$/m);
      database = await openPostgres({ url: schema.url, poolSize: 2 });
      const { rows: [tables] } = await database.pool.query<{ n: string }>('SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = current_schema()');
      assert.equal(Number(tables!.n), 0, 'a dry run creates no table');

      await migrate(files, schema.url);
      const again = await migrate(files, schema.url);
      assert.match(again.stdout, /^0 rows copied in/m);
      assert.match(again.stdout, /^ {2}messages +5 +0 +5$/m);
      await assertSameInstallation(database.pool, files);
    } finally {
      await database?.close();
      await schema.drop();
    }
  });

  it('refuses a target holding data it did not copy, naming the tables', async () => {
    const schema = await freshPostgresSchema('migrate occupied');
    const database = await openPostgres({ url: schema.url, poolSize: 2 });
    try {
      // A Herald already started on this database made a user of its own.
      const store = await createPostgresAuthStore({ database });
      await store.addUser({ id: 'u_other', name: 'phil', passwordHash: 'x', role: 'user', created: 1 });
      const run = await herald(['migrate', ...fileFlags(files), '--to', schema.url]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^herald migrate: the target already holds data that herald migrate did not copy, in: users\./m);
      const { rows } = await database.pool.query('SELECT 1 FROM messages');
      assert.equal(rows.length, 0, 'nothing was copied');
    } finally {
      await database.close();
      await schema.drop();
    }
  });

  it('clear errors: a missing file, an unreachable server (password never shown), no target', async () => {
    const missing = await herald(['migrate', ...fileFlags({ ...files, auth: join(rig.server.dir, 'nope.db') }), '--to', 'postgres://u:hunter2@127.0.0.1:1/x']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^herald migrate: auth-file .*nope\.db does not exist/m);

    const unreachable = await herald(['migrate', ...fileFlags(files), '--to', 'postgres://herald:hunter2@127.0.0.1:1/herald']);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /^herald migrate: cannot connect to PostgreSQL at postgres:\/\/herald:\*\*\*@127\.0\.0\.1:1\/herald/m);
    assert.doesNotMatch(unreachable.stderr + unreachable.stdout, /hunter2/);

    const noTarget = await herald(['migrate', ...fileFlags(files)]);
    assert.equal(noTarget.code, 1);
    assert.match(noTarget.stderr, /no target: pass --to/);
    const usage = await herald(['migrate', '--to', 'postgres://x/y', '--batch-size', '0']);
    assert.equal(usage.code, 2);
  });
});

/** The cache's reads on PostgreSQL give what they gave on SQLite, for every query shape. */
async function assertCacheAnswersAlike(files: SourceFiles, database: PostgresDatabase, published: readonly Message[], topic: string): Promise<void> {
  const sqlite = await createSqliteMessageCache({ file: files.cache, sync: 'normal', maxBatch: 10, batchDelayMs: 0 });
  const pg = await createPostgresMessageCache({ database, maxBatch: 10, batchDelayMs: 0 });
  try {
    const read = async (cache: MessageCache) => ({
      all: await cache.messages({ topics: [topic, `${topic}2`], since: { kind: 'all' }, scheduled: true }),
      sinceFirst: await cache.messages({ topics: [topic], since: { kind: 'id', id: published[0]!.id }, scheduled: false }),
      due: await cache.dueMessages(Math.floor(Date.now() / 1000) + 3 * 3600),
      attachments: (await cache.attachmentIds()).sort(),
      count: await cache.publishedCount(),
      byId: await cache.messageById(published[3]!.id),
    });
    const [before, afterMove] = [await read(sqlite), await read(pg)];
    assert.deepEqual(afterMove, before);
    assert.equal(before.all.length, 5);
    assert.equal(before.due.length, 1, 'the scheduled message is still waiting');
    assert.equal(afterMove.byId?.message, 'nul\u0000inside \\0 and a backslash');
    assert.equal(afterMove.attachments.length, 1);
  } finally {
    await pg.close();
    await sqlite.close();
  }
}

/** The copied password hash and token authenticate on the PostgreSQL account store; the ACL holds. */
async function assertAccountsWork(files: SourceFiles, database: PostgresDatabase): Promise<void> {
  const pgStore = await createPostgresAuthStore({ database });
  const sqliteStore = await createSqliteAuthStore({ file: files.auth });
  try {
    const auth = new AuthService({ store: pgStore, hasher: createBcryptPasswordHasher(), clock: systemClock, defaultAccess: 'deny-all' });
    const phil = await auth.authenticate({ kind: 'basic', username: 'phil', password: PASSWORD });
    assert.equal(phil.name, 'phil');
    assert.equal(await auth.allowed(phil, ['migrated'], 'write'), true);
    assert.equal(await auth.allowed(phil, ['elsewhere'], 'read'), false);
    const [token] = await pgStore.tokens((await pgStore.userByName('phil'))!.id);
    assert.ok(token);
    const byToken = await auth.authenticate({ kind: 'bearer', token: token.token });
    assert.equal(byToken.name, 'phil');
    await assert.rejects(auth.authenticate({ kind: 'basic', username: 'phil', password: 'wrong' }));
    assert.deepEqual(await pgStore.users(), await sqliteStore.users());
    assert.deepEqual(await pgStore.allAccess(), await sqliteStore.allAccess());
    const philId = (await sqliteStore.userByName('phil'))!.id;
    assert.deepEqual(await pgStore.tokens(philId), await sqliteStore.tokens(philId));
    assert.deepEqual(await pgStore.phoneNumbers(philId), ['+14155550142', '+14155550101'], 'in the order they were added');
  } finally {
    await sqliteStore.close();
    await pgStore.close();
  }
}

/** API keys, the audit log and the server's secrets read the same on both. */
async function assertHeraldStoresAlike(files: SourceFiles, database: PostgresDatabase): Promise<void> {
  const sqlite = await openHeraldDatabase({ file: files.database });
  const pg = await openPostgresHeraldStores({ database });
  try {
    assert.deepEqual(await pg.keys.list(), await sqlite.keys.list());
    const query = { limit: 1000 };
    assert.deepEqual(await pg.audit.query(query), await sqlite.audit.query(query));
    // A fresh value each call: the store keeps the first one stored, so equal answers mean copied.
    const fresh = () => `generated-${Math.random()}`;
    const { rows } = await database.pool.query<{ name: string }>('SELECT name FROM server_secrets');
    for (const { name } of rows) assert.equal(await pg.secret(name, fresh), await sqlite.secret(name, fresh));
    // The push registry: listings, one device, topics both ways, and a broadcast's audience.
    const list = { limit: 100 };
    assert.deepEqual(await pg.devices.list(list), await sqlite.devices.list(list));
    assert.equal((await pg.devices.list(list)).devices.length, 2);
    assert.deepEqual(await pg.devices.list({ ...list, topic: 'alerts' }), await sqlite.devices.list({ ...list, topic: 'alerts' }));
    assert.deepEqual(await pg.devices.userTopics('user-1'), ['alerts']);
    for (const source of [{ kind: 'topic', topic: 'news' }, { kind: 'topicUsers', topic: 'alerts' }, { kind: 'users', users: ['user-1', 'user-2'] }] as const) {
      assert.deepEqual(await pg.devices.pageAudience(source, { limit: 10 }), await sqlite.devices.pageAudience(source, { limit: 10 }), source.kind);
    }
  } finally {
    await pg.close();
    await sqlite.close();
  }
}

/** Pending queue work and the notify store's records are there for the PostgreSQL adapters. */
async function assertQueueAndNotifyAlike(files: SourceFiles, database: PostgresDatabase): Promise<void> {
  const sqliteQueue = await createSqliteQueue<unknown>({ file: files.queue });
  const pgQueue = await createPostgresQueue<unknown>({ database });
  const sqliteNotify = await createSqliteNotifyStore({ file: files.queue });
  const pgNotify = await createPostgresNotifyStore({ database });
  try {
    const now = Date.now();
    assert.deepEqual(await pgQueue.stats({ now }), await sqliteQueue.stats({ now }));
    assert.deepEqual(await pgQueue.deadLetters({ limit: 100 }), await sqliteQueue.deadLetters({ limit: 100 }));
    // The scheduled push and notification wait in their partitions, payloads intact.
    const partitions = (await sqliteQueue.partitions()).map((p) => p.partition).sort();
    assert.deepEqual((await pgQueue.partitions()).map((p) => p.partition).sort(), partitions);
    for (const partition of partitions) {
      const reserve = { partition, limit: 100, visibilityMs: 1000, now: now + 4 * 3600_000 };
      const strip = (jobs: { payload: unknown; id: string; runAt: number; lane: string; dedupKey?: string }[]) =>
        jobs.map((j) => ({ id: j.id, payload: j.payload, runAt: j.runAt, lane: j.lane, dedupKey: j.dedupKey })).sort((a, b) => Number(a.id) - Number(b.id));
      assert.deepEqual(strip(await pgQueue.reserve(reserve)), strip(await sqliteQueue.reserve(reserve)), `jobs of ${partition}`);
    }

    for (const id of ['sub-1', 'sub-2']) assert.deepEqual(await pgNotify.getSubscriber(id), await sqliteNotify.getSubscriber(id));
    assert.deepEqual(await pgNotify.listCategories(), await sqliteNotify.listCategories());
    assert.deepEqual(await pgNotify.listTemplates(), await sqliteNotify.listTemplates());
    assert.deepEqual(await pgNotify.exportSubscriber('sub-1'), await sqliteNotify.exportSubscriber('sub-1'));
    assert.deepEqual(await pgNotify.listInbox('sub-1', { limit: 10 }), await sqliteNotify.listInbox('sub-1', { limit: 10 }));
    assert.equal(await pgNotify.unreadCount('sub-1'), 1);
    assert.deepEqual(await pgNotify.sendsSince('sub-1', 0), await sqliteNotify.sendsSince('sub-1', 0));
    assert.deepEqual(await pgNotify.addressSuppressed('gone@example.com'), await sqliteNotify.addressSuppressed('gone@example.com'));
    assert.deepEqual(await pgNotify.unroutedNotifications(), await sqliteNotify.unroutedNotifications());
    const digest = await pgNotify.takeDigest('sub-1', 'news', 7);
    assert.deepEqual(digest?.events, [{ title: 'one' }, { title: 'two', nested: { n: 2 } }]);
  } finally {
    await pgNotify.close();
    await sqliteNotify.close();
    await pgQueue.close();
    await sqliteQueue.close();
  }
}

/** Every push, its counts, deliveries, dead letters and statistics read the same on both ledgers. */
async function assertPushLedgerAlike(files: SourceFiles, database: PostgresDatabase): Promise<void> {
  const sqlite = await createSqlitePushStore({ file: files.queue });
  const pg = await createPostgresPushStore({ database });
  try {
    const { rows } = await database.pool.query<{ seq: string }>('SELECT seq FROM pushes ORDER BY seq');
    assert.equal(rows.length, 3);
    for (const { seq } of rows) {
      const pushSeq = Number(seq);
      assert.deepEqual(await pg.bySeq(pushSeq), await sqlite.bySeq(pushSeq));
      assert.deepEqual(await pg.counts(pushSeq), await sqlite.counts(pushSeq));
      assert.deepEqual(await pg.deliveries({ pushSeq, limit: 100 }), await sqlite.deliveries({ pushSeq, limit: 100 }));
    }
    const deadLetters = await pg.deadDeliveries({ limit: 10 });
    assert.equal(deadLetters.deliveries.length, 1, 'the dead letter is listed (push_dead filled by its triggers)');
    assert.deepEqual(deadLetters, await sqlite.deadDeliveries({ limit: 10 }));
    const window = { since: 0, until: Date.now() + 3600_000 };
    assert.deepEqual(await pg.stats(window), await sqlite.stats(window));
    assert.deepEqual(await pg.unrouted(), await sqlite.unrouted());
  } finally {
    await pg.close();
    await sqlite.close();
  }
}

/** Every identity sequence stands past the copied ids, so the stores' own inserts never collide. */
async function assertNewRowsGetNewIds(database: PostgresDatabase): Promise<void> {
  for (const map of TABLES.filter((m) => m.identity)) {
    const column = map.identity!.column;
    const { rows: [row] } = await database.pool.query<{ last: string; max: string }>(
      `SELECT (SELECT last_value FROM ${(await database.pool.query<{ s: string }>('SELECT pg_get_serial_sequence($1, $2) AS s', [map.table, column])).rows[0]!.s}) AS last,
         (SELECT coalesce(max("${column}"), 0) FROM "${map.table}") AS max`,
    );
    assert.ok(BigInt(row!.last) >= BigInt(row!.max), `${map.table}.${column}: sequence at ${row!.last}, highest copied ${row!.max}`);
  }
  const cache = await createPostgresMessageCache({ database, maxBatch: 10, batchDelayMs: 0 });
  try {
    await cache.add({ id: 'afterthemove', time: Math.floor(Date.now() / 1000), event: 'message', topic: 'migrated', message: 'new' }, false);
    const { rows } = await database.pool.query<{ mid: string }>('SELECT mid FROM messages ORDER BY seq DESC LIMIT 1');
    assert.equal(rows[0]?.mid, 'afterthemove', 'a new message comes after every copied one');
  } finally {
    await cache.close();
  }
  const queue = await createPostgresQueue<unknown>({ database });
  try {
    const { ids } = await queue.enqueue([{ payload: {}, partition: 'after' }]);
    const { rows: [highest] } = await database.pool.query<{ id: string }>('SELECT max(id) AS id FROM queue_dead');
    assert.ok(BigInt(ids[0]!) > BigInt(highest!.id), 'a new job never takes a dead letter\'s id');
  } finally {
    await queue.close();
  }
}
