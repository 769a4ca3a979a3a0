import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startPushRig, type PushRig } from '../helpers/push-rig.js';
import { centrifugoClient, centrifugoUser, fcmToken } from '../helpers/centrifugo-client.js';

const hex = () => randomBytes(32).toString('hex');
const user = centrifugoUser;

let rig: PushRig;
let key: string;
before(async () => {
  rig = await startPushRig();
  key = (await rig.key(['devices:read', 'devices:write'])).slice('Bearer '.length);
});
after(() => rig.close());

const { api, result } = centrifugoClient(() => rig, () => key);

describe('Centrifugo face: transport', () => {
  it('takes the key from X-API-Key, Authorization: apikey and ?api_key=', async () => {
    const body = { provider: 'fcm', token: fcmToken(), platform: 'android' };
    for (const [path, headers] of [
      ['/api/device_register', { 'X-API-Key': key }],
      ['/api/device_register', { Authorization: `apikey ${key}` }],
      [`/api/device_register?api_key=${key}`, {}],
    ] as const) {
      const res = await rig.call('POST', path, body, '', headers);
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assert.match(res.json.result.id, /^dev_/);
    }
  });

  it('answers 401 code 101 without a valid key, and 103 for a key lacking the scope', async () => {
    const none = await api('device_list', {}, {});
    assert.equal(none.status, 401);
    assert.equal(none.json.error.code, 101);
    const wrong = await api('device_list', {}, { 'X-API-Key': 'hk_notakey' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.json.error.code, 101);
    const pushOnly = (await rig.key(['push:send'])).slice('Bearer '.length);
    const denied = await api('device_list', {}, { 'X-API-Key': pushOnly });
    assert.equal(denied.status, 200);
    assert.equal(denied.json.error.code, 103);
  });

  it('answers errors in the body by default and as HTTP statuses in transport mode', async () => {
    const bad = await api('device_register', { provider: 'fcm', platform: 'android' });
    assert.equal(bad.status, 200);
    assert.equal(bad.json.error.code, 107);
    assert.match(bad.json.error.message, /token/);
    const transport = await api('device_register', { provider: 'fcm', platform: 'android' }, { 'X-API-Key': key, 'X-Centrifugo-Error-Mode': 'transport' });
    assert.equal(transport.status, 400);
    assert.equal(transport.json.code, 107);
    assert.match(transport.json.message, /token/);
    const unknown = await api('no_such_method', {}, { 'X-API-Key': key, 'X-Centrifugo-Error-Mode': 'transport' });
    assert.deepEqual([unknown.status, unknown.json.code], [404, 104]);
    assert.equal((await api('no_such_method', {})).json.error.code, 104);
  });

  it('answers every malformed input with 107 naming the field, never a 500', async () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['device_register', 'not json', /JSON/],
      ['device_register', [], /body/],
      ['device_register', { provider: 'smoke', token: 'x', platform: 'android' }, /provider/],
      ['device_register', { provider: 'fcm', token: 'x', platform: 'android', topics: ['bad topic'] }, /topics\[0\]/],
      ['device_register', { provider: 'fcm', token: 'x', platform: 'android', meta: { a: 1 } }, /meta\.a/],
      ['device_register', { provider: 'webpush', token: '{nope', platform: 'web' }, /token/],
      ['device_register', { provider: 'apns', token: 'short', platform: 'ios' }, /APNs/],
      ['device_register', { provider: 'fcm', token: 'x', platform: 'android', timezone: 'Mars/Base' }, /timezone: .*time zone/],
      ['device_register', { provider: 'fcm', token: 'x', platform: 'android', locale: 'not a locale!' }, /locale: /],
      ['device_list', { limit: -1 }, /limit/],
      ['device_topic_update', { device_id: 'dev_0000000000000000', op: 'merge', topics: [] }, /op/],
      ['user_topic_list', { filter: { topics: ['bad topic'] } }, /filter\.topics\[0\]/],
    ];
    for (const [method, body, field] of cases) {
      const res = await api(method, body);
      assert.equal(res.status, 200, `${method} ${JSON.stringify(body)}: ${JSON.stringify(res.json)}`);
      assert.equal(res.json.error?.code, 107, `${method} ${JSON.stringify(body)}: ${JSON.stringify(res.json)}`);
      assert.match(res.json.error.message, field);
    }
  });
});

describe('Centrifugo face: devices', () => {
  it('registers, updates by id, and lists with the includes; the /v1 API sees the same device', async () => {
    const u = user();
    const token = hex();
    const { id } = await result('device_register', { provider: 'apns', token, platform: 'ios', user: u, timezone: 'Europe/Paris', locale: 'pt-BR', topics: ['news'], meta: { plan: 'pro' } });
    const again = await result('device_register', { id, provider: 'apns', token, platform: 'ios', user: u, topics: ['news', 'sport'] });
    assert.equal(again.id, id);
    const v1 = await rig.call('GET', `/v1/devices/${id}`);
    assert.deepEqual([v1.json.user, v1.json.topics, v1.json.locale, v1.json.meta], [u, ['news', 'sport'], 'pt-BR', { plan: 'pro' }]);

    const plain = await result('device_list', { filter: { users: [u] } });
    assert.deepEqual(plain.items, [{ id, provider: 'apns', token, platform: 'ios', user: u, timezone: 'Europe/Paris', locale: 'pt-BR' }]);
    const full = await result('device_list', { filter: { users: [u] }, include_topics: true, include_meta: true, include_total_count: true });
    assert.deepEqual(full.items[0].topics, ['news', 'sport']);
    assert.deepEqual(full.items[0].meta, { plan: 'pro' });
    assert.equal(full.total_count, 1);
  });

  it('registers a webpush device from its PushSubscription JSON string and returns its keys on request', async () => {
    const sub = rig.webpush.createSubscription();
    const u = user();
    const { id } = await result('device_register', { provider: 'webpush', token: JSON.stringify({ endpoint: sub.endpoint, keys: sub.keys }), platform: 'web', user: u });
    const list = await result('device_list', { filter: { ids: [id] }, include_webpush_keys: true });
    assert.equal(list.items[0].token, sub.endpoint);
    assert.deepEqual(JSON.parse(list.items[0].webpush_keys), sub.keys);
  });

  it('pages device_list by cursor and filters by ids, providers and platforms', async () => {
    const u = user();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await result('device_register', { provider: 'fcm', token: fcmToken(), platform: i === 0 ? 'web' : 'android', user: u })).id);
    ids.sort();
    const first = await result('device_list', { filter: { users: [u] }, limit: 2, include_total_count: true });
    assert.equal(first.items.length, 2);
    assert.equal(first.total_count, 3);
    const second = await result('device_list', { filter: { users: [u] }, limit: 2, cursor: first.next_cursor });
    assert.deepEqual([...first.items, ...second.items].map((d: any) => d.id), ids);
    assert.equal(second.next_cursor, undefined);
    const android = await result('device_list', { filter: { users: [u], platforms: ['android'], providers: ['fcm'] }, include_total_count: true });
    assert.equal(android.total_count, 2);
    const byIds = await result('device_list', { filter: { ids: [ids[2], ids[0], 'dev_0000000000000000'] } });
    assert.deepEqual(byIds.items.map((d: any) => d.id), [ids[0], ids[2]]);
  });

  it('removes devices by ids and by users', async () => {
    const a = user();
    const b = user();
    const one = (await result('device_register', { provider: 'fcm', token: fcmToken(), platform: 'android', user: a })).id;
    await result('device_register', { provider: 'fcm', token: fcmToken(), platform: 'android', user: b });
    await result('device_register', { provider: 'fcm', token: fcmToken(), platform: 'android', user: b });
    assert.deepEqual(await result('device_remove', { ids: [one, 'dev_0000000000000000'] }), {});
    assert.equal((await rig.call('GET', `/v1/devices/${one}`)).status, 404);
    await result('device_remove', { users: [b] });
    assert.equal((await result('device_list', { filter: { users: [b] }, include_total_count: true })).total_count, 0);
  });

  it('updates device topics with the ownership guard: 113 for another user, 104 for no device', async () => {
    const u = user();
    const { id } = await result('device_register', { provider: 'fcm', token: fcmToken(), platform: 'android', user: u, topics: ['a'] });
    await result('device_topic_update', { device_id: id, op: 'add', topics: ['b'] });
    await result('device_topic_update', { device_id: id, op: 'remove', topics: ['a'], user: u });
    assert.deepEqual((await rig.call('GET', `/v1/devices/${id}`)).json.topics, ['b']);
    const other = await api('device_topic_update', { device_id: id, op: 'set', topics: ['x'], user: 'someone-else' });
    assert.equal(other.json.error.code, 113);
    const missing = await api('device_topic_update', { device_id: 'dev_0000000000000000', op: 'set', topics: ['x'] }, { 'X-API-Key': key, 'X-Centrifugo-Error-Mode': 'transport' });
    assert.deepEqual([missing.status, missing.json.code], [404, 104]);
    assert.deepEqual((await rig.call('GET', `/v1/devices/${id}`)).json.topics, ['b']);
  });

  it('updates and lists user topics', async () => {
    const u = user();
    await result('user_topic_update', { user: u, op: 'set', topics: ['alpha', 'beta'] });
    await result('user_topic_update', { user: u, op: 'add', topics: ['gamma'] });
    await result('user_topic_update', { user: u, op: 'remove', topics: ['alpha'] });
    assert.deepEqual((await rig.call('GET', `/v1/users/${u}/topics`)).json.topics, ['beta', 'gamma']);
    const list = await result('user_topic_list', { filter: { users: [u] }, include_total_count: true, limit: 1 });
    assert.deepEqual(list.items, [{ id: `${u}:beta`, user: u, topic: 'beta' }]);
    assert.equal(list.total_count, 2);
    const rest = await result('user_topic_list', { filter: { users: [u] }, cursor: list.next_cursor });
    assert.deepEqual(rest.items.map((i: any) => i.topic), ['gamma']);
    const prefixed = await result('user_topic_list', { filter: { users: [u], topic_prefix: 'g' } });
    assert.deepEqual(prefixed.items.map((i: any) => i.topic), ['gamma']);
  });
});
