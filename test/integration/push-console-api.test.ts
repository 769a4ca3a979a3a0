import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { BUNDLE_ID, eventually, startPushRig, type PushRig } from '../helpers/push-rig.js';

/** The routes the admin console's push screens add: the list of pushes and the per-provider preview. */

const hex = () => randomBytes(32).toString('hex');

let rig: PushRig;
before(async () => (rig = await startPushRig()));
after(() => rig.close());

async function send(body: Record<string, unknown>, auth?: string): Promise<string> {
  const res = await rig.call('POST', '/v1/push', body, auth);
  assert.equal(res.status, 202, JSON.stringify(res.json));
  return res.json.id;
}

describe('GET /v1/push', () => {
  it('lists pushes newest first with where each stands, a page at a time', async () => {
    const device = (await rig.call('POST', '/v1/devices', { provider: 'apns', token: hex() })).json.id as string;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await send({ to: { devices: [device] }, notification: { title: `list ${i}`, body: 'hello' } }));
    await eventually('all sent', async () => {
      const list = (await rig.call('GET', '/v1/push?limit=3')).json.pushes as { state: string }[];
      return list.every((p) => p.state === 'done');
    });
    const first = await rig.call('GET', '/v1/push?limit=2');
    assert.equal(first.status, 200);
    assert.deepEqual(first.json.pushes.map((p: { id: string }) => p.id), [ids[2], ids[1]]);
    const top = first.json.pushes[0];
    assert.deepEqual({ title: top.title, body: top.body, state: top.state, targets: top.targets, sent: top.counts.sent, apns: top.by_provider.apns.sent, category: top.category },
      { title: 'list 2', body: 'hello', state: 'done', targets: 1, sent: 1, apns: 1, category: null });
    assert.match(top.actor, /^key:/);
    assert.ok(first.json.next_cursor, 'more follow');
    const second = await rig.call('GET', `/v1/push?limit=2&cursor=${first.json.next_cursor}`);
    assert.equal(second.json.pushes[0].id, ids[0]);

    for (const cursor of ['nope', 'p', 'p12345678901234567890']) {
      const bad = await rig.call('GET', `/v1/push?cursor=${cursor}`);
      assert.equal(bad.status, 400, cursor);
      assert.equal(bad.json.code, 40000, JSON.stringify(bad.json));
    }
    assert.equal((await rig.call('GET', '/v1/push?limit=0')).status, 400);
  });

  it('needs push:read; a key limited to categories sees only pushes in them', async () => {
    const device = (await rig.call('POST', '/v1/devices', { provider: 'fcm', token: `fcm-${hex()}` })).json.id as string;
    const orders = await send({ to: { devices: [device] }, notification: { title: 'in orders' }, category: 'orders' });
    await send({ to: { devices: [device] }, notification: { title: 'in news' }, category: 'news' });
    const limited = await rig.key(['push:read'], ['orders']);
    const seen = (await rig.call('GET', '/v1/push', undefined, limited)).json.pushes as { id: string; category: string }[];
    assert.ok(seen.length > 0 && seen.every((p) => p.category === 'orders'), JSON.stringify(seen));
    assert.ok(seen.some((p) => p.id === orders));
    const sender = await rig.key(['push:send']);
    assert.equal((await rig.call('GET', '/v1/push', undefined, sender)).json.code, 40302);
    assert.equal((await rig.call('GET', '/v1/push', undefined, '')).status, 401);
  });
});

describe('POST /v1/push/preview', () => {
  it("shows each provider's request as its own encoder builds it, and sends and stores nothing", async () => {
    const before = (await rig.call('GET', '/v1/push?limit=1')).json.pushes[0]?.id;
    const apnsRequests = rig.apns.requests.length;
    const res = await rig.call('POST', '/v1/push/preview', {
      notification: { title: 'Shipped', body: 'On its way', url: 'https://shop.example/o/42', data: { order: '42' } },
      priority: 'high', collapse_key: 'order-42',
      fcm: { message: { android: { notification: { color: '#ff0000' } } } },
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const by = Object.fromEntries((res.json.providers as { provider: string }[]).map((p) => [p.provider, p])) as Record<string, any>;
    assert.deepEqual(Object.keys(by), ['apns', 'fcm', 'hms', 'webpush']);

    assert.deepEqual(by.apns.body, { aps: { alert: { title: 'Shipped', body: 'On its way' } }, order: '42', url: 'https://shop.example/o/42' });
    assert.equal(by.apns.headers['apns-topic'], BUNDLE_ID);
    assert.equal(by.apns.headers['apns-collapse-id'], 'order-42');
    assert.equal(by.apns.headers['apns-priority'], '10');
    assert.equal(by.apns.bytes, Buffer.byteLength(JSON.stringify(by.apns.body)));

    assert.equal(by.fcm.body.message.token, '<device token>');
    assert.deepEqual(by.fcm.body.message.notification, { title: 'Shipped', body: 'On its way' });
    assert.deepEqual(by.fcm.body.message.android, { priority: 'HIGH', collapse_key: 'order-42', notification: { color: '#ff0000' } }, 'the override is merged');
    assert.equal(by.fcm.body.message.data.order, '42');

    assert.deepEqual(by.hms.body.message.token, ['<device token>']);
    assert.equal(by.hms.body.message.android.notification.title, 'Shipped');
    assert.deepEqual(by.hms.body.message.android.notification.click_action, { type: 2, url: 'https://shop.example/o/42' });
    assert.equal(by.hms.body.message.data, JSON.stringify({ order: '42' }));

    assert.deepEqual(by.webpush.body, { id: 'preview', title: 'Shipped', body: 'On its way', url: 'https://shop.example/o/42', tag: 'order-42', data: { order: '42' } });
    assert.equal(by.webpush.headers.Urgency, 'high');
    assert.equal(by.webpush.headers.Topic, 'order-42');
    assert.match(by.webpush.note, /encrypted/);

    assert.equal((await rig.call('GET', '/v1/push?limit=1')).json.pushes[0]?.id, before, 'nothing stored');
    assert.equal(rig.apns.requests.length, apnsRequests, 'nothing sent');
  });

  it("names a provider that would refuse the push, and refuses what no provider could send with a 400", async () => {
    const res = await rig.call('POST', '/v1/push/preview', { notification: { title: 'x', data: { big: 'a'.repeat(2100), more: 'b'.repeat(2100) } } });
    assert.equal(res.status, 200);
    const by = Object.fromEntries((res.json.providers as { provider: string }[]).map((p) => [p.provider, p])) as Record<string, any>;
    for (const provider of ['apns', 'fcm', 'webpush']) {
      assert.equal(by[provider].error?.code, 40061, `${provider}: ${JSON.stringify(by[provider])}`);
      assert.match(by[provider].error.error, new RegExp(provider));
      assert.equal(by[provider].body, undefined);
    }
    const reserved = await rig.call('POST', '/v1/push/preview', { notification: { title: 'x', data: { aps: 'no' } } });
    assert.equal(reserved.json.providers[0].error.code, 40062, 'apns refuses a data key "aps"');
    assert.ok(reserved.json.providers[1].body, 'fcm takes it');

    for (const [body, code] of [
      [{}, 40063],
      [{ notification: { title: 'x' }, expires_at: '2000-01-01T00:00:00Z' }, 40063],
      [{ notification: { title: 'x' }, send_at: 'tomorrow' }, 40063],
      [{ notification: { title: 'x' }, unknown: 1 }, 40024],
    ] as const) {
      const bad = await rig.call('POST', '/v1/push/preview', body);
      assert.equal(bad.status, 400, JSON.stringify(body));
      assert.equal(bad.json.code, code, JSON.stringify(bad.json));
    }
    const other = await rig.call('POST', '/v1/push/preview?app=other', { notification: { title: 'x' } });
    assert.deepEqual(other.json.providers.map((p: { configured: boolean }) => p.configured), [false, false, false, false], 'no app of that name');
  });

  it('needs push:send, and a key limited to categories must name one of them', async () => {
    const reader = await rig.key(['push:read']);
    assert.equal((await rig.call('POST', '/v1/push/preview', { notification: { title: 'x' } }, reader)).json.code, 40302);
    const limited = await rig.key(['push:send'], ['orders']);
    assert.equal((await rig.call('POST', '/v1/push/preview', { notification: { title: 'x' } }, limited)).json.code, 40302);
    assert.equal((await rig.call('POST', '/v1/push/preview', { notification: { title: 'x' }, category: 'orders' }, limited)).status, 200);
  });
});
