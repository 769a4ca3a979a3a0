import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { openAuth } from '../../src/main.js';
import { startPushRig, type PushRig } from '../helpers/push-rig.js';
import { randomTopic } from '../helpers/server.js';

// U+0000 in API input: refused with 40083 before any store sees it, on every face but the topic
// face, whose messages keep carrying it as ntfy's do. The stores behind these routes are the same
// ports on SQLite and PostgreSQL, and the refusal happens before either is reached.

let rig: PushRig;
before(async () => {
  rig = await startPushRig({ 'auth-file': 'auth.db', 'enable-signup': 'true', 'auth-default-access': 'read-write' });
  // An admin user for the ntfy-style user API, from the account database directly as `herald user add --role admin` does.
  const { config } = loadConfig({ env: {}, flags: { 'auth-file': join(rig.server.dir, 'auth.db'), 'database-file': join(rig.server.dir, 'herald.db') } });
  const accounts = (await openAuth(config))!;
  await accounts.auth.addUser('nul-admin', 'admin-pass', 'admin');
  await accounts.close();
});
after(() => rig.close());

const hex = () => randomBytes(32).toString('hex');
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

/** Asserts the common error shape with 40083, and that `detail` points at the field. */
function refused(res: { status: number; json: any }, where: string): void {
  assert.equal(res.status, 400, JSON.stringify(res.json));
  assert.equal(res.json.code, 40083, JSON.stringify(res.json));
  assert.equal(res.json.http, 400);
  assert.match(res.json.error, /^invalid request: text must not contain U\+0000 \(NUL\): /);
  assert.ok(res.json.error.includes(where), `${res.json.error} names ${where}`);
}

describe('U+0000 in API input', () => {
  it('push devices: a token, user, topic or meta key with U+0000 is refused and nothing is registered', async () => {
    const user = `nul-${randomBytes(4).toString('hex')}`;
    refused(await rig.call('POST', '/v1/devices', { provider: 'fcm', token: 'fcm-a\u0000b', user }), 'body /token');
    refused(await rig.call('POST', '/v1/devices', { provider: 'apns', token: hex(), user: `${user}\u0000` }), 'body /user');
    refused(await rig.call('POST', '/v1/devices', { provider: 'apns', token: hex(), user, topics: ['ok', 'no\u0000'] }), 'body /topics/1');
    refused(await rig.call('POST', '/v1/devices', { provider: 'apns', token: hex(), user, meta: { 'k\u0000': 1 } }), 'body /meta/k\\u0000');
    refused(await rig.call('GET', `/v1/devices?user=${user}%00`), 'query user');
    refused(await rig.call('GET', '/v1/devices/dev_AAAA%00AAAAAAAAAAA'), 'path id');
    refused(await rig.call('PUT', '/v1/users/a%00b/topics', { topics: ['news'] }), 'path user');
    refused(await rig.call('PUT', `/v1/users/${user}/topics`, { topics: ['ne\u0000ws'] }), 'body /topics/0');
    refused(await rig.call('POST', '/v1/webpush', { endpoint: `${rig.webpush.url}/push/a\u0000b`, p256dh: 'x', auth: 'y', topics: ['news'] }, ''), 'body /endpoint');

    assert.deepEqual((await rig.call('GET', `/v1/devices?user=${user}`)).json.devices, []);
    assert.deepEqual((await rig.call('GET', `/v1/users/${user}/topics`)).json.topics, []);
    // The same requests without U+0000 go through.
    assert.equal((await rig.call('POST', '/v1/devices', { provider: 'apns', token: hex(), user, topics: ['news'], meta: { k: 1 } })).status, 201);
    assert.equal((await rig.call('PUT', `/v1/users/${user}/topics`, { topics: ['news'] })).status, 200);
  });

  it('notify: subscriber ids and profiles, categories, templates and notification data with U+0000 are refused', async () => {
    refused(await rig.call('PUT', '/v1/subscribers/ann%00', { name: 'Ann' }), 'path id');
    refused(await rig.call('PUT', '/v1/subscribers/nul-ann', { name: 'Ann\u0000', email: 'ann@example.com' }), 'body /name');
    refused(await rig.call('PUT', '/v1/subscribers/nul-ann', { email: 'ann@example.com', data: { plan: 'pro\u0000' } }), 'body /data/plan');
    assert.equal((await rig.call('GET', '/v1/subscribers/nul-ann')).status, 404, 'nothing stored');
    assert.equal((await rig.call('PUT', '/v1/subscribers/nul-ann', { name: 'Ann' })).status, 201);

    refused(await rig.call('PUT', '/v1/categories/news%00', { channels: ['inapp'] }), 'path name');
    refused(await rig.call('PUT', '/v1/categories/nul-news', { description: 'News\u0000', channels: ['inapp'] }), 'body /description');
    assert.equal((await rig.call('PUT', '/v1/categories/nul-news', { description: 'News', channels: ['inapp'] })).status, 200);

    const template = { category: 'nul-news', channels: { inapp: { title: 'Hello', body: 'Hi {{ name }}' } } };
    refused(await rig.call('PUT', '/v1/templates/nul-note', { ...template, channels: { inapp: { title: 'Hello', body: 'Hi\u0000{{ name }}' } } }), 'body /channels/inapp/body');
    assert.equal((await rig.call('GET', '/v1/templates/nul-note')).status, 404, 'nothing stored');
    assert.equal((await rig.call('PUT', '/v1/templates/nul-note', template)).status, 201);

    // Notification data reaches the inbox's title and body through the template.
    refused(await rig.call('POST', '/v1/notify', { template: 'nul-note', to: { subscribers: ['nul-ann'] }, data: { name: 'Ann\u0000' } }), 'body /data/name');
    refused(await rig.call('POST', '/v1/notify', { template: 'nul-note', to: { subscribers: ['nul-ann\u0000'] } }), 'body /to/subscribers/0');
    refused(await rig.call('GET', '/v1/subscribers/nul-ann/inbox?cursor=a%00'), 'query cursor');
    assert.equal((await rig.call('POST', '/v1/notify', { template: 'nul-note', to: { subscribers: ['nul-ann'] }, data: { name: 'Ann' } })).status, 202);
  });

  it('accounts and keys: user names, token labels and key names with U+0000 are refused; such credentials are 401', async () => {
    refused(await rig.call('POST', '/v1/account', { username: 'bob\u0000', password: 'secret-pass' }, ''), 'body /username');
    refused(await rig.call('POST', '/v1/users', { username: 'carl\u0000', password: 'secret-pass' }, basic('nul-admin', 'admin-pass')), 'body /username');
    const user = `nul${randomBytes(3).toString('hex')}`;
    assert.equal((await rig.call('POST', '/v1/account', { username: user, password: 'secret-pass' }, '')).status, 200);
    refused(await rig.call('POST', '/v1/account/token', { label: 'laptop\u0000' }, basic(user, 'secret-pass')), 'body /label');
    const token = await rig.call('POST', '/v1/account/token', { label: 'laptop' }, basic(user, 'secret-pass'));
    assert.equal(token.status, 200);
    refused(await rig.call('PATCH', '/v1/account/token', { token: token.json.token, label: 'desk\u0000top' }, basic(user, 'secret-pass')), 'body /label');

    // Credentials are not input to store: one naming a user with U+0000 cannot match anyone.
    const nulUser = await rig.call('GET', '/v1/account', undefined, basic(`${user}\u0000`, 'secret-pass'));
    assert.equal(nulUser.status, 401, JSON.stringify(nulUser.json));
    assert.equal(nulUser.json.code, 40101);
    const viaQuery = await rig.call('GET', `/v1/account?auth=${Buffer.from(`Bearer ${token.json.token}\u0000`).toString('base64url')}`, undefined, '');
    assert.equal(viaQuery.status, 401, JSON.stringify(viaQuery.json));

    refused(await rig.call('POST', '/v1/keys', { name: 'deploy\u0000', scopes: ['push:send'] }), 'body /name');
    refused(await rig.call('DELETE', '/v1/keys/key_%00'), 'path id');
    refused(await rig.call('GET', '/v1/audit?actor=cli%00'), 'query actor');
    assert.ok(!(await rig.call('GET', '/v1/keys')).json.some((k: { name: string }) => k.name.includes('\u0000')));
  });

  it('the topic face keeps U+0000 in published messages, titles and filters, and binary attachments', async () => {
    const topic = randomTopic('nul');
    const published = await fetch(`${rig.server.url}/${topic}?title=ti%00tle&tags=a%00b`, { method: 'POST', body: 'body\u0000text' });
    assert.equal(published.status, 200, await published.clone().text());
    const byJson = await fetch(`${rig.server.url}/`, { method: 'POST', body: JSON.stringify({ topic, message: 'json\u0000message', title: 'json\u0000title' }) });
    assert.equal(byJson.status, 200, await byJson.clone().text());

    const polled = await fetch(`${rig.server.url}/${topic}/json?poll=1`);
    const messages = (await polled.text()).trim().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(messages.map((m) => [m.message, m.title]), [['body\u0000text', 'ti\u0000tle'], ['json\u0000message', 'json\u0000title']]);
    assert.deepEqual(messages[0].tags, ['a\u0000b']);
    const filtered = await fetch(`${rig.server.url}/${topic}/json?poll=1&title=ti%00tle`);
    assert.equal(filtered.status, 200);
    assert.deepEqual((await filtered.text()).trim().split('\n').map((line) => JSON.parse(line).message), ['body\u0000text']);

    // Bytes that are not UTF-8, NULs among them, are an attachment as always.
    const bytes = Buffer.from([0x00, 0xff, 0xfe, 0x00, 0x01, 0x89, 0x50, 0x4e, 0x47]);
    const upload = await fetch(`${rig.server.url}/${topic}`, { method: 'PUT', body: bytes, headers: { Filename: 'blob.bin' } });
    assert.equal(upload.status, 200, await upload.clone().text());
    const attachment = (await upload.json()) as { attachment: { url: string; name: string } };
    assert.equal(attachment.attachment.name, 'blob.bin');
    const download = await fetch(attachment.attachment.url.replace(/^https?:\/\/[^/]+/, rig.server.url));
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), bytes);
  });
});
