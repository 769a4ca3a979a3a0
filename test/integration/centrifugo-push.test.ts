import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { OffsetClock } from '../helpers/manual-clock.js';
import { eventually } from '../helpers/push-rig.js';
import { centrifugoBackend, centrifugoUser, fcmToken } from '../helpers/centrifugo-client.js';

const hex = () => randomBytes(32).toString('hex');
const user = centrifugoUser;

const clock = new OffsetClock();
const backend = centrifugoBackend(['devices:read', 'devices:write', 'push:send', 'push:read'], { clock });
const { api, result } = backend;

async function register(body: Record<string, unknown>): Promise<string> {
  return (await result('device_register', body)).id;
}

/** The push as /v1 sees it once nothing is left to send: the face and /v1 share one push service. */
async function settled(uid: string): Promise<any> {
  let view: any;
  await eventually(`push ${uid} done`, async () => {
    view = (await backend.rig.call('GET', `/v1/push/${uid}`)).json
    return view.state === 'done' || view.state === 'cancelled';
  });
  return view;
}

const FCM = (title: string) => ({ fcm: { message: { notification: { title }, data: { kind: 'order' } } } });
const APNS = (title: string) => ({ apns: { headers: { 'apns-priority': '5' }, payload: { aps: { alert: { title } }, order: 7 } } });

describe('Centrifugo face: send_push_notification', () => {
  it('a filter by users, ids or topics reaches the devices, with the raw payloads as given', async () => {
    const u = user();
    const fcm = fcmToken();
    const apns = hex();
    const fcmId = await register({ provider: 'fcm', token: fcm, platform: 'android', user: u });
    await register({ provider: 'apns', token: apns, platform: 'ios', user: u });
    const title = `users-${hex().slice(0, 8)}`;
    const { uid } = await result('send_push_notification', { recipient: { filter: { users: [u] } }, notification: { ...FCM(title), ...APNS(title) } });
    assert.match(uid, /^psh_/, 'a uid is generated when absent');
    const view = await settled(uid);
    assert.equal(view.counts.sent, 2);
    const f = backend.rig.fcm.requests.find((r) => r.message?.token === fcm && (r.message.notification as any)?.title === title);
    assert.ok(f, 'FCM got the message');
    assert.deepEqual(f.message!.data, { kind: 'order' });
    const a = backend.rig.apns.requests.find((r) => r.token === apns && JSON.parse(r.body).aps?.alert?.title === title);
    assert.ok(a, 'APNs got the payload');
    assert.equal(JSON.parse(a.body).order, 7);
    assert.equal(a.headers['apns-priority'], '5');

    const byId = await result('send_push_notification', { recipient: { filter: { ids: [fcmId] } }, notification: FCM(`${title}-id`) });
    assert.equal((await settled(byId.uid)).counts.sent, 1);
    assert.ok(backend.rig.fcm.requests.some((r) => r.message?.token === fcm && (r.message.notification as any)?.title === `${title}-id`));

    const topic = `t${hex().slice(0, 10)}`;
    const other = fcmToken();
    await register({ provider: 'fcm', token: other, platform: 'android', topics: [topic] });
    const byTopic = await result('send_push_notification', { recipient: { filter: { topics: [topic] } }, notification: FCM(`${title}-topic`) });
    assert.equal((await settled(byTopic.uid)).counts.sent, 1);
    assert.ok(backend.rig.fcm.requests.some((r) => r.message?.token === other && (r.message.notification as any)?.title === `${title}-topic`));
  });

  it('raw fcm, apns, hms and webpush tokens, webpush headers mapped, a repeated uid sent once', async () => {
    const fcm = fcmToken();
    const apns = hex();
    const hms = `hms-${hex().slice(0, 32)}`;
    const sub = backend.rig.webpush.createSubscription();
    const title = `raw-${hex().slice(0, 8)}`;
    const sends = [
      { recipient: { fcm_tokens: [fcm] }, notification: FCM(title) },
      { recipient: { apns_tokens: [apns] }, notification: APNS(title) },
      { recipient: { hms_tokens: [hms] }, notification: { hms: { message: { notification: { title } } } } },
      { recipient: { webpush_tokens: [JSON.stringify(sub)] }, notification: { webpush: { headers: { TTL: '600', Urgency: 'high' }, payload: JSON.stringify({ title }) } } },
    ];
    for (const send of sends) assert.equal((await settled((await result('send_push_notification', send)).uid)).counts.sent, 1, JSON.stringify(send.recipient));
    assert.ok(backend.rig.fcm.requests.some((r) => r.message?.token === fcm));
    assert.ok(backend.rig.apns.requests.some((r) => r.token === apns));
    assert.ok(backend.rig.hms.requests.some((r) => r.tokens.includes(hms) && JSON.stringify(r.body).includes(title)));
    const w = backend.rig.webpush.messages.find((m) => m.subscription === sub.id);
    assert.ok(w, 'the push service got it');
    assert.equal(JSON.parse(w.plaintext.toString('utf8')).title, title);
    assert.deepEqual([w.ttl, w.urgency], [600, 'high']);

    const uid = `order-${hex().slice(0, 8)}`;
    const again = fcmToken();
    const first = await result('send_push_notification', { uid, recipient: { fcm_tokens: [again] }, notification: FCM(title) });
    const second = await result('send_push_notification', { uid, recipient: { fcm_tokens: [again] }, notification: FCM(title) });
    assert.deepEqual([first.uid, second.uid], [uid, uid]);
    await settled(uid);
    assert.equal(backend.rig.fcm.requests.filter((r) => r.message?.token === again).length, 1);
  });

  it('update_push_status feeds the delivery analytics of the push, with analytics_uid as the uid', async () => {
    const apns = hex();
    const device = await register({ provider: 'apns', token: apns, platform: 'ios', user: user() });
    const analytics = `campaign-${hex().slice(0, 8)}`;
    const { uid } = await result('send_push_notification', { recipient: { filter: { ids: [device] } }, notification: APNS('measure me'), analytics_uid: analytics });
    assert.equal(uid, analytics);
    await settled(uid);
    assert.deepEqual(await result('update_push_status', { analytics_uid: analytics, status: 'delivered', device_id: device, msg_id: 'apns-1' }), {});
    assert.deepEqual(await result('update_push_status', { analytics_uid: analytics, status: 'interacted', device_id: device }), {});
    const view = (await backend.rig.call('GET', `/v1/push/${uid}`)).json;
    assert.deepEqual([view.counts.sent, view.counts.delivered, view.counts.interacted], [1, 1, 1]);
    // The same ledger POST /v1/push/{id}/status writes: its deliveries list says so too.
    const deliveries = (await backend.rig.call('GET', `/v1/push/${uid}/deliveries`)).json.deliveries;
    assert.deepEqual(deliveries.map((d: any) => [d.device, d.state]), [[device, 'interacted']]);

    const stranger = await api('update_push_status', { analytics_uid: analytics, status: 'delivered', device_id: `dev_${'A'.repeat(16)}` });
    assert.equal(stranger.json.error.code, 107, 'no delivery of this push to that device');
    const readOnly = (await backend.rig.key(['push:read'])).slice('Bearer '.length);
    const denied = await api('update_push_status', { analytics_uid: analytics, status: 'delivered', device_id: device }, { 'X-API-Key': readOnly });
    assert.equal(denied.json.error.code, 103);
  });
  it('send_at waits for its time, and cancel_push stops it; an unknown uid is 104', async () => {
    // Web Push, whose mock checks VAPID tokens on the server's clock: FCM's and APNs' mocks check
    // their tokens against real time, which the jump ahead would put an hour behind.
    const kept = backend.rig.webpush.createSubscription();
    const dropped = backend.rig.webpush.createSubscription();
    const at = Math.floor((clock.now() + 3_600_000) / 1000);
    const send = (sub: unknown) => result('send_push_notification', { recipient: { webpush_tokens: [JSON.stringify(sub)] }, notification: { webpush: { payload: { title: 'later' } } }, send_at: at });
    const keptUid = (await send(kept)).uid;
    const droppedUid = (await send(dropped)).uid;
    assert.equal((await backend.rig.call('GET', `/v1/push/${keptUid}`)).json.state, 'scheduled');
    assert.deepEqual(await result('cancel_push', { uid: droppedUid }), {});
    clock.advance(3_700_000);
    try {
      assert.equal((await settled(keptUid)).counts.sent, 1);
      assert.ok(backend.rig.webpush.messages.some((m) => m.subscription === kept.id), 'the scheduled push went out once due');
      assert.equal((await backend.rig.call('GET', `/v1/push/${droppedUid}`)).json.state, 'cancelled');
      assert.ok(!backend.rig.webpush.messages.some((m) => m.subscription === dropped.id), 'the cancelled one never did');
    } finally {
      clock.advance(-3_700_000);
    }

    const unknown = await api('cancel_push', { uid: `nope-${hex().slice(0, 8)}` });
    assert.deepEqual([unknown.status, unknown.json.error.code], [200, 104]);
  });
});

describe('Centrifugo face: push methods refuse bad input by field', () => {
  const cases: Array<[string, string, unknown, number, RegExp]> = [
    ['no recipient', 'send_push_notification', { recipient: {}, notification: FCM('x') }, 107, /(?:^|: )recipient: exactly one/],
    ['two recipients', 'send_push_notification', { recipient: { fcm_tokens: ['a'], apns_tokens: ['b'] }, notification: FCM('x') }, 107, /(?:^|: )recipient: .*fcm_tokens, apns_tokens/],
    ['bad filter user', 'send_push_notification', { recipient: { filter: { users: [7] } }, notification: FCM('x') }, 107, /(?:^|: )recipient\.filter\.users\[0\]: /],
    ['bad filter topic', 'send_push_notification', { recipient: { filter: { users: ['u'], topics: ['no spaces'] } }, notification: FCM('x') }, 107, /(?:^|: )recipient\.filter\.topics\[0\]: /],
    ['bad provider', 'send_push_notification', { recipient: { filter: { providers: ['sms'] } }, notification: FCM('x') }, 107, /(?:^|: )recipient\.filter\.providers\[0\]: /],
    ['no notification', 'send_push_notification', { recipient: { fcm_tokens: ['a'] } }, 107, /(?:^|: )notification: /],
    ['no provider payload', 'send_push_notification', { recipient: { fcm_tokens: ['a'] }, notification: {} }, 107, /(?:^|: )notification: give at least one/],
    ['expired already', 'send_push_notification', { recipient: { fcm_tokens: ['a'] }, notification: { ...FCM('x'), expire_at: 1_000_000_000 } }, 107, /(?:^|: )notification\.expire_at: /],
    ['bad webpush token', 'send_push_notification', { recipient: { webpush_tokens: ['{not json'] }, notification: { webpush: { payload: '{}' } } }, 107, /(?:^|: )recipient\.webpush_tokens\[0\]: /],
    ['bad webpush header', 'send_push_notification', { recipient: { fcm_tokens: ['a'] }, notification: { webpush: { headers: { 'X-Extra': '1' }, payload: '{}' } } }, 107, /(?:^|: )notification\.webpush\.headers\.X-Extra: /],
    ['bad uid', 'send_push_notification', { uid: 'has space', recipient: { fcm_tokens: ['a'] }, notification: FCM('x') }, 107, /(?:^|: )uid: /],
    ['send_at as text', 'send_push_notification', { send_at: 'tomorrow', recipient: { fcm_tokens: ['a'] }, notification: FCM('x') }, 107, /(?:^|: )send_at: /],
    ['bad fcm_topic', 'send_push_notification', { recipient: { fcm_topic: '/topics/news' }, notification: FCM('x') }, 107, /(?:^|: )recipient\.fcm_topic: /],
    ['bad hms_condition', 'send_push_notification', { recipient: { hms_condition: "'a' in topics ||" }, notification: FCM('x') }, 107, /(?:^|: )recipient\.hms_condition: /],
    ['rate limits without a policy', 'send_push_notification', { recipient: { fcm_tokens: ['a'] }, notification: FCM('x'), limit_strategy: { rate_limit: { policies: [] } } }, 107, /(?:^|: )limit_strategy\.rate_limit\.policies/],
    ['cancel without uid', 'cancel_push', {}, 107, /(?:^|: )uid: /],
    ['bad status', 'update_push_status', { analytics_uid: 'a', status: 'opened', device_id: `dev_${'A'.repeat(16)}` }, 107, /(?:^|: )status: /],
    ['bad device id', 'update_push_status', { analytics_uid: 'a', status: 'delivered', device_id: 'phone' }, 107, /(?:^|: )device_id: /],
  ];
  for (const [name, method, body, code, message] of cases) {
    it(`${name}: ${code} in the body by default, and as the HTTP status in transport mode`, async () => {
      const plain = await api(method, body);
      assert.equal(plain.status, 200);
      assert.equal(plain.json.error.code, code, JSON.stringify(plain.json));
      assert.match(plain.json.error.message, message);
      const transport = await api(method, body, { 'X-API-Key': backend.key, 'X-Centrifugo-Error-Mode': 'transport' });
      assert.equal(transport.status, 400);
      assert.deepEqual(transport.json, plain.json.error);
    });
  }

  it('sending and cancelling need push:send (103 without it, 401 code 101 without a backend.key)', async () => {
    const devicesOnly = (await backend.rig.key(['devices:read', 'devices:write'])).slice('Bearer '.length);
    const send = { recipient: { fcm_tokens: [fcmToken()] }, notification: FCM('x') };
    assert.equal((await api('send_push_notification', send, { 'X-API-Key': devicesOnly })).json.error.code, 103);
    assert.equal((await api('cancel_push', { uid: 'x' }, { 'X-API-Key': devicesOnly })).json.error.code, 103);
    const none = await api('send_push_notification', send, {});
    assert.deepEqual([none.status, none.json.error.code], [401, 101]);
    const transport = await api('cancel_push', { uid: 'nope-at-all' }, { 'X-API-Key': backend.key, 'X-Centrifugo-Error-Mode': 'transport' });
    assert.deepEqual([transport.status, transport.json.code], [404, 104]);
  });
});
