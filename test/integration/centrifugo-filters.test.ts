import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { eventually } from '../helpers/push-rig.js';
import { centrifugoBackend, centrifugoUser, fcmToken } from '../helpers/centrifugo-client.js';

const hex = () => randomBytes(32).toString('hex');
const user = centrifugoUser;
const topicName = () => `t${randomBytes(5).toString('hex')}`;

const backend = centrifugoBackend(['devices:read', 'devices:write', 'push:send', 'push:read']);
const { api, result } = backend;

interface Device {
  id: string;
  token: string;
}

async function fcmDevice(fields: Record<string, unknown> = {}): Promise<Device> {
  const token = fcmToken();
  return { id: (await result('device_register', { provider: 'fcm', token, platform: 'android', ...fields })).id, token };
}

async function apnsDevice(fields: Record<string, unknown> = {}): Promise<Device> {
  const token = hex();
  return { id: (await result('device_register', { provider: 'apns', token, platform: 'ios', ...fields })).id, token };
}

/** Sends one notification with this title to FCM and APNs devices alike; returns the push once nothing is left to send. */
async function send(recipient: unknown, title: string): Promise<any> {
  const notification = { fcm: { message: { notification: { title } } }, apns: { payload: { aps: { alert: { title } } } } };
  const { uid } = await result('send_push_notification', { recipient, notification });
  let view: any;
  await eventually(`push ${uid} done`, async () => {
    view = (await backend.rig.call('GET', `/v1/push/${uid}`)).json;
    return view.state === 'done';
  });
  return view;
}

/** The tokens the provider mocks got a message with this title for, sorted. */
function receivedBy(title: string): string[] {
  const fcm = backend.rig.fcm.requests.filter((r) => (r.message?.notification as any)?.title === title).map((r) => r.message!.token as string);
  const apns = backend.rig.apns.requests.filter((r) => JSON.parse(r.body).aps?.alert?.title === title).map((r) => r.token);
  return [...fcm, ...apns].sort();
}

const tokens = (...devices: Device[]) => devices.map((d) => d.token).sort();

describe('Centrifugo face: send_push_notification to a filter (fields intersect)', () => {
  it('users and platforms: the user\'s devices of that platform only', async () => {
    const [u, w] = [user(), user()];
    const uPhone = await fcmDevice({ user: u });
    const uIos = await apnsDevice({ user: u });
    await apnsDevice({ user: w });
    const title = `users-platforms-${hex().slice(0, 8)}`;
    const view = await send({ filter: { users: [u], platforms: ['ios'] } }, title);
    assert.equal(view.targets, 1);
    assert.deepEqual(receivedBy(title), tokens(uIos));

    const both = `users-${hex().slice(0, 8)}`;
    await send({ filter: { users: [u, w], platforms: ['android'] } }, both);
    assert.deepEqual(receivedBy(both), tokens(uPhone));
  });

  it('topics and providers: own topics and the user\'s topics, of that provider only', async () => {
    const t = topicName();
    const v = user();
    await result('user_topic_update', { user: v, op: 'set', topics: [t] });
    await fcmDevice({ topics: [t] });
    const viaUser = await apnsDevice({ user: v });
    const own = await apnsDevice({ topics: [t, topicName()] });
    await apnsDevice({ topics: [topicName()] });
    const title = `topics-providers-${hex().slice(0, 8)}`;
    const view = await send({ filter: { topics: [t], providers: ['apns'] } }, title);
    assert.equal(view.counts.sent, 2);
    assert.deepEqual(receivedBy(title), tokens(viaUser, own));
  });

  it('ids and users intersect; the user "" is the devices of no user', async () => {
    const [u, w] = [user(), user()];
    const a = await fcmDevice({ user: u });
    const b = await apnsDevice({ user: w });
    const anon = await fcmDevice();
    const title = `ids-users-${hex().slice(0, 8)}`;
    await send({ filter: { ids: [a.id, b.id, anon.id], users: [u] } }, title);
    assert.deepEqual(receivedBy(title), tokens(a));

    const none = `ids-nobody-${hex().slice(0, 8)}`;
    await send({ filter: { ids: [a.id, b.id, anon.id], users: [''] } }, none);
    assert.deepEqual(receivedBy(none), tokens(anon));
  });

  it('an empty filter is every active device, as many as device_list counts', async () => {
    const mine = [await fcmDevice({ user: user() }), await apnsDevice()];
    const { total_count: total } = await result('device_list', { include_total_count: true, limit: 1 });
    const fromV1 = (await backend.rig.call('GET', '/v1/devices?state=active&limit=1&include_total_count=true')).json;
    assert.equal(fromV1.total_count, total, '/v1 counts the same devices');
    assert.ok(total >= 2);
    const title = `everyone-${hex().slice(0, 8)}`;
    const view = await send({ filter: {} }, title);
    assert.equal(view.targets, total);
    assert.equal(view.counts.sent, total);
    const got = receivedBy(title);
    assert.equal(got.length, total, 'each device once');
    for (const d of mine) assert.ok(got.includes(d.token));
  });

  it('the user "" binds topics for every device, registered before or after; user_topic_list shows it', async () => {
    const t = topicName();
    const early = await apnsDevice({ user: user() });
    await result('user_topic_update', { user: '', op: 'add', topics: [t] });
    try {
      const lateAnon = await fcmDevice();
      const lateUser = await apnsDevice({ user: user(), platform: 'ipados' });
      const title = `every-user-${hex().slice(0, 8)}`;
      const view = await send({ filter: { topics: [t], platforms: ['ipados', 'android'] } }, title);
      assert.ok(receivedBy(title).includes(lateAnon.token) && receivedBy(title).includes(lateUser.token), JSON.stringify(view));
      assert.ok(!receivedBy(title).includes(early.token), 'the platform still narrows it');

      // A topic send on /v1 reaches them too, through the same binding.
      const v1 = `every-user-v1-${hex().slice(0, 8)}`;
      const sent = await backend.rig.call('POST', '/v1/push', { to: { topics: [t] }, notification: { title: v1 } });
      assert.equal(sent.status, 202, JSON.stringify(sent.json));
      await eventually('the topic send reached the devices', async () => tokens(early, lateAnon, lateUser).every((tok) => receivedBy(v1).includes(tok)));

      const listed = await result('user_topic_list', { filter: { users: [''] } });
      assert.deepEqual(listed.items.filter((i: any) => i.topic === t), [{ id: `:${t}`, user: '', topic: t }]);
    } finally {
      await result('user_topic_update', { user: '', op: 'remove', topics: [t] });
    }
    const after = `unbound-${hex().slice(0, 8)}`;
    const view = await send({ filter: { topics: [t], ids: [early.id] } }, after);
    assert.equal(view.targets, 0, 'unbound: the topic reaches none of them');
  });
});

describe('Centrifugo face: user_topic_list without users', () => {
  it('lists every binding by (user, topic), filtered, counted and paged with a cursor', async () => {
    const prefix = `p${randomBytes(4).toString('hex')}`;
    const [u, w] = [user(), user()].sort();
    await result('user_topic_update', { user: u, op: 'set', topics: [`${prefix}-b`, `${prefix}-a`, 'other'] });
    await result('user_topic_update', { user: w, op: 'set', topics: [`${prefix}-a`] });
    const expected = [[u!, `${prefix}-a`], [u!, `${prefix}-b`], [w!, `${prefix}-a`]];

    const seen: string[][] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await result('user_topic_list', { filter: { topic_prefix: prefix }, limit: 2, include_total_count: true, ...(cursor ? { cursor } : {}) });
      assert.equal(page.total_count, 3);
      seen.push(...page.items.map((i: any) => [i.user, i.topic]));
      for (const i of page.items) assert.equal(i.id, `${i.user}:${i.topic}`);
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    assert.deepEqual([seen, pages], [expected, 2]);

    const byTopic = await result('user_topic_list', { filter: { topics: [`${prefix}-a`] } });
    assert.deepEqual(byTopic.items.map((i: any) => i.user), [u, w]);

    // Everything, a page at a time: (user, topic) order, each binding once.
    const all: string[] = [];
    cursor = undefined;
    do {
      const page = await result('user_topic_list', { limit: 3, ...(cursor ? { cursor } : {}) });
      all.push(...page.items.map((i: any) => JSON.stringify([i.user, i.topic])));
      cursor = page.next_cursor;
    } while (cursor);
    const ordered = [...all].sort((x, y) => (Buffer.compare(Buffer.from(x), Buffer.from(y))));
    assert.deepEqual(all, ordered);
    assert.equal(new Set(all).size, all.length);
    assert.equal(all.length, (await result('user_topic_list', { include_total_count: true, limit: 1 })).total_count);
  });
});

describe('/v1/push: to.filter', () => {
  it('intersects locales, apps, platforms and users; {} needs push:send like any send', async () => {
    const u = user();
    const pt = await fcmDevice({ user: u, locale: 'pt-BR' });
    await fcmDevice({ user: u, locale: 'en-US' });
    const ptIos = await apnsDevice({ user: u, locale: 'pt' });
    const title = `v1-filter-${hex().slice(0, 8)}`;
    const res = await backend.rig.call('POST', '/v1/push', { to: { filter: { users: [u], locales: ['pt'], apps: ['default'] } }, notification: { title } });
    assert.equal(res.status, 202, JSON.stringify(res.json));
    assert.deepEqual([res.json.state, res.json.targets], ['queued', 2], 'a filter by users is routed before the answer');
    await eventually('both delivered', async () => receivedBy(title).length === 2);
    assert.deepEqual(receivedBy(title), tokens(pt, ptIos));

    const narrow = `v1-filter-br-${hex().slice(0, 8)}`;
    await backend.rig.call('POST', '/v1/push', { to: { filter: { users: [u], locales: ['PT-br'] } }, notification: { title: narrow } });
    await eventually('delivered', async () => receivedBy(narrow).length === 1);
    assert.deepEqual(receivedBy(narrow), tokens(pt));

    const reader = await backend.rig.key(['devices:read', 'push:read']);
    const refused = await backend.rig.call('POST', '/v1/push', { to: { filter: {} }, notification: { title: 'nope' } }, reader);
    assert.equal(refused.status, 403, JSON.stringify(refused.json));
    const bad = await backend.rig.call('POST', '/v1/push', { to: { filter: { locales: ['pt_BR'] } }, notification: { title: 'nope' } });
    assert.equal(bad.status, 400, JSON.stringify(bad.json));
    const unknown = await backend.rig.call('POST', '/v1/push', { to: { filter: { colour: ['red'] } }, notification: { title: 'nope' } });
    assert.equal(unknown.status, 400, JSON.stringify(unknown.json));
    const emptied = await backend.rig.call('POST', '/v1/push', { to: { filter: { users: [] } }, notification: { title: 'nope' } });
    assert.equal(emptied.status, 400, `an empty list is refused rather than read as no filter (every device): ${JSON.stringify(emptied.json)}`);
  });
});

// Keeps the transport helper in use for error checks, as the other face tests do.
describe('Centrifugo face: user_topic_update with the user ""', () => {
  it('is accepted now, and a bad topic is still 107 naming the field', async () => {
    const res = await api('user_topic_update', { user: '', op: 'add', topics: ['bad topic'] });
    assert.equal(res.json.error?.code, 107, JSON.stringify(res.json));
    assert.match(res.json.error.message, /topics\[0\]/);
  });
});
