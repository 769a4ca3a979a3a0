import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startPushRig, type PushRig } from '../helpers/push-rig.js';

/**
 * A key limited to categories sees and cancels only notifications and pushes in them. Outside its
 * categories a notification or push is answered 404, as if it did not exist, so a limited key
 * cannot even learn which ids are in use; routes that mix every category (push stats, dead
 * letters) refuse such keys with 403 40305.
 */
let rig: PushRig;
const fcmToken = () => `fcm-${randomBytes(24).toString('base64url')}`;
const inAMinute = () => new Date(Date.now() + 60_000).toISOString();

before(async () => {
  rig = await startPushRig({ 'api-key-request-limit-burst': '100000' });
  for (const category of ['orders', 'banking']) {
    assert.equal((await rig.call('PUT', `/v1/categories/${category}`, { channels: ['inapp'] })).status, 200);
    const put = await rig.call('PUT', `/v1/templates/${category}-note`, { category, channels: { inapp: { title: category, body: 'a {{ category }} note' } } });
    assert.equal(put.status, 201, JSON.stringify(put.json));
  }
});
after(() => rig.close());

async function subscriber(): Promise<string> {
  const id = `scoped-${randomBytes(5).toString('hex')}`;
  assert.equal((await rig.call('PUT', `/v1/subscribers/${id}`, {})).status, 201);
  return id;
}

/** A scheduled notification, so that there is still something to cancel. */
async function notification(category: string, to: string, auth = rig.admin): Promise<string> {
  const res = await rig.call('POST', '/v1/notify', { template: `${category}-note`, to: { subscribers: [to] }, send_at: inAMinute() }, auth);
  assert.equal(res.status, 202, JSON.stringify(res.json));
  return res.json.id as string;
}

/** A scheduled push to one fresh device. */
async function push(category: string | undefined, auth = rig.admin): Promise<string> {
  const device = await rig.call('POST', '/v1/devices', { provider: 'fcm', token: fcmToken() });
  assert.equal(device.status, 201, JSON.stringify(device.json));
  const res = await rig.call('POST', '/v1/push', {
    to: { devices: [device.json.id] }, notification: { title: 'hello' }, send_at: inAMinute(), ...(category ? { category } : {}),
  }, auth);
  assert.equal(res.status, 202, JSON.stringify(res.json));
  return res.json.id as string;
}

function assertNotFound(res: { status: number; json: any }, code: number, what: string): void {
  assert.equal(res.status, 404, `${what}: ${JSON.stringify(res.json)}`);
  assert.equal(res.json.code, code, what);
}

describe('notifications outside a key\'s categories', () => {
  it('a notify key limited to orders can neither read nor cancel a banking notification', async () => {
    const to = await subscriber();
    const banking = await notification('banking', to);
    const orders = (await rig.key(['notify:send', 'notify:read'], ['orders']));
    assertNotFound(await rig.call('GET', `/v1/notify/${banking}`, undefined, orders), 40409, 'read');
    assertNotFound(await rig.call('DELETE', `/v1/notify/${banking}`, undefined, orders), 40409, 'cancel');
    const still = await rig.call('GET', `/v1/notify/${banking}`);
    assert.equal(still.status, 200);
    // Scheduled notifications wait in `routing` until their send_at.
    assert.equal(still.json.state, 'routing', 'the banking notification was left alone');

    // In its own category, a notification another orders key sent is the key's business.
    const mine = await notification('orders', to, await rig.key(['notify:send'], ['orders']));
    assert.equal((await rig.call('GET', `/v1/notify/${mine}`, undefined, orders)).status, 200);
    const cancelled = await rig.call('DELETE', `/v1/notify/${mine}`, undefined, orders);
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.json));
    assert.equal((await rig.call('GET', `/v1/notify/${mine}`)).json.state, 'cancelled');

    // Keys without categories, and admins, still see everything.
    const unlimited = await rig.key(['notify:read']);
    assert.equal((await rig.call('GET', `/v1/notify/${banking}`, undefined, unlimited)).status, 200);
  });
});

describe('pushes outside a key\'s categories', () => {
  it('a push key limited to orders can neither read, list nor cancel a banking push', async () => {
    const banking = await push('banking');
    const orders = await rig.key(['push:send', 'push:read'], ['orders']);
    assertNotFound(await rig.call('GET', `/v1/push/${banking}`, undefined, orders), 40405, 'read');
    assertNotFound(await rig.call('GET', `/v1/push/${banking}/deliveries`, undefined, orders), 40405, 'deliveries');
    assertNotFound(await rig.call('DELETE', `/v1/push/${banking}`, undefined, orders), 40405, 'cancel');
    const still = await rig.call('GET', `/v1/push/${banking}`);
    assert.equal(still.json.state, 'scheduled', 'the banking push was left alone');

    // A push sent without a category is in none of the key's categories either.
    const uncategorised = await push(undefined);
    assertNotFound(await rig.call('GET', `/v1/push/${uncategorised}`, undefined, orders), 40405, 'no category');

    // A push:read key reads only its categories; in them, also what other keys sent.
    const reader = await rig.key(['push:read'], ['orders']);
    const ordersPush = await push('orders', await rig.key(['push:send'], ['orders']));
    assert.equal((await rig.call('GET', `/v1/push/${ordersPush}`, undefined, reader)).status, 200);
    assertNotFound(await rig.call('GET', `/v1/push/${banking}`, undefined, reader), 40405, 'push:read limited to orders');
    const cancelled = await rig.call('DELETE', `/v1/push/${ordersPush}`, undefined, orders);
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.json));
    assert.equal((await rig.call('GET', `/v1/push/${ordersPush}`)).json.state, 'cancelled');

    const unlimited = await rig.key(['push:read']);
    assert.equal((await rig.call('GET', `/v1/push/${banking}`, undefined, unlimited)).status, 200);
  });

  it('push stats and dead letters, which mix every category, refuse keys limited to some', async () => {
    const limited = await rig.key(['stats:read', 'dlq:read', 'dlq:write'], ['orders']);
    for (const [method, path, body] of [
      ['GET', '/v1/push/stats', undefined],
      ['GET', '/v1/dlq', undefined],
      ['POST', '/v1/dlq/replay', { provider: 'fcm' }],
    ] as const) {
      const res = await rig.call(method, path, body, limited);
      assert.equal(res.status, 403, `${method} ${path}: ${JSON.stringify(res.json)}`);
      assert.equal(res.json.code, 40305, `${method} ${path}`);
    }
    const unlimited = await rig.key(['stats:read', 'dlq:read']);
    assert.equal((await rig.call('GET', '/v1/push/stats', undefined, unlimited)).status, 200);
    assert.equal((await rig.call('GET', '/v1/dlq', undefined, unlimited)).status, 200);
  });
});
