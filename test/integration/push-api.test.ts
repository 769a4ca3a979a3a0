import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { eventually, startPushRig, BUNDLE_ID, APNS_KEY_ID, APNS_TEAM_ID, type PushRig } from '../helpers/push-rig.js';
import { randomTopic } from '../helpers/server.js';

const hex = () => randomBytes(32).toString('hex');
const fcmToken = () => `fcm-${randomBytes(24).toString('base64url')}`;

let rig: PushRig;
before(async () => (rig = await startPushRig({ 'push-max-attempts': '3', 'enable-metrics': 'true' })));
after(() => rig.close());

async function register(body: Record<string, unknown>): Promise<{ id: string; token: unknown }> {
  const res = await rig.call('POST', '/v1/devices', body);
  assert.ok(res.status === 201 || res.status === 200, JSON.stringify(res.json));
  return res.json;
}

async function settled(id: string): Promise<any> {
  let view: any;
  await eventually(`push ${id} done`, async () => {
    view = (await rig.call('GET', `/v1/push/${id}`)).json;
    return view.state === 'done' || view.state === 'cancelled';
  });
  return view;
}

describe('devices API', () => {
  it('registers idempotently, rotates tokens by id, and refuses bad tokens and unknown apps with 400', async () => {
    const token = hex();
    const first = await rig.call('POST', '/v1/devices', { provider: 'apns', token, user: 'user-1', topics: ['news'], locale: 'fr-FR', timezone: 'Europe/Paris', meta: { app_version: '4.2.0' } });
    assert.equal(first.status, 201);
    assert.match(first.json.id, /^dev_[A-Za-z0-9]{16}$/);
    assert.deepEqual({ ...first.json, id: undefined, created_at: undefined, updated_at: undefined, last_seen_at: undefined }, {
      id: undefined, app: 'default', provider: 'apns', platform: 'ios', token, user: 'user-1', topics: ['news'], locale: 'fr-FR',
      timezone: 'Europe/Paris', meta: { app_version: '4.2.0' }, state: 'active', invalid_reason: null, created_at: undefined, updated_at: undefined, last_seen_at: undefined,
    });
    const again = await rig.call('POST', '/v1/devices', { provider: 'apns', token });
    assert.equal(again.status, 200);
    assert.equal(again.json.id, first.json.id);
    assert.deepEqual(again.json.topics, ['news'], 'fields left out keep their value');

    const rotated = await rig.call('POST', '/v1/devices', { id: first.json.id, provider: 'apns', token: hex() });
    assert.equal(rotated.json.id, first.json.id);
    assert.notEqual(rotated.json.token, token);

    for (const [body, code] of [
      [{ provider: 'apns', token: 'not-hex' }, 40060],
      [{ provider: 'fcm', token: '' }, 40060],
      [{ provider: 'webpush', token: { endpoint: 'http://evil.example/x', keys: { p256dh: 'x', auth: 'y' } } }, 40060],
      [{ provider: 'apns', app: 'nope', token: hex() }, 40064],
      [{ provider: 'apns', token: hex(), timezone: 'Mars/Olympus' }, 40000],
      [{ provider: 'carrier-pigeon', token: 'x' }, 40024],
    ] as const) {
      const res = await rig.call('POST', '/v1/devices', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.json.code, code, JSON.stringify(res.json));
    }
  });

  it('gets, patches, lists with filters and cursors, and deletes', async () => {
    const user = `u-${randomBytes(4).toString('hex')}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await register({ provider: i % 2 ? 'fcm' : 'apns', token: i % 2 ? fcmToken() : hex(), user })).id);
    const got = await rig.call('GET', `/v1/devices/${ids[0]}`);
    assert.equal(got.json.user, user);
    const patched = await rig.call('PATCH', `/v1/devices/${ids[0]}`, { locale: 'de-DE', meta: { beta: true } });
    assert.equal(patched.json.locale, 'de-DE');
    assert.deepEqual(patched.json.meta, { beta: true });

    const page1 = await rig.call('GET', `/v1/devices?user=${user}&limit=2`);
    assert.equal(page1.json.devices.length, 2);
    const page2 = await rig.call('GET', `/v1/devices?user=${user}&limit=2&cursor=${page1.json.next_cursor}`);
    const page3 = await rig.call('GET', `/v1/devices?user=${user}&limit=2&cursor=${page2.json.next_cursor}`);
    assert.equal(page3.json.next_cursor, undefined);
    const seen = [...page1.json.devices, ...page2.json.devices, ...page3.json.devices].map((d: { id: string }) => d.id);
    assert.deepEqual(seen.sort(), [...ids].sort());
    assert.equal((await rig.call('GET', `/v1/devices?user=${user}&provider=fcm`)).json.devices.length, 2);

    assert.equal((await rig.call('DELETE', `/v1/devices/${ids[0]}`)).status, 200);
    assert.equal((await rig.call('GET', `/v1/devices/${ids[0]}`)).json.code, 40404);
    assert.equal((await rig.call('DELETE', `/v1/devices/${ids[0]}`)).status, 404);
  });

  it("device topics and user topics: a user's topics follow the device's user", async () => {
    const user = `u-${randomBytes(4).toString('hex')}`;
    const dev = await register({ provider: 'apns', token: hex(), user });
    assert.deepEqual((await rig.call('PUT', `/v1/devices/${dev.id}/topics`, { topics: ['a', 'b'] })).json.topics, ['a', 'b']);
    assert.deepEqual((await rig.call('PUT', `/v1/devices/${dev.id}/topics`, { topics: ['c'], op: 'add' })).json.topics, ['a', 'b', 'c']);
    assert.deepEqual((await rig.call('PUT', `/v1/devices/${dev.id}/topics`, { topics: ['a'], op: 'remove' })).json.topics, ['b', 'c']);
    const bound = randomTopic('ut');
    assert.deepEqual((await rig.call('PUT', `/v1/users/${user}/topics`, { topics: [bound] })).json, { user, topics: [bound] });
    assert.deepEqual((await rig.call('GET', `/v1/users/${user}/topics`)).json.topics, [bound]);
    assert.deepEqual((await rig.call('GET', `/v1/devices?topic=${bound}`)).json.devices.map((d: { id: string }) => d.id), [dev.id]);
    await rig.call('PATCH', `/v1/devices/${dev.id}`, { user: 'someone-else' });
    assert.deepEqual((await rig.call('GET', `/v1/devices?topic=${bound}`)).json.devices, [], 'the old user took its topics along');
  });
});

describe('sending through each provider, as its documentation specifies', () => {
  it('APNs: POST /3/device/<token> with a bearer JWT, the bundle id topic, push type, priority and the mapped payload', async () => {
    const dev = await register({ provider: 'apns', token: hex() });
    const before = rig.apns.requests.length;
    const expiresAt = Date.now() + 3600_000;
    const sent = await rig.call('POST', '/v1/push', {
      to: { devices: [dev.id] },
      notification: { title: 'Shipped', body: 'Your order is on its way', badge: 3, sound: 'default', data: { order: '42' } },
      collapse_key: 'order-42',
      expires_at: new Date(expiresAt).toISOString(),
      apns: { payload: { aps: { 'thread-id': 'orders' } } },
    });
    assert.equal(sent.status, 202);
    assert.deepEqual({ ...sent.json, id: undefined }, { id: undefined, state: 'queued', targets: 1 });
    const view = await settled(sent.json.id);
    assert.equal(view.counts.sent, 1);
    const req = rig.apns.requests.slice(before).find((r) => r.token === dev.token)!;
    assert.ok(req, 'the mock got the push');
    assert.equal(req.method, 'POST');
    assert.equal(req.path, `/3/device/${dev.token}`);
    assert.equal(req.headers['apns-topic'], BUNDLE_ID);
    assert.equal(req.headers['apns-push-type'], 'alert');
    assert.equal(req.headers['apns-priority'], '10');
    assert.equal(req.headers['apns-collapse-id'], 'order-42');
    assert.match(String(req.headers['apns-id']), /^[0-9a-f-]{36}$/);
    assert.equal(Number(req.headers['apns-expiration']), Math.floor(expiresAt / 1000), 'expires_at in Unix seconds');
    const jwt = String(req.headers.authorization).replace(/^bearer /, '').split('.');
    assert.deepEqual(JSON.parse(Buffer.from(jwt[0]!, 'base64url').toString()), { alg: 'ES256', kid: APNS_KEY_ID });
    assert.equal(JSON.parse(Buffer.from(jwt[1]!, 'base64url').toString()).iss, APNS_TEAM_ID);
    const body = JSON.parse(req.body);
    assert.deepEqual(body.aps.alert, { title: 'Shipped', body: 'Your order is on its way' });
    assert.equal(body.aps.badge, 3);
    assert.equal(body.aps['thread-id'], 'orders', 'the raw apns payload is merged over the mapping');
  });

  it('FCM: messages:send for the project with an OAuth token and the token in the message', async () => {
    const token = fcmToken();
    const dev = await register({ provider: 'fcm', token });
    const before = rig.fcm.requests.length;
    const sent = await rig.call('POST', '/v1/push', { to: { devices: [dev.id] }, notification: { title: 'Hi', body: 'from FCM', data: { k: 'v' } }, priority: 'high', fcm: { message: { android: { notification: { channel_id: 'orders' } } } } });
    await settled(sent.json.id);
    const req = rig.fcm.requests.slice(before).find((r) => r.message?.token === token);
    assert.ok(req, 'the mock got the push');
    assert.equal(req.method, 'POST');
    assert.equal(req.path, `/v1/projects/${rig.fcm.project}/messages:send`);
    assert.equal(req.httpVersion, '2.0', 'multiplexed over HTTP/2');
    assert.match(String(req.headers.authorization), /^Bearer /);
    const message = req.message as Record<string, any>;
    assert.deepEqual(message.notification, { title: 'Hi', body: 'from FCM' });
    assert.equal(message.data.k, 'v');
    assert.equal(message.android.priority, 'HIGH');
    assert.equal(message.android.notification.channel_id, 'orders');
    assert.ok(rig.fcm.tokenRequests.length >= 1, 'the service account was exchanged for an access token');
  });

  it('HMS: raw tokens in one multi-token request; partial success marks exactly the illegal token', async () => {
    const good = `hms-${randomBytes(16).toString('hex')}`;
    const bad = `hms-${randomBytes(16).toString('hex')}`;
    rig.hms.script(bad, 'illegal');
    const before = rig.hms.requests.length;
    const sent = await rig.call('POST', '/v1/push', { to: { tokens: [{ provider: 'hms', token: good }, { provider: 'hms', token: bad }] }, notification: { title: 'Hi', body: 'HMS' } });
    assert.equal(sent.json.targets, 2);
    const view = await settled(sent.json.id);
    assert.equal(view.counts.sent, 1);
    assert.equal(view.counts.invalid_token, 1);
    const reqs = rig.hms.requests.slice(before);
    assert.equal(reqs.length, 1, 'both tokens in one request');
    assert.deepEqual([...reqs[0]!.tokens].sort(), [good, bad].sort());
    assert.equal(reqs[0]!.path, `/v1/${rig.hms.appId}/messages:send`);
  });

  it('Web Push from the topic face: a browser subscribes with ntfy\'s shape and gets the message, encrypted, in ntfy\'s payload', async () => {
    const topic = randomTopic('wp');
    const sub = rig.webpush.createSubscription({ applicationServerKey: rig.vapidPublicKey });
    const vapid = await rig.call('GET', '/v1/webpush/vapid', undefined, '');
    assert.equal(vapid.json.public_key, rig.vapidPublicKey);
    const subscribed = await rig.call('POST', '/v1/webpush', { endpoint: sub.endpoint, auth: sub.keys.auth, p256dh: sub.keys.p256dh, topics: [topic] }, '');
    assert.equal(subscribed.status, 200, JSON.stringify(subscribed.json));
    const before = rig.webpush.messages.length;
    const published = await fetch(`${rig.server.url}/${topic}`, { method: 'POST', body: 'Backup done', headers: { Title: 'Backups', Priority: 'high', Tags: 'white_check_mark' } });
    assert.equal(published.status, 200);
    await eventually('the browser got it', () => rig.webpush.messages.length > before);
    const msg = rig.webpush.messages.slice(before).find((m) => m.subscription === sub.id)!;
    const payload = JSON.parse(msg.plaintext.toString('utf8'));
    assert.equal(payload.event, 'message');
    assert.equal(payload.message.topic, topic);
    assert.equal(payload.message.message, 'Backup done');
    assert.equal(payload.message.title, 'Backups');
    assert.equal(payload.title, 'Backups');
    assert.equal(msg.urgency, 'high');
    assert.equal(msg.vapid.aud, new URL(sub.endpoint).origin);

    // A second browser on the topic stays subscribed: the message reaching it shows the fan-out is over.
    const witness = rig.webpush.createSubscription({ applicationServerKey: rig.vapidPublicKey });
    assert.equal((await rig.call('POST', '/v1/webpush', { endpoint: witness.endpoint, auth: witness.keys.auth, p256dh: witness.keys.p256dh, topics: [topic] }, '')).status, 200);
    assert.equal((await rig.call('DELETE', '/v1/webpush', { endpoint: sub.endpoint }, '')).status, 200);
    const count = rig.webpush.messages.filter((m) => m.subscription === sub.id).length;
    await fetch(`${rig.server.url}/${topic}`, { method: 'POST', body: 'after unsubscribe' });
    await eventually('the subscribed browser got it', () => rig.webpush.messages.some((m) => m.subscription === witness.id));
    assert.equal(rig.webpush.messages.filter((m) => m.subscription === sub.id).length, count, 'unsubscribed browsers get nothing');
  });

  it('a topic-face publish reaches devices subscribed to the topic through the push API', async () => {
    const topic = randomTopic('tf');
    const dev = await register({ provider: 'apns', token: hex(), topics: [topic] });
    const before = rig.apns.requests.length;
    await fetch(`${rig.server.url}/${topic}`, { method: 'POST', body: 'Disk full', headers: { Title: 'Alert', Click: 'https://example.com/disk', Priority: '5' } });
    await eventually('the phone got it', () => rig.apns.requests.slice(before).some((r) => r.token === dev.token));
    const req = rig.apns.requests.slice(before).find((r) => r.token === dev.token)!;
    const body = JSON.parse(req.body);
    assert.deepEqual(body.aps.alert, { title: 'Alert', body: 'Disk full' });
    assert.equal(req.headers['apns-priority'], '10');
    assert.equal(JSON.stringify(body).includes('https://example.com/disk'), true, 'click is carried as the url');
  });
});

describe('push API semantics', () => {
  it('refuses payloads over a provider limit with a 400 naming the provider, and stores nothing', async () => {
    const dev = await register({ provider: 'apns', token: hex() });
    const res = await rig.call('POST', '/v1/push', { id: 'too-large-apns', to: { devices: [dev.id] }, notification: { title: 'x', data: { blob: 'x'.repeat(4090) } } });
    assert.equal(res.status, 400);
    assert.equal(res.json.code, 40061);
    assert.match(res.json.error, /apns|fcm|hms|webpush/);
    assert.equal((await rig.call('GET', '/v1/push/too-large-apns')).status, 404);
    const bad = await rig.call('POST', '/v1/push', { to: { devices: [dev.id] }, notification: { title: 'x' }, send_at: 'tomorrow' });
    assert.equal(bad.json.code, 40063);
    assert.equal((await rig.call('POST', '/v1/push', { to: {}, notification: { title: 'x' } })).json.code, 40063);
    assert.equal((await rig.call('POST', '/v1/push', '{not json')).json.code, 40024);
  });

  it('idempotent re-send, scheduling with send_at, cancel, and the delivery list', async () => {
    const dev = await register({ provider: 'fcm', token: fcmToken() });
    const id = `order-${randomBytes(4).toString('hex')}`;
    const first = await rig.call('POST', '/v1/push', { id, to: { devices: [dev.id] }, notification: { title: 'once' } });
    const second = await rig.call('POST', '/v1/push', { id, to: { devices: [dev.id] }, notification: { title: 'twice' } });
    assert.deepEqual({ id: second.json.id, targets: second.json.targets, duplicate: second.json.duplicate }, { id: first.json.id, targets: first.json.targets, duplicate: true });
    await settled(id);
    const sends = () => rig.fcm.requests.filter((r) => r.message?.token === dev.token).length;
    assert.equal(sends(), 1, 'one send for two identical requests');

    const sched = await rig.call('POST', '/v1/push', { to: { devices: [dev.id] }, notification: { title: 'later' }, send_at: new Date(Date.now() + 60_000).toISOString() });
    assert.equal(sched.json.state, 'scheduled');
    assert.equal((await rig.call('GET', `/v1/push/${sched.json.id}`)).json.state, 'scheduled');
    assert.deepEqual((await rig.call('DELETE', `/v1/push/${sched.json.id}`)).json, { cancelled: 0 });
    assert.equal((await rig.call('GET', `/v1/push/${sched.json.id}`)).json.state, 'cancelled');

    const deliveries = await rig.call('GET', `/v1/push/${id}/deliveries`);
    assert.equal(deliveries.json.deliveries.length, 1);
    assert.deepEqual({ device: deliveries.json.deliveries[0].device, state: deliveries.json.deliveries[0].state, attempts: deliveries.json.deliveries[0].attempts }, { device: dev.id, state: 'sent', attempts: 1 });
    assert.equal((await rig.call('GET', `/v1/push/${id}/deliveries?state=failed`)).json.deliveries.length, 0);
  });

  it('the app reports delivered and interacted with a subscriber token; stats give totals and latency percentiles', async () => {
    const user = `u-${randomBytes(4).toString('hex')}`;
    const dev = await register({ provider: 'apns', token: hex(), user });
    const sent = await rig.call('POST', '/v1/push', { to: { users: [user] }, notification: { title: 'report me' } });
    await settled(sent.json.id);
    const { json: tok } = await rig.call('POST', '/v1/subscriber-tokens', { subscriber: user });
    assert.match(tok.token, /^st_/);
    const asApp = { 'X-Herald-Subscriber': user };
    assert.equal((await rig.call('POST', `/v1/push/${sent.json.id}/status`, { device: dev.id, status: 'delivered' }, `Bearer ${tok.token}`, asApp)).status, 200);
    assert.equal((await rig.call('POST', `/v1/push/${sent.json.id}/status`, { device: dev.id, status: 'interacted' }, `Bearer ${tok.token}`, asApp)).status, 200);
    assert.equal((await rig.call('POST', `/v1/push/${sent.json.id}/status`, { device: dev.id, status: 'delivered' }, `Bearer ${tok.token}`, { 'X-Herald-Subscriber': 'someone-else' })).status, 401);
    assert.equal((await rig.call('POST', `/v1/push/${sent.json.id}/status`, { device: dev.id, status: 'delivered' }, '')).status, 401);
    const view = (await rig.call('GET', `/v1/push/${sent.json.id}`)).json;
    assert.deepEqual([view.counts.sent, view.counts.delivered, view.counts.interacted], [1, 1, 1]);

    const stats = (await rig.call('GET', '/v1/push/stats')).json;
    assert.ok(stats.by_provider.apns.sent >= 1);
    assert.ok(stats.latency_ms.p50 >= 0 && stats.latency_ms.p99 >= stats.latency_ms.p50);
    assert.ok(stats.latency_ms.count >= 1);
    assert.equal((await rig.call('GET', '/v1/push/stats?since=yesterday')).status, 400);
  });

  it('hygiene: a broadcast where 30% of tokens are invalid marks those devices invalid; a second broadcast sends nothing to them', async () => {
    const topic = randomTopic('hyg');
    const devices: { id: string; token: string }[] = [];
    for (let i = 0; i < 40; i++) {
      const token = fcmToken();
      devices.push({ id: (await register({ provider: 'fcm', token, topics: [topic] })).id, token });
    }
    const invalid = devices.slice(0, 12);
    for (const d of invalid) rig.fcm.script(d.token, { error: 'UNREGISTERED' });
    const first = await rig.call('POST', '/v1/push', { to: { topics: [topic] }, notification: { title: 'first' } });
    const v1 = await settled(first.json.id);
    assert.equal(v1.counts.invalid_token, 12);
    assert.equal(v1.counts.sent, 28);
    await eventually('devices marked invalid', async () => (await rig.call('GET', `/v1/devices?topic=${topic}&state=invalid`)).json.devices.length === 12);
    const sendsTo = (token: string) => rig.fcm.requests.filter((r) => r.message?.token === token).length;
    const second = await rig.call('POST', '/v1/push', { to: { topics: [topic] }, notification: { title: 'second' } });
    const v2 = await settled(second.json.id);
    assert.equal(v2.targets, 28);
    for (const d of invalid) assert.equal(sendsTo(d.token), 1, 'one send only, to the first broadcast');
    // A fresh registration of the same token brings the device back.
    const back = await register({ provider: 'fcm', token: invalid[0]!.token });
    assert.equal((await rig.call('GET', `/v1/devices/${back.id}`)).json.state, 'active');
  });

  it('retries 5xx with backoff, dead-letters after the configured attempts, and replays from the DLQ', async () => {
    const dev = await register({ provider: 'apns', token: hex() });
    rig.apns.answer(String(dev.token), { status: 500, reason: 'InternalServerError' }, { status: 503, reason: 'ServiceUnavailable' }, { status: 500, reason: 'InternalServerError' });
    const sent = await rig.call('POST', '/v1/push', { to: { devices: [dev.id] }, notification: { title: 'doomed' } });
    const view = await settled(sent.json.id);
    assert.equal(view.counts.dead, 1);
    const dlq = (await rig.call('GET', '/v1/dlq?provider=apns')).json.deliveries;
    const entry = dlq.find((d: { device: string }) => d.device === dev.id);
    assert.ok(entry, 'listed in the DLQ');
    assert.deepEqual({ attempts: entry.attempts, last_status: entry.last_status, last_error: entry.last_error, push: entry.push }, { attempts: 3, last_status: 500, last_error: 'InternalServerError', push: sent.json.id });
    assert.deepEqual((await rig.call('POST', '/v1/dlq/replay', { ids: [entry.id] })).json, { replayed: 1 });
    await eventually('replayed', async () => (await rig.call('GET', `/v1/push/${sent.json.id}`)).json.counts.sent === 1);
    assert.equal((await rig.call('POST', '/v1/dlq/replay', {})).status, 400);
  });

  it('checks scopes: a key without devices:read cannot list devices; a category-limited key must name its category', async () => {
    const sender = await rig.key(['push:send']);
    assert.equal((await rig.call('GET', '/v1/devices', undefined, sender)).json.code, 40302);
    assert.equal((await rig.call('GET', '/v1/devices', undefined, '')).status, 401);
    const dev = await register({ provider: 'apns', token: hex() });
    assert.equal((await rig.call('POST', '/v1/push', { to: { devices: [dev.id] }, notification: { title: 'x' } }, sender)).status, 202);
    const marketing = await rig.key(['push:send'], ['marketing']);
    assert.equal((await rig.call('POST', '/v1/push', { to: { devices: [dev.id] }, notification: { title: 'x' } }, marketing)).json.code, 40302);
    assert.equal((await rig.call('POST', '/v1/push', { to: { devices: [dev.id] }, notification: { title: 'x' }, category: 'banking' }, marketing)).json.code, 40302);
    assert.equal((await rig.call('POST', '/v1/push', { to: { devices: [dev.id] }, notification: { title: 'x' }, category: 'marketing' }, marketing)).status, 202);
    const audit = (await rig.call('GET', '/v1/audit?action=push.send&limit=10')).json as { actor: string }[];
    assert.ok(audit.some((e) => e.actor.startsWith('key:')), 'send-API calls are audited with the key that made them');
  });

  it('exports push metrics per provider and outcome, and queue gauges', async () => {
    const text = await (await fetch(`${rig.server.url}/metrics`)).text();
    assert.match(text, /herald_push_outcomes_total\{provider="apns",app="default",state="sent"\} \d+/);
    assert.match(text, /herald_push_send_latency_seconds_bucket\{le="[^"]+",provider="apns"\}/);
    assert.match(text, /herald_queue_lag_seconds \d/);
  });
});

describe('isolation', () => {
  it('with FCM hanging, APNs deliveries still go out', async () => {
    const slowDev = await register({ provider: 'fcm', token: fcmToken() });
    const fastDev = await register({ provider: 'apns', token: hex() });
    // FCM answers nothing until the end of the test, however long the APNs sends take.
    const release = rig.fcm.hold();
    try {
      const slow = await rig.call('POST', '/v1/push', { to: { devices: [slowDev.id] }, notification: { title: 'slow' } });
      await eventually('the FCM send hanging', () => rig.fcm.requests.some((r) => r.message?.token === slowDev.token));
      for (let i = 0; i < 5; i++) {
        const fast = await rig.call('POST', '/v1/push', { to: { devices: [fastDev.id] }, notification: { title: `fast ${i}` } });
        await eventually(`APNs push ${i} sent while FCM hangs`, async () => (await rig.call('GET', `/v1/push/${fast.json.id}`)).json.counts.sent === 1);
      }
      assert.equal((await rig.call('GET', `/v1/push/${slow.json.id}`)).json.counts.sent, 0, 'FCM still waiting');
    } finally {
      release();
    }
  });

});
