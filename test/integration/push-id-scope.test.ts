import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { eventually, startPushRig, type PushRig } from '../helpers/push-rig.js';

/**
 * Push ids are the sender's own, as notify's idempotency keys are: another key's push of the same
 * id must not turn this sender's push into a silent no-op. A repeat from the same sender sends
 * nothing and says so (`duplicate: true`), with the first push's current state.
 */
let rig: PushRig;
before(async () => (rig = await startPushRig()));
after(() => rig.close());

const fcmToken = () => `fcm-${randomBytes(24).toString('base64url')}`;

async function device(): Promise<{ id: string; token: string }> {
  const res = await rig.call('POST', '/v1/devices', { provider: 'fcm', token: fcmToken() });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  return res.json;
}

async function state(id: string, auth: string): Promise<string> {
  return (await rig.call('GET', `/v1/push/${id}`, undefined, auth)).json.state as string;
}

describe('push ids per sender', () => {
  it('another key posting the id first does not swallow the real sender\'s push', async () => {
    const id = `order-${randomBytes(4).toString('hex')}-shipped`;
    const marketing = await rig.key(['push:send', 'push:read'], ['marketing']);
    const orders = await rig.key(['push:send', 'push:read'], ['orders']);
    const squatted = await rig.call('POST', '/v1/push', { id, category: 'marketing', to: { users: ['nobody-at-all'] }, notification: { title: 'squat' } }, marketing);
    assert.equal(squatted.status, 202, JSON.stringify(squatted.json));
    assert.equal(squatted.json.targets, 0);

    const phone = await device();
    const real = await rig.call('POST', '/v1/push', { id, category: 'orders', to: { devices: [phone.id] }, notification: { title: 'Shipped' } }, orders);
    assert.equal(real.status, 202, JSON.stringify(real.json));
    assert.equal(real.json.targets, 1, 'the real push was routed');
    assert.equal(real.json.duplicate, undefined, 'it is not a repeat: the other key\'s id is not this sender\'s');
    await eventually('the phone got the push', () => rig.fcm.requests.some((r) => r.message?.token === phone.token));

    // Each sender reads its own push under the shared id.
    await eventually('the real push done', async () => (await state(id, orders)) === 'done');
    assert.equal((await rig.call('GET', `/v1/push/${id}`, undefined, orders)).json.targets, 1);
    assert.equal((await rig.call('GET', `/v1/push/${id}`, undefined, marketing)).json.targets, 0);
  });

  it('a repeat from the same sender says so and shows where the first push stands now', async () => {
    const sender = await rig.key(['push:send', 'push:read']);
    const phone = await device();
    const id = `receipt-${randomBytes(4).toString('hex')}`;
    const first = await rig.call('POST', '/v1/push', { id, to: { devices: [phone.id] }, notification: { title: 'once' } }, sender);
    assert.equal(first.status, 202);
    assert.equal(first.json.duplicate, undefined);
    await eventually('the first push done', async () => (await state(id, sender)) === 'done');

    const again = await rig.call('POST', '/v1/push', { id, to: { devices: [phone.id] }, notification: { title: 'twice' } }, sender);
    assert.equal(again.status, 202, JSON.stringify(again.json));
    assert.deepEqual(again.json, { id, state: 'done', targets: 1, duplicate: true });
    assert.equal(rig.fcm.requests.filter((r) => r.message?.token === phone.token).length, 1, 'sent once');

    // A cancelled scheduled push: the repeat shows `cancelled`, not `scheduled`.
    const later = `later-${randomBytes(4).toString('hex')}`;
    const body = { id: later, to: { devices: [phone.id] }, notification: { title: 'later' }, send_at: new Date(Date.now() + 60_000).toISOString() };
    assert.equal((await rig.call('POST', '/v1/push', body, sender)).json.state, 'scheduled');
    assert.equal((await rig.call('DELETE', `/v1/push/${later}`, undefined, sender)).status, 200);
    const repeat = await rig.call('POST', '/v1/push', body, sender);
    assert.deepEqual({ state: repeat.json.state, duplicate: repeat.json.duplicate }, { state: 'cancelled', duplicate: true });
  });
});
