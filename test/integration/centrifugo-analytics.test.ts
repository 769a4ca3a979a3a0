import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { eventually } from '../helpers/push-rig.js';
import { centrifugoBackend, centrifugoUser } from '../helpers/centrifugo-client.js';

const hex = () => randomBytes(32).toString('hex');
const tag = (prefix: string) => `${prefix}-${hex().slice(0, 10)}`;

const backend = centrifugoBackend(['devices:read', 'devices:write', 'push:send', 'push:read']);
const { api, result } = backend;

const APNS = { apns: { payload: { aps: { alert: { title: 'measure me' } } } } };

async function device(): Promise<string> {
  return (await result('device_register', { provider: 'apns', token: hex(), platform: 'ios', user: centrifugoUser() })).id;
}

/** The push as /v1 sees it once every delivery has its outcome. */
async function settled(id: string): Promise<any> {
  let view: any;
  await eventually(`push ${id} done`, async () => {
    view = (await backend.rig.call('GET', `/v1/push/${id}`)).json;
    return view.state === 'done';
  });
  return view;
}

const counts = async (id: string) => {
  const view = (await backend.rig.call('GET', `/v1/push/${id}`)).json;
  return [view.counts.sent, view.counts.delivered, view.counts.interacted];
};

describe('Centrifugo face: analytics_uid apart from uid', () => {
  it('a status reported under the analytics_uid counts in the push named by uid, as /v1 reports do', async () => {
    const dev = await device();
    const uid = tag('order');
    const analytics = tag('campaign');
    const sent = await result('send_push_notification', { uid, analytics_uid: analytics, recipient: { filter: { ids: [dev] } }, notification: APNS });
    assert.equal(sent.uid, uid, 'the uid names the push, not the analytics_uid');
    assert.equal((await settled(uid)).counts.sent, 1);
    assert.equal((await backend.rig.call('GET', `/v1/push/${analytics}`)).status, 404, 'the analytics id is no push id');

    assert.deepEqual(await result('update_push_status', { analytics_uid: analytics, status: 'delivered', device_id: dev, msg_id: 'provider-msg-1' }), {});
    assert.deepEqual(await counts(uid), [1, 1, 0]);
    assert.deepEqual(await result('update_push_status', { analytics_uid: analytics, status: 'interacted', device_id: dev }), {});
    assert.deepEqual(await counts(uid), [1, 1, 1]);
    const deliveries = (await backend.rig.call('GET', `/v1/push/${uid}/deliveries`)).json.deliveries;
    assert.deepEqual(deliveries.map((d: any) => [d.device, d.state]), [[dev, 'interacted']]);
    // A report of the same device under the push id is the same delivery: nothing new to count.
    assert.equal((await backend.rig.call('POST', `/v1/push/${uid}/status`, { device: dev, status: 'delivered' })).status < 300, true);
    assert.deepEqual(await counts(uid), [1, 1, 1]);
  });

  it('without a push of that analytics id, the uid itself is the analytics id; a push with it comes first', async () => {
    const dev = await device();
    const plain = tag('plain');
    await result('send_push_notification', { uid: plain, recipient: { filter: { ids: [dev] } }, notification: APNS });
    await settled(plain);
    assert.deepEqual(await result('update_push_status', { analytics_uid: plain, status: 'delivered', device_id: dev }), {});
    assert.deepEqual(await counts(plain), [1, 1, 0]);

    // Another push reports under the first one's uid: reports under it now reach the other push.
    const other = tag('other');
    await result('send_push_notification', { uid: other, analytics_uid: plain, recipient: { filter: { ids: [dev] } }, notification: APNS });
    await settled(other);
    assert.deepEqual(await result('update_push_status', { analytics_uid: plain, status: 'interacted', device_id: dev }), {});
    assert.deepEqual(await counts(other), [1, 1, 1]);
    assert.deepEqual(await counts(plain), [1, 1, 0]);
  });

  it("a sender's own push under the id comes before another sender's push with that analytics_uid", async () => {
    const dev = await device();
    const mine = tag('mine');
    await result('send_push_notification', { uid: mine, recipient: { filter: { ids: [dev] } }, notification: APNS });
    const other = (await backend.rig.key(['push:send', 'push:read'])).slice('Bearer '.length);
    const theirs = tag('theirs');
    const sent = await api('send_push_notification', { uid: theirs, analytics_uid: mine, recipient: { filter: { ids: [dev] } }, notification: APNS }, { 'X-API-Key': other });
    assert.equal(sent.json.result?.uid, theirs, JSON.stringify(sent.json));
    await settled(mine);
    await settled(theirs);
    assert.deepEqual(await result('update_push_status', { analytics_uid: mine, status: 'delivered', device_id: dev }), {});
    assert.deepEqual(await counts(mine), [1, 1, 0]);
    assert.deepEqual(await counts(theirs), [1, 0, 0]);
    const byOther = await api('update_push_status', { analytics_uid: mine, status: 'delivered', device_id: dev }, { 'X-API-Key': other });
    assert.deepEqual(byOther.json, { result: {} });
    assert.deepEqual(await counts(theirs), [1, 1, 0], 'the other sender reports into its own push');
  });

  it('an unknown analytics_uid is 104, in the body by default and as a 404 in transport mode', async () => {
    const body = { analytics_uid: tag('nobody'), status: 'delivered', device_id: await device() };
    const plain = await api('update_push_status', body);
    assert.deepEqual([plain.status, plain.json.error.code], [200, 104]);
    const transport = await api('update_push_status', body, { 'X-API-Key': backend.key, 'X-Centrifugo-Error-Mode': 'transport' });
    assert.deepEqual([transport.status, transport.json.code], [404, 104]);
  });

  it('POST /v1/push takes analytics_id under the rules of id, and the face reports under it', async () => {
    const dev = await device();
    const id = tag('v1');
    const analytics = tag('v1-campaign');
    const sent = await backend.rig.call('POST', '/v1/push', { id, analytics_id: analytics, to: { devices: [dev] }, apns: APNS.apns });
    assert.equal(sent.status, 202, JSON.stringify(sent.json));
    await settled(id);
    assert.deepEqual(await result('update_push_status', { analytics_uid: analytics, status: 'delivered', device_id: dev }), {});
    assert.deepEqual(await counts(id), [1, 1, 0]);

    const bad = await backend.rig.call('POST', '/v1/push', { analytics_id: 'has space', to: { devices: [dev] }, apns: APNS.apns });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.json), /analytics_id/);
  });
});
