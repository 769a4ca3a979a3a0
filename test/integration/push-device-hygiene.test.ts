import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHeraldDatabase } from '../../src/adapters/sqlite/herald-db/open-herald-db.js';
import { eventually, startPushRig, type PushRig } from '../helpers/push-rig.js';
import { ManualClock } from '../helpers/manual-clock.js';

// Issue 11, item 15: devices marked invalid were never removed, and deliveries to raw tokens
// showed only tok_<hash>, so a team with its own token store could not tell which token died.

const DAY = 86_400_000;

describe('devices whose token died are removed after device-invalid-retention', () => {
  const clock = new ManualClock(Date.now());
  let rig: PushRig;
  // The manager pass runs often; what it prunes depends only on the manual clock.
  before(async () => (rig = await startPushRig({ 'manager-interval': '50ms', 'device-invalid-retention': '30d', 'api-key-request-limit-burst': '100000' }, { clock })));
  after(async () => rig.close());

  /** A browser subscription the push service has since dropped (it answers 410 Gone). */
  async function deadBrowser(): Promise<string> {
    const sub = rig.webpush.createSubscription();
    rig.webpush.unsubscribe(sub.id);
    const res = await rig.call('POST', '/v1/devices', { provider: 'webpush', token: { endpoint: sub.endpoint, keys: sub.keys } });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    const id = res.json.id as string;
    await rig.call('POST', '/v1/push', { to: { devices: [id] }, notification: { title: 'Hi' } });
    await eventually('the device to be marked invalid', async () => (await rig.call('GET', `/v1/devices/${id}`)).json.state === 'invalid');
    return id;
  }

  const status = async (id: string) => (await rig.call('GET', `/v1/devices/${id}`)).status;

  it('keeps an invalid device for the retention, then removes it; each on its own time', async () => {
    const older = await deadBrowser();
    clock.advance(20 * DAY);
    const newer = await deadBrowser();

    clock.advance(11 * DAY);
    await eventually('the device invalid for 31 days to be removed', async () => (await status(older)) === 404);
    assert.equal(await status(newer), 200, 'the one invalid for 11 days stays (same pass)');

    clock.advance(20 * DAY);
    await eventually('the second one to go 30 days after it died', async () => (await status(newer)) === 404);
  });

  it('an active device is never pruned, however old', async () => {
    const res = await rig.call('POST', '/v1/devices', { provider: 'apns', token: randomBytes(32).toString('hex') });
    clock.advance(400 * DAY);
    // A device that dies now is pruned in its turn; the active one must still be there after that pass.
    const dying = await deadBrowser();
    clock.advance(31 * DAY);
    await eventually('the newly dead device to be removed', async () => (await status(dying)) === 404);
    assert.equal(await status(res.json.id), 200);
  });
});

describe('DeviceStore.pruneInvalid', () => {
  it('removes invalid devices last changed before the cutoff, with their topics, and nothing else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-prune-'));
    const db = await openHeraldDatabase({ file: join(dir, 'herald.db') });
    try {
      const reg = async (now: number) => (await db.devices.register({ app: 'default', provider: 'apns', platform: 'ios', token: randomBytes(32).toString('hex'), topics: ['news'] }, now)).device.id;
      const old = await reg(1000);
      const recent = await reg(1000);
      const active = await reg(1000);
      await db.devices.markInvalid(old, 'Unregistered', 2000);
      await db.devices.markInvalid(recent, 'Unregistered', 5000);
      assert.equal(await db.devices.pruneInvalid(3000), 1);
      assert.equal(await db.devices.byId(old), undefined);
      assert.ok(await db.devices.byId(recent));
      assert.ok(await db.devices.byId(active));
      const page = await db.devices.pageAudience({ kind: 'topic', topic: 'news' }, { limit: 10 });
      assert.deepEqual(page.members.map((m) => m.id).sort(), [active].sort(), 'the pruned device left no topic behind (and invalid ones are no audience)');
      assert.equal(await db.devices.pruneInvalid(3000), 0);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('deliveries to raw tokens name the token', () => {
  let rig: PushRig;
  before(async () => (rig = await startPushRig({ 'api-key-request-limit-burst': '100000' })));
  after(async () => rig.close());

  it('GET /v1/push/{id}/deliveries gives back the token or subscription the caller sent; device deliveries stay by id', async () => {
    const apnsToken = randomBytes(32).toString('hex');
    const sub = rig.webpush.createSubscription();
    const device = (await rig.call('POST', '/v1/devices', { provider: 'apns', token: randomBytes(32).toString('hex') })).json;
    const sent = await rig.call('POST', '/v1/push', {
      to: { devices: [device.id], tokens: [{ provider: 'apns', token: apnsToken }, { provider: 'webpush', token: { endpoint: sub.endpoint, keys: sub.keys } }] },
      notification: { title: 'Hi' },
    });
    assert.equal(sent.status, 202);
    const reader = await rig.key(['push:read']);
    const list = (await rig.call('GET', `/v1/push/${sent.json.id}/deliveries`, undefined, reader)).json.deliveries as any[];
    assert.equal(list.length, 3);
    const byProvider = (p: string, raw: boolean) => list.find((d) => d.provider === p && (d.device === undefined) === raw);
    assert.equal(byProvider('apns', true).token, apnsToken);
    assert.deepEqual(byProvider('webpush', true).token, { endpoint: sub.endpoint, keys: sub.keys });
    const dev = byProvider('apns', false);
    assert.equal(dev.device, device.id);
    assert.equal(dev.token, undefined, 'a registered device is named by its id');
  });
});
