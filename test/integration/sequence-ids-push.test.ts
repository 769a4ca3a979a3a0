import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { eventually, startPushRig, type PushRig } from '../helpers/push-rig.js';
import { randomTopic } from '../helpers/server.js';

/**
 * Sequence IDs (ntfy 2.16) carried to pushes: every push of one sequence has the same collapse
 * key, so the push service replaces a pending one (RFC 8030 `Topic`, `apns-collapse-id`, FCM's
 * collapse key), and clear/delete reach browsers and phones as data the client acts on.
 */

let rig: PushRig;
before(async () => (rig = await startPushRig()));
after(() => rig.close());

const TOPIC_HEADER = /^[A-Za-z0-9_-]{1,32}$/;

async function browserOn(topic: string) {
  const sub = rig.webpush.createSubscription({ applicationServerKey: rig.vapidPublicKey });
  const res = await rig.call('POST', '/v1/webpush', { endpoint: sub.endpoint, auth: sub.keys.auth, p256dh: sub.keys.p256dh, topics: [topic] }, '');
  assert.equal(res.status, 200, JSON.stringify(res.json));
  return sub;
}

async function pushesTo(id: string, n: number) {
  await eventually(`${n} pushes to the browser`, () => rig.webpush.messages.filter((m) => m.subscription === id).length >= n);
  return rig.webpush.messages.filter((m) => m.subscription === id).map((m) => ({ topic: m.topic, payload: JSON.parse(m.plaintext.toString('utf8')) as Record<string, any> }));
}

describe('sequence IDs on Web Push and the push bridge', () => {
  it('Web Push: one Topic header per sequence (≤32 base64url), the update and the clear/delete events share it', async () => {
    const topic = randomTopic('wp');
    const sub = await browserOn(topic);
    const post = (path: string, method = 'POST', body?: string, headers: Record<string, string> = {}) => fetch(`${rig.server.url}${path}`, { method, body, headers });
    // A sequence ID too long for a Topic header, and one with characters a header would not take as is.
    const long = 'build-' + 'x'.repeat(58);
    assert.equal((await post(`/${topic}`, 'POST', 'Build started', { 'X-Sequence-ID': long })).status, 200);
    assert.equal((await post(`/${topic}/${long}`, 'PUT', 'Build finished')).status, 200);
    assert.equal((await post(`/${topic}/other`, 'POST', 'Another')).status, 200);
    assert.equal((await post(`/${topic}/${long}/clear`, 'PUT')).status, 200);
    assert.equal((await post(`/${topic}/${long}`, 'DELETE')).status, 200);
    const got = await pushesTo(sub.id, 5);

    // The queue sends concurrently, so pushes may arrive in any order: pick them by what they carry.
    for (const p of got) assert.match(String(p.topic), TOPIC_HEADER);
    const ofLong = got.filter((p) => p.payload.message.sequence_id === long);
    const other = got.filter((p) => p.payload.message.sequence_id === 'other');
    assert.equal(ofLong.length, 4);
    assert.equal(other.length, 1);
    assert.equal(new Set(ofLong.map((p) => p.topic)).size, 1, 'the whole sequence shares one Topic');
    assert.notEqual(other[0]!.topic, ofLong[0]!.topic, 'another sequence has its own');

    assert.deepEqual(ofLong.map((p) => p.payload.event).sort(), ['message', 'message', 'message_clear', 'message_delete']);
    assert.ok(ofLong.some((p) => p.payload.event === 'message' && p.payload.message.message === 'Build finished'), 'the update carries its text');
    const deleted = ofLong.find((p) => p.payload.event === 'message_delete')!;
    assert.equal(deleted.payload.message.event, 'message_delete');
    assert.equal(deleted.payload.title, undefined, 'a delete shows nothing');
  });

  it('APNs and FCM devices subscribed to the topic get the same collapse key for the whole sequence', async () => {
    const topic = randomTopic('dv');
    const apnsToken = randomBytes(32).toString('hex');
    const fcmToken = `fcm-${randomBytes(24).toString('base64url')}`;
    for (const body of [{ provider: 'apns', token: apnsToken, topics: [topic] }, { provider: 'fcm', token: fcmToken, topics: [topic] }]) {
      const res = await rig.call('POST', '/v1/devices', body);
      assert.ok(res.status === 200 || res.status === 201, JSON.stringify(res.json));
    }
    const apnsBefore = rig.apns.requests.length;
    const fcmBefore = rig.fcm.requests.length;
    await fetch(`${rig.server.url}/${topic}/door`, { method: 'POST', body: 'Door open' });
    await fetch(`${rig.server.url}/${topic}/door`, { method: 'POST', body: 'Door closed' });
    await fetch(`${rig.server.url}/${topic}/door`, { method: 'DELETE' });
    const apns = () => rig.apns.requests.slice(apnsBefore).filter((r) => r.token === apnsToken);
    const fcm = () => rig.fcm.requests.slice(fcmBefore).filter((r) => JSON.stringify(r.message).includes(fcmToken));
    await eventually('three pushes to each device', () => apns().length >= 3 && fcm().length >= 3);

    const collapseIds = apns().map((r) => r.headers['apns-collapse-id']);
    assert.equal(new Set(collapseIds).size, 1);
    assert.match(String(collapseIds[0]), TOPIC_HEADER);
    // Sends run concurrently: the delete is the request that carries it, wherever it arrived.
    const deleteRequest = apns().find((r) => r.body.includes('message_delete'));
    assert.ok(deleteRequest, 'the delete reached the device');
    const deleteApns = JSON.parse(deleteRequest.body) as { aps: Record<string, unknown>; [k: string]: unknown };
    assert.equal(deleteApns.aps.alert, undefined, 'the delete is a background push');
    assert.equal(deleteRequest.headers['apns-push-type'], 'background');

    const fcmKeys = fcm().map((r) => (r.message as { android?: { collapse_key?: string } }).android?.collapse_key);
    assert.deepEqual(fcmKeys, [collapseIds[0], collapseIds[0], collapseIds[0]], 'FCM uses the same key');
  });
});
