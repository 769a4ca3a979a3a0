import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { eventually } from '../helpers/push-rig.js';
import { centrifugoBackend } from '../helpers/centrifugo-client.js';

/** FCM and HMS topic and condition sends, on the Centrifugo face and on /v1/push, down to what the mocks received. */

const backend = centrifugoBackend(['push:send', 'push:read']);
const { api, result } = backend;
const tag = () => randomBytes(5).toString('hex');

/** The push once nothing is left to send, and its deliveries as /v1 lists them. */
async function settled(id: string): Promise<{ view: any; deliveries: any[] }> {
  let view: any;
  await eventually(`push ${id} done`, async () => {
    view = (await backend.rig.call('GET', `/v1/push/${id}`)).json;
    return view.state === 'done';
  });
  const deliveries = (await backend.rig.call('GET', `/v1/push/${id}/deliveries`)).json.deliveries as any[];
  return { view, deliveries };
}

const FCM = (title: string) => ({ fcm: { message: { notification: { title } } } });
const HMS = (title: string) => ({ hms: { message: { android: { notification: { title, body: 'b', click_action: { type: 3 } } } } } });
const hmsTitle = (body: Record<string, unknown>) => ((body.message as any)?.android?.notification?.title as string | undefined);

describe('Centrifugo face: send_push_notification to provider topics and conditions', () => {
  it('fcm_topic and fcm_condition: one FCM message each, with topic or condition and no token', async () => {
    const name = `news-${tag()}`;
    const title = `t-${tag()}`;
    const { uid } = await result('send_push_notification', { recipient: { fcm_topic: name }, notification: FCM(title) });
    const { view, deliveries } = await settled(uid);
    assert.equal(view.targets, 1);
    assert.equal(view.counts.sent, 1);
    const sent = backend.rig.fcm.requests.filter((r) => (r.message?.notification as any)?.title === title);
    assert.equal(sent.length, 1, 'one message for the whole topic');
    assert.equal(sent[0]!.message!.topic, name);
    assert.equal(sent[0]!.message!.token, undefined);
    assert.equal(deliveries.length, 1);
    assert.equal(deliveries[0].topic, name);
    assert.equal(deliveries[0].token, undefined);
    assert.equal(deliveries[0].provider, 'fcm');
    assert.match(deliveries[0].provider_id, /^projects\/herald-test\/messages\//);

    const condition = `'${name}' in topics && !('muted-${tag()}' in topics)`;
    const second = await result('send_push_notification', { recipient: { fcm_condition: condition }, notification: FCM(`${title}-c`) });
    const c = await settled(second.uid);
    assert.equal(c.view.counts.sent, 1);
    const got = backend.rig.fcm.requests.find((r) => (r.message?.notification as any)?.title === `${title}-c`);
    assert.equal(got?.message?.condition, condition);
    assert.equal(got?.message?.token, undefined);
    assert.equal(c.deliveries[0].condition, condition);
  });

  it('hms_topic and hms_condition: one Push Kit request each, with topic or condition and no token list', async () => {
    const name = `weather-${tag()}`;
    const title = `h-${tag()}`;
    const { uid } = await result('send_push_notification', { recipient: { hms_topic: name }, notification: HMS(title) });
    const { view, deliveries } = await settled(uid);
    assert.equal(view.counts.sent, 1);
    const sent = backend.rig.hms.requests.filter((r) => hmsTitle(r.body) === title);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.topic, name);
    assert.equal((sent[0]!.body.message as any).token, undefined);
    assert.equal(deliveries[0].topic, name);

    const condition = `'${name}' in topics || 'alerts' in topics`;
    const second = await result('send_push_notification', { recipient: { hms_condition: condition }, notification: HMS(`${title}-c`) });
    assert.equal((await settled(second.uid)).view.counts.sent, 1);
    assert.equal(backend.rig.hms.requests.find((r) => hmsTitle(r.body) === `${title}-c`)?.condition, condition);
  });

  it('FCM refusing a topic send fails the delivery with its reason; nothing is pruned and nothing retried', async () => {
    const name = `gone-${tag()}`;
    backend.rig.fcm.script(name, { error: 'UNREGISTERED' });
    const { uid } = await result('send_push_notification', { recipient: { fcm_topic: name }, notification: FCM('x') });
    const { view, deliveries } = await settled(uid);
    assert.equal(view.counts.failed, 1);
    assert.equal(view.counts.invalid_token, 0, 'a topic has no device token to invalidate');
    assert.equal(deliveries[0].state, 'failed');
    assert.equal(deliveries[0].last_status, 404);
    assert.equal(deliveries[0].last_error, 'UNREGISTERED');
    assert.equal(deliveries[0].attempts, 1);
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['fcm topic with the legacy prefix', { fcm_topic: '/topics/news' }, /^(?:.*: )?recipient\.fcm_topic: .*\/topics\//],
    ['fcm topic with a space', { fcm_topic: 'two words' }, /recipient\.fcm_topic: /],
    ['fcm condition unfinished', { fcm_condition: "'a' in topics &&" }, /recipient\.fcm_condition: /],
    ['fcm condition over six topics', { fcm_condition: ['a', 'b', 'c', 'd', 'e', 'f'].map((t) => `'${t}' in topics`).join(' || ') }, /recipient\.fcm_condition: .*at most 5/],
    ['hms topic with a slash', { hms_topic: 'a/b' }, /recipient\.hms_topic: /],
    ['hms condition without in topics', { hms_condition: "'a'" }, /recipient\.hms_condition: /],
    ['topic not a string', { fcm_topic: 7 }, /recipient\.fcm_topic/],
  ];
  for (const [name, recipient, message] of bad) {
    it(`${name}: 107 naming the field, and nothing sent`, async () => {
      const before = backend.rig.fcm.requests.length + backend.rig.hms.requests.length;
      const res = await api('send_push_notification', { recipient, notification: { ...FCM('x'), ...HMS('x') } });
      assert.equal(res.status, 200);
      assert.equal(res.json.error.code, 107, JSON.stringify(res.json));
      assert.match(res.json.error.message, message);
      assert.equal(backend.rig.fcm.requests.length + backend.rig.hms.requests.length, before);
    });
  }
});

describe('/v1/push: to.provider_topics', () => {
  it('topics and conditions of both providers beside raw tokens, one delivery each, listed with their topic or condition', async () => {
    const t = tag();
    const token = `fcm-${randomBytes(20).toString('base64url')}`;
    const res = await backend.rig.call('POST', '/v1/push', {
      to: {
        tokens: [{ provider: 'fcm', token }],
        provider_topics: [
          { provider: 'fcm', topic: `sports-${t}` },
          { provider: 'fcm', app: 'default', condition: `'sports-${t}' in topics && 'eu' in topics` },
          { provider: 'hms', topic: `sports-${t}` },
          { provider: 'fcm', topic: `sports-${t}` },
        ],
      },
      notification: { title: `v1-${t}`, body: 'goal' },
    });
    assert.equal(res.status, 202, JSON.stringify(res.json));
    assert.equal(res.json.targets, 4, 'the repeated topic is one delivery');
    const { view, deliveries } = await settled(res.json.id);
    assert.equal(view.counts.sent, 4);
    const fcmSent = backend.rig.fcm.requests.filter((r) => (r.message?.notification as any)?.title === `v1-${t}`);
    assert.deepEqual(fcmSent.map((r) => r.message!.topic ?? r.message!.condition ?? r.message!.token).sort(),
      [`'sports-${t}' in topics && 'eu' in topics`, `sports-${t}`, token].sort());
    assert.equal(backend.rig.hms.requests.filter((r) => r.topic === `sports-${t}`).length, 1);
    assert.deepEqual(deliveries.map((d) => [d.provider, d.topic ?? null, d.condition ?? null, d.token ?? null]).sort(), [
      ['fcm', null, `'sports-${t}' in topics && 'eu' in topics`, null],
      ['fcm', null, null, token],
      ['fcm', `sports-${t}`, null, null],
      ['hms', `sports-${t}`, null, null],
    ].sort());
  });

  const bad: [string, unknown, RegExp][] = [
    ['both topic and condition', { provider: 'fcm', topic: 'a', condition: "'a' in topics" }, /to\.provider_topics\[0\]: give exactly one/],
    ['neither', { provider: 'fcm' }, /to\.provider_topics\[0\]: give exactly one/],
    ['a malformed topic', { provider: 'fcm', topic: 'bad topic' }, /to\.provider_topics\[0\]\.topic: /],
    ['a malformed condition', { provider: 'hms', condition: "('a' in topics" }, /to\.provider_topics\[0\]\.condition: /],
    ['an app not configured', { provider: 'fcm', app: 'other', topic: 'a' }, /other/],
    ['apns has no provider topics', { provider: 'apns', topic: 'a' }, /provider/],
  ];
  for (const [name, entry, message] of bad) {
    it(`${name}: 400 naming the entry`, async () => {
      const res = await backend.rig.call('POST', '/v1/push', { to: { provider_topics: [entry] }, notification: { title: 'x' } });
      assert.equal(res.status, 400, JSON.stringify(res.json));
      assert.match(JSON.stringify(res.json), message);
    });
  }
});
