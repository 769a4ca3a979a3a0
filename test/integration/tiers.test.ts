import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { herald } from '../helpers/cli.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';
import { eventually } from '../helpers/wait.js';
import { httpCall, type HttpAnswer, type HttpCallOptions } from '../helpers/http.js';

/**
 * Tiers and reservations (ntfy's model) through the CLI (`herald tier`, `herald user change-tier`)
 * and HTTP (`/v1/account/reservation`, `/v1/tiers`, `/v1/account`, `/v1/users`), on a server whose
 * account file the CLI edits while it runs, as an admin would.
 */

let server: TestServer;
/** Stands still, so buckets refill only when a test says so; a day forward starts fresh daily quotas. */
const clock = new ManualClock(Date.now());
const nextDay = () => clock.advance(86_400_000);
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const ADMIN = basic('admin', 'admin-pass');
const PASSWORD = 'pw';
const as = (name: string) => basic(name, PASSWORD);

type Json = any;

async function call(method: string, path: string, options: HttpCallOptions = {}): Promise<HttpAnswer> {
  return httpCall(server.url, method, path, options);
}

/** The CLI on the server's account file; asserts the exit status. */
async function cli(args: string[], expect = 0, env: Record<string, string> = {}) {
  const run = await herald([...args, '--auth-file', join(server.dir, 'auth.db'), '--database-file', join(server.dir, 'herald.db')], { env });
  assert.equal(run.code, expect, `herald ${args.join(' ')}: ${run.stdout}${run.stderr}`);
  return run;
}

async function addUser(name: string, tier?: string): Promise<void> {
  await cli(['user', 'add', name], 0, { HERALD_PASSWORD: PASSWORD });
  if (tier) await cli(['user', 'change-tier', name, tier]);
}

/** The account as the server sees it once the CLI's change reached it (the server polls the file each second). */
async function accountWhen(auth: string, what: string, ready: (account: Json) => boolean): Promise<Json> {
  let account: Json;
  await eventually(what, async () => ready((account = (await call('GET', '/v1/account', { auth })).json)));
  return account;
}

before(async () => {
  server = await startTestServer({
    'auth-file': 'auth.db', 'auth-default-access': 'read-write', 'enable-reservations': 'true',
    'visitor-message-daily-limit': '2', 'visitor-email-limit-burst': '2',
    'smtp-sender-addr': '127.0.0.1:9', 'smtp-sender-from': 'herald@example.com',
    'attachment-file-size-limit': '4k',
  }, undefined, { clock });
  await cli(['user', 'add', '--role', 'admin', 'admin'], 0, { HERALD_PASSWORD: 'admin-pass' });
  await cli(['tier', 'add', '--name', 'Pro', '--message-limit', '4', '--email-limit', '15', '--call-limit', '7', '--reservation-limit', '2',
    '--message-expiry-duration', '1h', '--attachment-file-size-limit', '1k', '--attachment-total-size-limit', '10k', '--attachment-expiry-duration', '30m', 'pro']);
  await cli(['tier', 'add', '--name', 'Mail', '--message-limit', '50', '--email-limit', '15', '--reservation-limit', '1', 'mail']);
});
after(() => server.close());

describe('herald tier and herald user change-tier', () => {
  test('add with defaults, list, change, refuse bad input, and delete only a tier nobody has', async () => {
    const added = await cli(['tier', 'add', 'basic']);
    assert.match(added.stderr, /tier added/);
    assert.match(added.stdout, /^tier basic \(id: ti_\w+\)\n- Name: basic\n- Message limit: 5000\n- Message expiry duration: 12h \(43200 seconds\)\n- Email limit: 20\n- Phone call limit: 0\n- Reservation limit: 3\n- Attachment file size limit: 15M\n- Attachment total size limit: 100M\n- Attachment expiry duration: 6h \(21600 seconds\)\n- Attachment daily bandwidth limit: 1G\n$/);
    assert.match((await cli(['tier', 'add', 'basic'], 1)).stderr, /40920|already exists/);
    assert.match((await cli(['tier', 'add', '--ignore-exists', 'basic'])).stderr, /already exists \(exited successfully\)/);
    await cli(['tier', 'add', '--message-limit', 'lots', 'other'], 2);
    await cli(['tier', 'add', '--attachment-expiry-duration', 'soon', 'other'], 2);
    await cli(['tier', 'add', 'bad.code'], 2);
    await cli(['tier', 'add', '--colour', 'red', 'other'], 2);

    const changed = await cli(['tier', 'change', '--name', 'Basic', '--message-limit', '100', '--attachment-file-size-limit', '2M', 'basic']);
    assert.match(changed.stdout, /- Name: Basic\n- Message limit: 100\n/);
    assert.match(changed.stdout, /- Attachment file size limit: 2M\n/);
    assert.match(changed.stdout, /- Email limit: 20\n/, 'what was not given stays');
    assert.match((await cli(['tier', 'change', '--name', 'X', 'nosuch'], 1)).stderr, /tier does not exist: nosuch/);

    const listed = (await cli(['tier', 'list'])).stdout;
    assert.deepEqual([...listed.matchAll(/^tier (\S+) /gm)].map((m) => m[1]), ['basic', 'mail', 'pro']);

    await addUser('bella', 'basic');
    assert.match((await cli(['user', 'list'])).stdout, /user bella \(role: user, tier: basic\)/);
    assert.match((await cli(['tier', 'del', 'basic'], 1)).stderr, /40921|assigned to users/);
    assert.match((await cli(['user', 'change-tier', 'bella', '-'])).stdout, /removed tier from user bella/);
    assert.doesNotMatch((await cli(['user', 'list'])).stdout, /tier: basic/);
    assert.match((await cli(['tier', 'rm', 'basic'])).stderr, /tier basic removed/);
    assert.doesNotMatch((await cli(['tier', 'list'])).stdout, /tier basic/);
    await cli(['user', 'change-tier', 'bella', 'nosuch'], 1);
    await cli(['user', 'change-tier', 'nobody', 'pro'], 1);
    await cli(['user', 'change-tier', 'bella', 'bad.tier'], 2);
  });

  test('a user keeps their tier while they hold more reservations than the new one allows', async () => {
    await addUser('rhea', 'pro');
    await accountWhen(as('rhea'), 'rhea has her tier', (a) => a.tier?.code === 'pro');
    for (const topic of [randomTopic(), randomTopic()]) {
      assert.equal((await call('POST', '/v1/account/reservation', { auth: as('rhea'), body: { topic, everyone: 'deny-all' } })).status, 200);
    }
    assert.match((await cli(['user', 'change-tier', 'rhea', 'mail'], 1)).stderr, /42907|reservations/);
    assert.match((await cli(['user', 'change-tier', 'rhea', '-'], 1)).stderr, /holds 2 reservations/);
    assert.match((await cli(['user', 'list'])).stdout, /user rhea \(role: user, tier: pro\)/);
  });
});

describe('GET /v1/tiers', () => {
  test('lists the limits without a tier, then every tier with its limits', async () => {
    const r = await call('GET', '/v1/tiers');
    assert.equal(r.status, 200);
    const [free, ...tiers] = r.json as Json[];
    assert.equal(free.code, undefined);
    assert.equal(free.limits.basis, 'ip');
    assert.equal(free.limits.messages, 2);
    const pro = tiers.find((t) => t.code === 'pro');
    assert.deepEqual(pro, {
      code: 'pro', name: 'Pro',
      limits: {
        basis: 'tier', messages: 4, messages_expiry_duration: 3600, emails: 15, calls: 7, reservations: 2,
        attachment_total_size: 10 * 1024, attachment_file_size: 1024, attachment_expiry_duration: 1800, attachment_bandwidth: 1024 ** 3,
      },
    });
  });
});

describe('reservations', () => {
  test('the owner gets read-write, everyone else what the owner chose', async () => {
    await addUser('otto', 'pro');
    await addUser('nina');
    await accountWhen(as('otto'), 'otto has his tier', (a) => a.tier?.code === 'pro');
    const topic = randomTopic();
    assert.equal((await call('POST', `/${topic}`, { body: 'before' })).status, 200, 'open before the reservation');
    const reserved = await call('POST', '/v1/account/reservation', { auth: as('otto'), body: { topic, everyone: 'read-only' } });
    assert.deepEqual([reserved.status, reserved.json], [200, { success: true }]);

    assert.equal((await call('POST', `/${topic}`, { auth: as('otto'), body: 'mine' })).status, 200);
    assert.equal((await call('GET', `/${topic}/json?poll=1`, { auth: as('otto') })).status, 200);
    assert.equal((await call('POST', `/${topic}`, { body: 'anonymous' })).json.code, 40301);
    assert.equal((await call('POST', `/${topic}`, { auth: as('nina'), body: 'another user' })).json.code, 40301);
    assert.equal((await call('GET', `/${topic}/json?poll=1`)).status, 200, 'everyone may read');

    // Changing everyone's access of one's own topic.
    assert.equal((await call('POST', '/v1/account/reservation', { auth: as('otto'), body: { topic, everyone: 'deny' } })).status, 200);
    assert.equal((await call('GET', `/${topic}/json?poll=1`)).json.code, 40301);
    assert.equal((await call('GET', `/${topic}/json?poll=1`, { auth: as('nina') })).json.code, 40301);

    const account = (await call('GET', '/v1/account', { auth: as('otto') })).json;
    assert.deepEqual(account.reservations, [{ topic, everyone: 'deny-all' }]);
    assert.equal(account.stats.reservations, 1);
    assert.equal(account.stats.reservations_remaining, 1);
    const users = (await call('GET', '/v1/users', { auth: ADMIN })).json as Json[];
    assert.deepEqual(users.find((u) => u.username === 'otto').grants, [{ topic, permission: 'read-write' }]);
  });

  test('40902 for a topic another user reserved or an admin entry covers; 42907 past the limit; 401 without a tier', async () => {
    await addUser('pia', 'pro');
    await addUser('quin', 'pro');
    await addUser('tomas');
    await accountWhen(as('quin'), 'quin has a tier', (a) => a.tier?.code === 'pro');
    await accountWhen(as('pia'), 'pia has a tier', (a) => a.tier?.code === 'pro');
    const reserve = (user: string, topic: string, everyone = 'read-write') => call('POST', '/v1/account/reservation', { auth: as(user), body: { topic, everyone } });
    const taken = randomTopic();
    assert.equal((await reserve('pia', taken)).status, 200);
    const conflict = await reserve('quin', taken);
    assert.deepEqual([conflict.status, conflict.json.code], [409, 40902]);

    const prefix = randomTopic('adm');
    assert.equal((await call('PUT', '/v1/users/access', { auth: ADMIN, body: { username: 'tomas', topic: `${prefix}*`, permission: 'ro' } })).status, 200);
    assert.equal((await reserve('quin', `${prefix}1`)).json.code, 40902, "an admin's pattern covers the topic");

    assert.equal((await reserve('pia', randomTopic(), 'ro')).status, 200);
    const third = await reserve('pia', randomTopic());
    assert.deepEqual([third.status, third.json.code], [429, 42907]);
    assert.equal((await reserve('pia', taken, 'wo')).status, 200, 'a topic already held does not count again');

    assert.equal((await reserve('tomas', randomTopic())).json.code, 40101, 'a user without a tier may not reserve');
    assert.equal((await call('POST', '/v1/account/reservation', { body: { topic: randomTopic(), everyone: 'rw' } })).json.code, 40101);
    assert.equal((await reserve('quin', 'not.a.topic')).json.code, 40009);
    assert.equal((await reserve('quin', randomTopic(), 'sometimes')).json.code, 40025);
    assert.equal((await call('POST', '/v1/account/reservation', { auth: as('quin'), body: '{"topic":' })).json.code, 40024);

    // An admin reserves without a tier or limit.
    assert.equal((await call('POST', '/v1/account/reservation', { auth: ADMIN, body: { topic: randomTopic(), everyone: 'ro' } })).status, 200);
  });

  test('delete: only the owner, optionally with the cached messages; a deleted user leaves their topics free', async () => {
    nextDay();
    await addUser('vera', 'pro');
    await addUser('walt', 'pro');
    await accountWhen(as('vera'), 'vera has a tier', (a) => a.tier?.code === 'pro');
    await accountWhen(as('walt'), 'walt has a tier', (a) => a.tier?.code === 'pro');
    const kept = randomTopic();
    const purged = randomTopic();
    for (const topic of [kept, purged]) {
      assert.equal((await call('POST', '/v1/account/reservation', { auth: as('vera'), body: { topic, everyone: 'read-only' } })).status, 200);
      assert.equal((await call('POST', `/${topic}`, { auth: as('vera'), body: 'cached' })).status, 200);
    }
    assert.equal((await call('DELETE', `/v1/account/reservation/${kept}`, { auth: as('walt') })).json.code, 40101, 'not his');
    assert.equal((await call('DELETE', '/v1/account/reservation/not.valid', { auth: as('vera') })).status, 404);
    assert.equal((await call('DELETE', `/v1/account/reservation/${kept}`)).json.code, 40101);

    assert.equal((await call('DELETE', `/v1/account/reservation/${kept}`, { auth: as('vera') })).status, 200);
    assert.equal((await call('DELETE', `/v1/account/reservation/${purged}`, { auth: as('vera'), headers: { 'X-Delete-Messages': 'true' } })).status, 200);
    const poll = async (topic: string) => (await fetch(`${server.url}/${topic}/json?poll=1`).then((r) => r.text())).trim().split('\n').filter(Boolean);
    assert.equal((await poll(kept)).length, 1, 'messages stay without the header');
    assert.deepEqual(await poll(purged), [], 'deleted with it');
    assert.equal((await call('POST', `/${kept}`, { body: 'open again' })).status, 200, 'the ACL entries went with the reservation');
    assert.equal((await call('GET', '/v1/account', { auth: as('vera') })).json.reservations, undefined);

    const left = randomTopic();
    assert.equal((await call('POST', '/v1/account/reservation', { auth: as('vera'), body: { topic: left, everyone: 'deny-all' } })).status, 200);
    assert.equal((await call('DELETE', '/v1/users', { auth: ADMIN, body: { username: 'vera' } })).status, 200);
    assert.equal((await call('POST', `/${left}`, { body: 'anonymous again' })).status, 200);
    assert.equal((await call('POST', '/v1/account/reservation', { auth: as('walt'), body: { topic: left, everyone: 'deny-all' } })).status, 200);
  });
});

describe('tiers override the visitor limits', () => {
  test("a tier user's daily messages are the tier's, counted apart from the address; users without a tier share it", async () => {
    nextDay();
    await addUser('mia', 'pro');
    await addUser('ned');
    await accountWhen(as('mia'), 'mia has a tier', (a) => a.tier?.code === 'pro');
    const anon = async () => (await call('POST', `/${randomTopic()}`, { body: 'x' })).status;
    const mia = async () => (await call('POST', `/${randomTopic()}`, { auth: as('mia'), body: 'x' })).status;
    const ned = async () => (await call('POST', `/${randomTopic()}`, { auth: as('ned'), body: 'x' })).json?.code;

    const before = (await call('GET', '/v1/account', { auth: as('mia') })).json;
    assert.equal(before.limits.basis, 'tier');
    assert.equal(before.limits.messages, 4);
    assert.equal(before.stats.messages, 0);
    for (let i = 0; i < 4; i++) assert.equal(await mia(), 200, `message ${i + 1} of the tier's 4`);
    assert.equal((await call('POST', `/${randomTopic()}`, { auth: as('mia'), body: 'x' })).json.code, 42908);
    const after = (await call('GET', '/v1/account', { auth: as('mia') })).json;
    assert.deepEqual([after.stats.messages, after.stats.messages_remaining], [4, 0]);

    // The address's quota (2 a day) is untouched by mia and shared by anonymous callers and ned.
    const nedAccount = (await call('GET', '/v1/account', { auth: as('ned') })).json;
    assert.equal(nedAccount.limits.basis, 'ip');
    assert.equal(nedAccount.tier, undefined);
    assert.equal(nedAccount.stats.messages, 0);
    assert.equal(await anon(), 200);
    assert.equal(await ned(), undefined);
    assert.equal(await ned(), 42908);
    assert.equal(await anon(), 429);
    assert.equal((await call('GET', '/v1/account')).json.stats.messages, 2);
  });

  test("a tier's e-mail bucket and call quota replace the address's", async () => {
    await addUser('eli', 'mail');
    await accountWhen(as('eli'), 'eli has a tier', (a) => a.tier?.code === 'mail');
    const email = (auth?: string) => call('POST', `/${randomTopic()}`, { ...(auth ? { auth } : {}), body: 'mail', headers: { 'X-Email': 'someone@example.com' } });
    // 20 % of 15 e-mails a day is 3, above the address's burst of 2.
    for (let i = 0; i < 3; i++) assert.equal((await email(as('eli'))).status, 200, `e-mail ${i + 1}`);
    assert.equal((await email(as('eli'))).json.code, 42902);
    const eli = (await call('GET', '/v1/account', { auth: as('eli') })).json;
    assert.deepEqual([eli.limits.emails, eli.stats.emails, eli.stats.emails_remaining], [15, 3, 12]);
    assert.deepEqual([eli.limits.calls, eli.stats.calls_remaining], [0, 0]);
    const pro = (await call('GET', '/v1/account', { auth: as('mia') })).json;
    assert.deepEqual([pro.limits.calls, pro.stats.calls, pro.stats.calls_remaining], [7, 0, 7]);
    assert.equal((await call('GET', '/v1/account')).json.limits.calls, 0);
  });

  test("uploads follow the tier's file size, expiry and total, and the stats count the stored bytes", async () => {
    await addUser('uma', 'pro');
    await cli(['tier', 'change', '--message-limit', '20', 'pro']);
    const account = await accountWhen(as('uma'), 'uma has the changed tier', (a) => a.tier?.code === 'pro' && a.limits.messages === 20);
    assert.deepEqual([account.stats.attachment_total_size, account.stats.attachment_total_size_remaining], [0, 10 * 1024]);

    const upload = (bytes: number, auth: string) => call('PUT', `/${randomTopic()}`, { auth, body: new Uint8Array(bytes).fill(7), headers: { Filename: 'blob.bin' } });
    const small = await upload(600, as('uma'));
    assert.equal(small.status, 200);
    assert.equal(small.json.attachment.expires - small.json.time, 1800, "the tier's attachment expiry");
    assert.equal(small.json.expires - small.json.time, 3600, "the tier's message expiry");
    assert.equal((await upload(2000, as('uma'))).json.code, 41301, "above the tier's 1k per file");
    const stats = (await call('GET', '/v1/account', { auth: as('uma') })).json.stats;
    assert.deepEqual([stats.attachment_total_size, stats.attachment_total_size_remaining], [600, 10 * 1024 - 600]);

  });
});
