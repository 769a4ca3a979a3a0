import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';

import { centrifugoBackend, centrifugoUser, fcmToken } from '../helpers/centrifugo-client.js';

const user = centrifugoUser;
/** A platform no other test uses, so a filter on it sees only this test's devices. */
const platform = () => `p${randomBytes(6).toString('hex')}`;

const backend = centrifugoBackend(['devices:read', 'devices:write']);
const { api, result } = backend;

async function register(fields: Record<string, unknown>): Promise<string> {
  return (await result('device_register', { provider: 'fcm', token: fcmToken(), platform: 'android', ...fields })).id;
}

const v1 = async (id: string) => (await backend.rig.call('GET', `/v1/devices/${id}`)).json;

describe('Centrifugo face: device filters with several values', () => {
  it('lists by several users, providers, platforms and topics: any value within a field, every field at once', async () => {
    const [ann, bob, carl] = [user(), user(), user()];
    const p = platform();
    const a = await register({ user: ann, platform: p, topics: ['news'] });
    const b = await register({ user: bob, platform: p, provider: 'apns', token: randomBytes(32).toString('hex'), topics: ['sport'] });
    const c = await register({ user: carl, platform: p, topics: ['chess'] });
    const anon = await register({ platform: p, topics: ['news'] });
    const list = async (filter: Record<string, unknown>) => {
      const page = await result('device_list', { filter: { platforms: [p], ...filter }, include_total_count: true });
      assert.equal(page.total_count, page.items.length, 'the count agrees with the listing');
      return page.items.map((d: any) => d.id);
    };
    const sorted = (ids: string[]) => [...ids].sort();
    assert.deepEqual(await list({ users: [ann, bob] }), sorted([a, b]));
    assert.deepEqual(await list({ users: [ann, ''] }), sorted([a, anon]), 'the user "" is the devices of no user');
    assert.deepEqual(await list({ providers: ['apns', 'hms'] }), [b]);
    assert.deepEqual(await list({ topics: ['news', 'chess'] }), sorted([a, c, anon]));
    assert.deepEqual(await list({ topics: ['news', 'chess'], users: [carl, bob] }), [c]);
    assert.deepEqual(await list({ users: [] }), sorted([a, b, c, anon]), 'an empty list filters nothing');
    assert.deepEqual(await list({ platforms: [p, 'nowhere'], ids: [a, b, 'dev_0000000000000000'], providers: ['fcm'] }), [a]);

    const first = await result('device_list', { filter: { platforms: [p], topics: ['news', 'sport', 'chess'] }, limit: 3, include_total_count: true });
    assert.equal(first.total_count, 4);
    assert.equal(first.items.length, 3);
    const rest = await result('device_list', { filter: { platforms: [p], topics: ['news', 'sport', 'chess'] }, limit: 3, cursor: first.next_cursor });
    assert.deepEqual([...first.items, ...rest.items].map((d: any) => d.id), sorted([a, b, c, anon]));
    assert.equal(rest.next_cursor, undefined);
  });

  it('leaves /v1/devices filtering by one value as it was', async () => {
    const u = user();
    const id = await register({ user: u });
    const res = await backend.rig.call('GET', `/v1/devices?user=${u}`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json.devices.map((d: any) => d.id), [id]);
  });
});

describe('Centrifugo face: device_update', () => {
  it('updates devices named by ids: user, time zone, locale, meta and topics at once', async () => {
    const [u, v] = [user(), user()];
    const one = await register({ user: u, topics: ['a'], timezone: 'Europe/Paris', locale: 'fr-FR', meta: { plan: 'free' } });
    const two = await register({ user: u, topics: ['b'] });
    const untouched = await register({ user: u, topics: ['a'] });
    assert.deepEqual(await result('device_update', {
      ids: [one, two, 'dev_0000000000000000'],
      user_update: { user: v },
      timezone_update: { timezone: 'America/Sao_Paulo' },
      locale_update: { locale: 'pt-BR' },
      meta_update: { meta: { plan: 'pro' } },
      topics_update: { op: 'add', topics: ['c'] },
    }), {});
    for (const [id, topics] of [[one, ['a', 'c']], [two, ['b', 'c']]] as const) {
      const d = await v1(id);
      assert.deepEqual([d.user, d.timezone, d.locale, d.meta, d.topics], [v, 'America/Sao_Paulo', 'pt-BR', { plan: 'pro' }, topics]);
    }
    const other = await v1(untouched);
    assert.deepEqual([other.user, other.topics], [u, ['a']]);
  });

  it('updates every device of the named users; "" clears a field', async () => {
    const [u, w, keep] = [user(), user(), user()];
    const ids = [await register({ user: u, topics: ['x', 'y'], timezone: 'Asia/Tokyo' }), await register({ user: u }), await register({ user: w, topics: ['y'] })];
    const kept = await register({ user: keep, topics: ['y'], timezone: 'Asia/Tokyo' });
    await result('device_update', { users: [u, w], topics_update: { op: 'remove', topics: ['y'] }, timezone_update: { timezone: '' } });
    assert.deepEqual((await Promise.all(ids.map(v1))).map((d: any) => [d.topics, d.timezone]), [[['x'], null], [[], null], [[], null]]);
    assert.deepEqual([(await v1(kept)).topics, (await v1(kept)).timezone], [['y'], 'Asia/Tokyo']);

    await result('device_update', { users: [u], topics_update: { op: 'set', topics: ['z'] }, user_update: { user: '' } });
    assert.deepEqual((await Promise.all(ids.slice(0, 2).map(v1))).map((d: any) => [d.user, d.topics]), [[null, ['z']], [null, ['z']]]);
    assert.equal((await result('device_list', { filter: { users: [u] }, include_total_count: true })).total_count, 0, 'moved off the old user');
  });

  it('answers bad input with 107 naming the field, and changes nothing', async () => {
    const id = await register({ user: user(), timezone: 'Europe/Paris', topics: ['a'] });
    const cases: Array<[unknown, RegExp]> = [
      [{ topics_update: { op: 'set', topics: ['b'] } }, /^ids/],
      [{ ids: [id], timezone_update: { timezone: 'Mars/Base' } }, /^timezone_update\.timezone: .*time zone/],
      [{ ids: [id], locale_update: { locale: 'not a locale!' } }, /^locale_update\.locale/],
      [{ ids: [id], topics_update: { op: 'merge', topics: ['b'] } }, /^topics_update\.op/],
      [{ ids: [id], topics_update: { op: 'set', topics: ['bad topic'] } }, /^topics_update\.topics\[0\]/],
      [{ ids: [id], meta_update: { meta: { n: 1 } } }, /^meta_update\.meta\.n/],
      [{ ids: [id], user_update: {} }, /^user_update\.user/],
      [{ ids: ['nope'] }, /^ids\[0\]/],
    ];
    for (const [body, field] of cases) {
      const res = await api('device_update', body, { 'X-API-Key': backend.key, 'X-Centrifugo-Error-Mode': 'transport' });
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(res.json)}`);
      assert.equal(res.json.code, 107);
      assert.match(res.json.message.replace(/^invalid request: /, ''), field, JSON.stringify(body));
    }
    const d = await v1(id);
    assert.deepEqual([d.timezone, d.topics], ['Europe/Paris', ['a']]);
  });
});

describe('Centrifugo face: device_topic_list', () => {
  it('lists devices\' own topics by device and topic filters, with the device, counted and paged', async () => {
    const [u, w] = [user(), user()];
    const p = platform();
    await result('user_topic_update', { user: u, op: 'set', topics: ['bound'] });
    const a = await register({ user: u, platform: p, topics: ['news', 'news-eu', 'sport'] });
    const b = await register({ user: w, platform: p, provider: 'apns', token: randomBytes(32).toString('hex'), topics: ['news'] });
    const list = async (filter: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      result('device_topic_list', { filter: { device_platforms: [p], ...filter }, include_total_count: true, ...extra });

    const all = await list({});
    const expected = [...['news', 'news-eu', 'sport'].map((t) => ({ device_id: a, topic: t })), { device_id: b, topic: 'news' }]
      .sort((x, y) => (x.device_id < y.device_id ? -1 : x.device_id > y.device_id ? 1 : 0));
    assert.deepEqual(all.items.map((i: any) => ({ device_id: i.device_id, topic: i.topic })), expected, 'own topics only, by device then topic');
    assert.equal(all.total_count, 4);
    for (const item of all.items) assert.equal(typeof item.id, 'string');
    assert.equal(all.items[0].device, undefined);

    const prefixed = await list({ topic_prefix: 'news', device_users: [u] });
    assert.deepEqual(prefixed.items.map((i: any) => i.topic), ['news', 'news-eu']);
    assert.equal(prefixed.total_count, 2);
    const news = await list({ topics: ['news', 'bound'], device_providers: ['apns'] }, { include_device: true });
    assert.deepEqual(news.items.map((i: any) => [i.device_id, i.topic]), [[b, 'news']]);
    assert.deepEqual([news.items[0].device.id, news.items[0].device.provider, news.items[0].device.user], [b, 'apns', w]);
    const byId = await list({ device_ids: [a], topics: ['sport'] });
    assert.deepEqual(byId.items.map((i: any) => i.topic), ['sport']);

    const seen: unknown[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await list({}, { limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((i: any) => ({ device_id: i.device_id, topic: i.topic })));
      if (page.next_cursor) assert.equal(page.next_cursor, page.items[page.items.length - 1].id, 'the cursor is the last id');
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    assert.deepEqual([seen, pages], [expected, 2]);
  });

  it('answers bad filters with 107 naming the field', async () => {
    for (const [body, field] of [
      [{ filter: { device_providers: ['smoke'] } }, /filter\.device_providers\[0\]/],
      [{ filter: { topics: ['bad topic'] } }, /filter\.topics\[0\]/],
      [{ limit: 5000 }, /limit/],
      [{ filter: { device_ids: ['x'] } }, /filter\.device_ids\[0\]/],
    ] as const) {
      const res = await api('device_topic_list', body);
      assert.equal(res.json.error?.code, 107, JSON.stringify(res.json));
      assert.match(res.json.error.message, field);
    }
  });
});
