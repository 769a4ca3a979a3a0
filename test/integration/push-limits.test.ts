import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { eventually, startPushRig, type PushRig } from '../helpers/push-rig.js';

let rig: PushRig;
before(async () => (rig = await startPushRig({ 'queue-lag-limit': '300ms', 'push-concurrency': '1', 'subscriber-request-limit-burst': '3', 'subscriber-request-limit-replenish': '1m', 'enable-metrics': 'true' })));
after(() => rig.close());

const fcmDevice = async (user?: string) => (await rig.call('POST', '/v1/devices', { provider: 'fcm', token: `fcm-${randomBytes(16).toString('hex')}`, ...(user ? { user } : {}) })).json as { id: string };

describe('abuse protection on the push API', () => {
  it('sheds normal and low pushes with 503 and Retry-After while the queue lags; high ones are still taken', async () => {
    rig.fcm.delayMs = 4000;
    try {
      // One delivery at a time against a provider taking 4 s each: the rest wait, and the lag grows.
      const devices = await Promise.all([fcmDevice(), fcmDevice(), fcmDevice(), fcmDevice()]);
      for (const d of devices) assert.equal((await rig.call('POST', '/v1/push', { to: { devices: [d.id] }, notification: { title: 'slow' } })).status, 202);
      let shed: Awaited<ReturnType<PushRig['call']>> | undefined;
      await eventually('load shedding to start', async () => {
        shed = await rig.call('POST', '/v1/push', { to: { devices: [devices[0]!.id] }, notification: { title: 'more' } });
        return shed.status === 503;
      });
      assert.equal(shed!.json.code, 50302);
      assert.ok(Number(shed!.headers.get('retry-after')) >= 1, 'Retry-After says when to come back');
      assert.equal((await rig.call('POST', '/v1/push', { to: { devices: [devices[0]!.id] }, notification: { title: 'later' }, priority: 'low' })).status, 503);
      const high = await rig.call('POST', '/v1/push', { to: { devices: [devices[0]!.id] }, notification: { title: 'urgent' }, priority: 'high' });
      assert.equal(high.status, 202, 'high priority is still accepted');
      const text = await (await fetch(`${rig.server.url}/metrics`)).text();
      assert.ok(Number(/^herald_queue_lag_seconds (\S+)/m.exec(text)?.[1]) > 0.3, 'the lag is exported');
    } finally {
      rig.fcm.delayMs = 0;
    }
  });

  it('limits each subscriber on subscriber-token routes, with 429 and Retry-After', async () => {
    const user = `u-${randomBytes(4).toString('hex')}`;
    const dev = (await rig.call('POST', '/v1/devices', { provider: 'apns', token: randomBytes(32).toString('hex'), user })).json as { id: string };
    const sent = await rig.call('POST', '/v1/push', { to: { devices: [dev.id] }, notification: { title: 'x' }, priority: 'high' });
    await eventually('sent', async () => (await rig.call('GET', `/v1/push/${sent.json.id}`)).json.counts.sent === 1);
    const { json: tok } = await rig.call('POST', '/v1/subscriber-tokens', { subscriber: user });
    const report = () => rig.call('POST', `/v1/push/${sent.json.id}/status`, { device: dev.id, status: 'delivered' }, `Bearer ${tok.token}`, { 'X-Herald-Subscriber': user });
    for (let i = 0; i < 3; i++) assert.equal((await report()).status, 200);
    const limited = await report();
    assert.equal(limited.status, 429);
    assert.equal(limited.json.code, 42901);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    // Another subscriber has a bucket of its own.
    const other = `u-${randomBytes(4).toString('hex')}`;
    const { json: otherTok } = await rig.call('POST', '/v1/subscriber-tokens', { subscriber: other });
    const res = await rig.call('POST', `/v1/push/${sent.json.id}/status`, { device: dev.id, status: 'delivered' }, `Bearer ${otherTok.token}`, { 'X-Herald-Subscriber': other });
    assert.equal(res.status, 403, 'not rate limited, but the device is not this subscriber\'s');
  });
});
