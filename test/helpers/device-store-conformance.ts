import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { useTestDatabase, type TestDatabase } from './test-database.js';
import { EVERY_USER, type AudienceFilter, type AudienceSource, type DeviceRecord, type DeviceRegistration, type DeviceStore } from '../../src/ports/device-store.js';

/** What an adapter hands the suite: the store and the way to close the connection behind it. */
export interface OpenedDeviceStore {
  devices: DeviceStore;
  close(): Promise<void>;
}

export type DeviceStoreTestDatabase = TestDatabase<OpenedDeviceStore>;

/** The behaviour every DeviceStore adapter must show; call it once per adapter from that adapter's test file. */
export function describeDeviceStoreConformance(name: string, makeDatabase: () => Promise<DeviceStoreTestDatabase>): void {
  describe(`DeviceStore conformance: ${name}`, () => {
    const db = useTestDatabase(makeDatabase);
    let devices: DeviceStore;
    beforeEach(() => {
      devices = db.first().devices;
    });
    const ids = (list: DeviceRecord[]) => list.map((d) => d.id);
    const sorted = (list: string[]) => [...list].sort();

    it('registers idempotently on (app, provider, token), keeping the id and creation time', async () => {
      const first = await devices.register(registration({ user: 'ann', topics: ['news', 'news', 'alerts'], meta: { v: '1' } }), 1000);
      assert.equal(first.created, true);
      assert.match(first.device.id, /^dev_[A-Za-z0-9]{16}$/);
      assert.deepEqual(first.device.topics, ['alerts', 'news']);
      assert.deepEqual(await devices.byId(first.device.id), first.device);

      const again = await devices.register({ ...registration({ token: first.device.token }), platform: 'ipados', locale: 'fr-FR', meta: { v: '2' } }, 2000);
      assert.equal(again.created, false);
      assert.deepEqual(again.device, {
        ...first.device, platform: 'ipados', locale: 'fr-FR', meta: { v: '2' }, updatedAt: 2000, lastSeenAt: 2000,
      }, 'fields left out keep their values, user and topics included');
      const other = await devices.register(registration({ token: first.device.token, app: 'other' }), 3000);
      assert.equal(other.created, true, 'another app with the same token is another device');
      const cleared = await devices.register(registration({ token: first.device.token, user: null, topics: [] }), 4000);
      assert.equal(cleared.device.user, null);
      assert.deepEqual(cleared.device.topics, []);
      assert.equal(cleared.device.createdAt, 1000);
    });

    it('keeps Web Push keys, meta and non-ASCII values exactly, across close and reopen', async () => {
      const input = registration({
        provider: 'webpush', platform: 'web', token: 'https://push.example/wpush/v2/abc',
        keys: { p256dh: 'BNc…'.repeat(3), auth: 'tBH' }, user: 'zoë', topics: ['ünïcode 🚨'], meta: { nested: { a: [1, null] } },
        locale: 'de-CH', timezone: 'Europe/Zurich',
      });
      const { device } = await devices.register(input, 5);
      // Topics sort by code point everywhere: U+FB00 before the emoji (JavaScript's own sort,
      // by UTF-16 unit, would put the emoji first), whichever call answers.
      const mixed = await devices.register(registration({ topics: ['🚨', 'ﬀ', 'z', 'Z'] }), 6);
      assert.deepEqual(mixed.device.topics, ['Z', 'z', 'ﬀ', '🚨']);
      assert.deepEqual(await devices.byId(mixed.device.id), mixed.device);
      assert.deepEqual((await devices.register(registration({ token: mixed.device.token, topics: ['🚨', 'ﬀ'] }), 7)).device.topics, ['ﬀ', '🚨']);
      await db.first().close();
      const reopened = await db.open();
      assert.deepEqual(await reopened.devices.byId(device.id), device);
      assert.deepEqual(device.keys, input.keys);
      assert.equal(await reopened.devices.byId('dev_missing'), undefined);
    });

    it('rotates the token of the device named by id, removing another device that held the new token', async () => {
      const a = (await devices.register(registration({ topics: ['a'] }), 1)).device;
      const rotated = await devices.register(registration({ id: a.id, token: 'rotated-token' }), 2);
      assert.equal(rotated.created, false);
      assert.deepEqual(rotated.device, { ...a, token: 'rotated-token', updatedAt: 2, lastSeenAt: 2 });
      assert.equal((await devices.register(registration({ token: a.token }), 3)).created, true, 'the old token is free again');

      const b = (await devices.register(registration({ topics: ['b'] }), 4)).device;
      const taken = await devices.register(registration({ id: a.id, token: b.token }), 5);
      assert.equal(taken.device.id, a.id);
      assert.equal(taken.device.token, b.token);
      assert.equal(await devices.byId(b.id), undefined);
      assert.deepEqual(await reach(devices, { kind: 'topic', topic: 'b' }), [], 'the removed device took its topics along');
      assert.equal((await devices.list({ limit: 10 })).devices.filter((d) => d.token === b.token).length, 1);

      const unknown = await devices.register(registration({ id: 'dev_0000000000000000' }), 6);
      assert.equal(unknown.created, true);
      assert.notEqual(unknown.device.id, 'dev_0000000000000000');
    });

    it('marks a device invalid, and a re-registration makes it active again', async () => {
      const { device } = await devices.register(registration(), 1);
      assert.equal(await devices.markInvalid(device.id, 'Unregistered', 7), true);
      assert.equal(await devices.markInvalid('dev_missing', 'Unregistered', 7), false);
      assert.deepEqual(await devices.byId(device.id), { ...device, state: 'invalid', invalidReason: 'Unregistered', updatedAt: 7 });
      const back = await devices.register(registration({ token: device.token }), 9);
      assert.deepEqual(back.device, { ...device, updatedAt: 9, lastSeenAt: 9 });
    });

    it('reads the platforms of many devices at once, invalid ones too, leaving out ids of no device', async () => {
      const phone = (await devices.register(registration({ platform: 'ios' }), 1)).device;
      const tablet = (await devices.register(registration({ platform: 'android' }), 1)).device;
      await devices.markInvalid(tablet.id, 'Unregistered', 2);
      assert.deepEqual(await devices.platforms([phone.id, tablet.id, 'dev_missing']), new Map([[phone.id, 'ios'], [tablet.id, 'android']]));
      assert.deepEqual(await devices.platforms([]), new Map());
    });

    it('keeps a device whose token was registered again after the provider said it died (APNs 410)', async () => {
      const { device } = await devices.register(registration(), 1);
      await devices.register(registration({ token: device.token }), 50);
      assert.equal(await devices.markInvalid(device.id, 'Unregistered', 60, { unlessSeenAfter: 40 }), false, 'died at 40, seen again at 50');
      assert.equal((await devices.byId(device.id))?.state, 'active');
      assert.equal(await devices.markInvalid(device.id, 'Unregistered', 60, { unlessSeenAfter: 55 }), true, 'died at 55, after the last registration');
      assert.equal((await devices.byId(device.id))?.state, 'invalid');
    });

    it('finds a device by its app, provider and token', async () => {
      const { device } = await devices.register(registration({ app: 'shop' }), 1);
      assert.deepEqual(await devices.byToken('shop', 'apns', device.token), device);
      assert.equal(await devices.byToken('default', 'apns', device.token), undefined);
      assert.equal(await devices.byToken('shop', 'fcm', device.token), undefined);
    });

    it('tells whether a topic reaches any device, through its own topics or its user\'s', async () => {
      assert.equal(await devices.hasTopic('nobody'), false);
      await devices.register(registration({ topics: ['own'] }), 1);
      await devices.setUserTopics('someone', ['bound']);
      assert.equal(await devices.hasTopic('own'), true);
      assert.equal(await devices.hasTopic('bound'), true);
      assert.equal(await devices.hasTopic('nobody'), false);
    });

    it('updates the given fields only, and removes devices', async () => {
      const { device } = await devices.register(registration({ user: 'ann', locale: 'en', topics: ['x'] }), 1);
      const updated = await devices.update(device.id, { user: 'bob', timezone: 'UTC', meta: { k: true }, topics: ['y', 'z'] }, 2);
      assert.deepEqual(updated, { ...device, user: 'bob', timezone: 'UTC', meta: { k: true }, topics: ['y', 'z'], updatedAt: 2 });
      assert.deepEqual(await devices.update(device.id, { user: null, locale: null }, 3), { ...updated, user: null, locale: null, updatedAt: 3 });
      assert.deepEqual(await devices.update(device.id, {}, 4), { ...updated, user: null, locale: null, updatedAt: 4 });
      assert.equal(await devices.update('dev_missing', { user: 'x' }, 5), undefined);

      assert.equal(await devices.remove(device.id), true);
      assert.equal(await devices.remove(device.id), false);
      assert.equal(await devices.byId(device.id), undefined);
      assert.deepEqual(await reach(devices, { kind: 'topic', topic: 'y' }), []);
    });

    it('changes own topics with set, add and remove', async () => {
      const { device } = await devices.register(registration({ topics: ['a'] }), 1);
      assert.deepEqual((await devices.setTopics(device.id, ['c', 'b', 'c'], 'add', 2))?.topics, ['a', 'b', 'c']);
      assert.deepEqual((await devices.setTopics(device.id, ['a', 'nope'], 'remove', 3))?.topics, ['b', 'c']);
      assert.deepEqual((await devices.setTopics(device.id, [], 'remove', 3))?.topics, ['b', 'c']);
      const set = await devices.setTopics(device.id, ['d'], 'set', 4);
      assert.deepEqual(set, { ...device, topics: ['d'], updatedAt: 4 });
      assert.deepEqual((await devices.setTopics(device.id, [], 'set', 5))?.topics, []);
      assert.equal(await devices.setTopics('dev_missing', ['a'], 'add', 6), undefined);
    });

    it('joins a user\'s topics to the user\'s devices, and they leave when the device changes user', async () => {
      assert.deepEqual(await devices.userTopics('ann'), []);
      await devices.setUserTopics('ann', ['sports', 'news', 'news']);
      assert.deepEqual(await devices.userTopics('ann'), ['news', 'sports']);
      const { device } = await devices.register(registration({ user: 'ann', topics: ['own'] }), 1);
      assert.deepEqual(device.topics, ['own'], 'user topics are not copied onto the device');
      const reachTopic = async (topic: string) => [...await reach(devices, { kind: 'topic', topic }), ...await reach(devices, { kind: 'topicUsers', topic })];
      const listed = async (topic: string) => ids((await devices.list({ topic, limit: 10 })).devices);
      assert.deepEqual(await reachTopic('news'), [device.id]);
      assert.deepEqual(await listed('news'), [device.id]);

      await devices.setUserTopics('bob', ['chess']);
      await devices.update(device.id, { user: 'bob' }, 2);
      assert.deepEqual(await reachTopic('news'), []);
      assert.deepEqual(await listed('sports'), []);
      assert.deepEqual(await reachTopic('chess'), [device.id]);
      assert.deepEqual(await listed('own'), [device.id]);
      await devices.setUserTopics('bob', []);
      assert.deepEqual(await reachTopic('chess'), []);
      assert.deepEqual(await devices.userTopics('ann'), ['news', 'sports'], 'another user is untouched');
    });

    it('pages the users bound to a topic in byte order, after a cursor', async () => {
      for (const user of ['zed', 'ann', 'émile', 'Bob', 'carl']) await devices.setUserTopics(user, ['news', `${user}-only`]);
      await devices.setUserTopics('dora', ['sports']);
      // Byte order (code points): uppercase before lowercase, é after z.
      assert.deepEqual(await devices.topicUsers('news', { limit: 10 }), ['Bob', 'ann', 'carl', 'zed', 'émile']);
      assert.deepEqual(await devices.topicUsers('news', { limit: 2 }), ['Bob', 'ann']);
      assert.deepEqual(await devices.topicUsers('news', { after: 'ann', limit: 2 }), ['carl', 'zed']);
      assert.deepEqual(await devices.topicUsers('news', { after: 'zed', limit: 2 }), ['émile']);
      assert.deepEqual(await devices.topicUsers('news', { after: 'émile', limit: 2 }), []);
      assert.deepEqual(await devices.topicUsers('news', { limit: 0 }), []);
      assert.deepEqual(await devices.topicUsers('nobody', { limit: 10 }), []);
      await devices.setUserTopics('ann', []);
      assert.deepEqual(await devices.topicUsers('news', { limit: 10 }), ['Bob', 'carl', 'zed', 'émile']);
      assert.deepEqual(await devices.userTopics('ann'), []);
    });

    it('prunes devices still invalid and last changed before a time, with their topics', async () => {
      const register = async (topic: string, now: number) => (await devices.register(registration({ topics: [topic] }), now)).device;
      const old = [await register('old-1', 1), await register('old-2', 1)];
      const markedLate = await register('marked-late', 1);
      const editedLate = await register('edited-late', 1);
      const revived = await register('revived', 1);
      const active = await register('active', 1);
      for (const d of old) await devices.markInvalid(d.id, 'Unregistered', 10);
      await devices.markInvalid(markedLate.id, 'Unregistered', 30);
      await devices.markInvalid(editedLate.id, 'Unregistered', 10);
      await devices.update(editedLate.id, { locale: 'de' }, 30);
      await devices.markInvalid(revived.id, 'Unregistered', 10);
      await devices.register(registration({ token: revived.token }), 15);

      assert.equal(await devices.pruneInvalid(20), 2);
      for (const d of old) assert.equal(await devices.byId(d.id), undefined);
      assert.equal(await devices.hasTopic('old-1'), false, 'the topics went with their devices');
      assert.equal(await devices.hasTopic('old-2'), false);
      for (const d of [markedLate, editedLate, revived, active]) assert.ok(await devices.byId(d.id), `${d.topics[0]} kept`);
      assert.equal(await devices.pruneInvalid(20), 0, 'nothing left to prune');
      assert.equal(await devices.pruneInvalid(31), 2, 'the late ones in their turn');
      assert.deepEqual(ids((await devices.list({ limit: 10 })).devices), sorted([revived.id, active.id]));
    });

    it('lists by every filter, ordered by id, paging with an opaque cursor', async () => {
      await devices.setUserTopics('ann', ['news']);
      const a = (await devices.register(registration({ user: 'ann', platform: 'ios' }), 1)).device;
      const b = (await devices.register(registration({ provider: 'fcm', platform: 'android', topics: ['news'] }), 1)).device;
      const c = (await devices.register(registration({ provider: 'fcm', platform: 'android', app: 'beta' }), 1)).device;
      const d = (await devices.register(registration({ provider: 'webpush', platform: 'web', user: 'bob' }), 1)).device;
      const e = (await devices.register(registration({ user: 'ann', platform: 'ios' }), 1)).device;
      await devices.markInvalid(e.id, 'BadDeviceToken', 2);
      const find = async (query: Omit<Parameters<DeviceStore['list']>[0], 'limit'>) =>
        ids((await devices.list({ ...query, limit: 100 })).devices);
      assert.deepEqual(await find({}), sorted([a.id, b.id, c.id, d.id, e.id]));
      assert.deepEqual(await find({ user: 'ann' }), sorted([a.id, e.id]));
      assert.deepEqual(await find({ provider: 'fcm' }), sorted([b.id, c.id]));
      assert.deepEqual(await find({ platform: 'web' }), [d.id]);
      assert.deepEqual(await find({ app: 'beta' }), [c.id]);
      assert.deepEqual(await find({ state: 'invalid' }), [e.id]);
      assert.deepEqual(await find({ topic: 'news' }), sorted([a.id, b.id, e.id]));
      assert.deepEqual(await find({ topic: 'news', state: 'active', provider: 'apns' }), [a.id]);
      assert.deepEqual(await find({ topic: 'none' }), []);
      const renewed = (await devices.register(registration({ provider: 'webpush', platform: 'web', token: d.token }), 50)).device;
      assert.deepEqual(await find({ seenBefore: 2 }), sorted([a.id, b.id, c.id, e.id]), 'registered before 2, renewals excepted');
      assert.deepEqual(await find({ seenBefore: 51, provider: 'webpush' }), [renewed.id]);
      assert.deepEqual(await find({ seenBefore: 50, provider: 'webpush' }), [], 'the bound is exclusive');

      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await devices.list({ limit: 2, ...(cursor !== undefined && { cursor }) });
        assert.ok(page.devices.length <= 2);
        seen.push(...ids(page.devices));
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== undefined);
      assert.equal(pages, 3);
      assert.deepEqual(seen, sorted([a.id, b.id, c.id, d.id, e.id]));
      assert.equal((await devices.list({ limit: 5 })).nextCursor, undefined, 'an exactly full last page has no cursor');
      assert.deepEqual(await devices.list({ limit: 0 }), { devices: [] });
    });

    it('lists and counts by lists of values: any value within a filter, every filter at once', async () => {
      await devices.setUserTopics('ann', ['news']);
      const a = (await devices.register(registration({ user: 'ann', platform: 'ios' }), 1)).device;
      const b = (await devices.register(registration({ provider: 'fcm', platform: 'android', topics: ['news'] }), 1)).device;
      const c = (await devices.register(registration({ provider: 'fcm', platform: 'android', user: 'carl', topics: ['chess'] }), 1)).device;
      const d = (await devices.register(registration({ provider: 'webpush', platform: 'web', user: 'bob' }), 1)).device;
      const find = async (filter: Omit<Parameters<DeviceStore['list']>[0], 'limit'>) => {
        const listed = ids((await devices.list({ ...filter, limit: 100 })).devices);
        assert.equal(await devices.count(filter), listed.length, `count agrees with the listing of ${JSON.stringify(filter)}`);
        return listed;
      };
      assert.deepEqual(await find({ providers: ['fcm', 'webpush'] }), sorted([b.id, c.id, d.id]));
      assert.deepEqual(await find({ platforms: ['ios', 'web'] }), sorted([a.id, d.id]));
      assert.deepEqual(await find({ users: ['ann', 'bob', 'nobody'] }), sorted([a.id, d.id]));
      assert.deepEqual(await find({ users: [null] }), [b.id], 'null is the devices of no user');
      assert.deepEqual(await find({ users: [null, 'carl'] }), sorted([b.id, c.id]));
      assert.deepEqual(await find({ topics: ['news', 'chess'] }), sorted([a.id, b.id, c.id]), 'own topics and the user\'s');
      assert.deepEqual(await find({ ids: [a.id, c.id, 'dev_missing'] }), sorted([a.id, c.id]));
      assert.deepEqual(await find({ topics: ['news', 'chess'], providers: ['fcm'], users: ['carl'] }), [c.id]);
      assert.deepEqual(await find({ providers: [], users: [], topics: [] }), sorted([a.id, b.id, c.id, d.id]), 'an empty list is no filter');
      assert.deepEqual(await find({ topics: ['none'] }), []);
      assert.equal(await devices.count({}), 4);
      const page = await devices.list({ providers: ['fcm', 'apns'], limit: 2 });
      assert.deepEqual(ids(page.devices), sorted([a.id, b.id, c.id]).slice(0, 2));
      assert.deepEqual(ids((await devices.list({ providers: ['fcm', 'apns'], limit: 2, cursor: page.nextCursor! })).devices), sorted([a.id, b.id, c.id]).slice(2));
    });

    it('lists and counts devices\' own topics by device and topic filters, paging by (device, topic)', async () => {
      await devices.setUserTopics('ann', ['bound']);
      const a = (await devices.register(registration({ user: 'ann', topics: ['news', 'news-eu', 'sport'] }), 1)).device;
      const b = (await devices.register(registration({ provider: 'fcm', platform: 'android', topics: ['news', 'NEWS-x'] }), 1)).device;
      const c = (await devices.register(registration({ provider: 'fcm', platform: 'android', user: 'bob' }), 1)).device;
      const entries = (list: { deviceId: string; topic: string }[]) => list.map((e) => `${e.deviceId}:${e.topic}`);
      const find = async (filter: Parameters<DeviceStore['countDeviceTopics']>[0]) => {
        const listed = entries((await devices.listDeviceTopics({ ...filter, limit: 100 })).entries);
        assert.equal(await devices.countDeviceTopics(filter), listed.length, `count agrees with the listing of ${JSON.stringify(filter)}`);
        return listed;
      };
      const all = [...a.topics.map((t) => `${a.id}:${t}`), ...b.topics.map((t) => `${b.id}:${t}`)]
        .sort((x, y) => (x.split(':')[0]! < y.split(':')[0]! ? -1 : x.split(':')[0]! > y.split(':')[0]! ? 1 : 0));
      assert.deepEqual(await find({}), all, 'own topics only, none of the user\'s; ordered by device then topic');
      assert.deepEqual(await find({ topics: ['news'] }), sorted([`${a.id}:news`, `${b.id}:news`]));
      assert.deepEqual(await find({ topicPrefix: 'news' }), sorted([`${a.id}:news`, `${a.id}:news-eu`, `${b.id}:news`]), 'the prefix is case-sensitive');
      assert.deepEqual(await find({ topicPrefix: 'news', providers: ['fcm'] }), [`${b.id}:news`]);
      assert.deepEqual(await find({ users: ['ann'], topics: ['sport', 'news'] }), [`${a.id}:news`, `${a.id}:sport`]);
      assert.deepEqual(await find({ users: [null], platforms: ['android'] }), [`${b.id}:NEWS-x`, `${b.id}:news`]);
      assert.deepEqual(await find({ deviceIds: [c.id] }), []);
      assert.deepEqual(await find({ topicPrefix: 'n%' }), [], 'no wildcard in a prefix');

      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await devices.listDeviceTopics({ limit: 2, ...(cursor !== undefined && { cursor }) });
        assert.ok(page.entries.length <= 2);
        seen.push(...entries(page.entries));
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      assert.deepEqual(seen, all);
      assert.deepEqual(await devices.listDeviceTopics({ limit: 0 }), { entries: [] });
    });

    it('pages an audience of devices, users and topics: active only, each device once', async () => {
      await devices.setUserTopics('ann', ['news']);
      const annPhone = (await devices.register(registration({ user: 'ann', topics: ['news'] }), 1)).device;
      const annTablet = (await devices.register(registration({ user: 'ann' }), 1)).device;
      const bob = (await devices.register(registration({ user: 'bob', topics: ['news'] }), 1)).device;
      const carl = (await devices.register(registration({ user: 'carl' }), 1)).device;
      const listed = (await devices.register(registration(), 1)).device;
      const dead = (await devices.register(registration({ user: 'ann', topics: ['news'] }), 1)).device;
      await devices.markInvalid(dead.id, 'Unregistered', 2);

      const union = async (sources: AudienceSource[]) => sorted([...new Set((await Promise.all(sources.map((src) => reach(devices, src)))).flat())]);
      const everyone = await union([
        { kind: 'topic', topic: 'news' }, { kind: 'topicUsers', topic: 'news' }, { kind: 'users', users: ['ann', 'bob', 'ann'] }, { kind: 'devices', ids: [listed.id, annPhone.id, dead.id] },
      ]);
      assert.deepEqual(everyone, sorted([annPhone.id, annTablet.id, bob.id, listed.id]));
      const page = await devices.pageAudience({ kind: 'devices', ids: [annPhone.id] }, { limit: 10 });
      assert.deepEqual(page, { members: [{ id: annPhone.id, app: annPhone.app, provider: annPhone.provider, token: annPhone.token, keys: annPhone.keys }] });
      assert.deepEqual(await reach(devices, { kind: 'users', users: ['carl'] }), [carl.id]);
      assert.deepEqual(await reach(devices, { kind: 'devices', ids: [dead.id, 'dev_missing'] }), []);
      assert.deepEqual(await reach(devices, { kind: 'users', users: [] }), []);
      assert.deepEqual(await devices.pageAudience({ kind: 'users', users: ['ann'] }, { limit: 0 }), { members: [] });

      // Paging: a full page carries a cursor, the rest follows from it, nothing twice.
      const first = await devices.pageAudience({ kind: 'users', users: ['ann', 'bob'] }, { limit: 2 });
      assert.equal(first.members.length, 2);
      assert.ok(first.next, 'a full page says where to go on');
      const rest = await devices.pageAudience({ kind: 'users', users: ['ann', 'bob'] }, { limit: 2, after: first.next! });
      assert.deepEqual(sorted([...first.members, ...rest.members].map((m) => m.id)), sorted([annPhone.id, annTablet.id, bob.id]));
      assert.equal(rest.next, undefined);
    });

    it('pages a filter audience: every field at once, each by any of its values, active only, as the listing filters', async () => {
      await devices.setUserTopics('ann', ['news']);
      const reg = async (fields: Partial<DeviceRegistration>) => (await devices.register(registration(fields), 1)).device;
      const annIos = await reg({ user: 'ann', locale: 'pt-BR' });
      const annWeb = await reg({ user: 'ann', provider: 'webpush', platform: 'web', locale: 'PT-pt', keys: { p256dh: 'k', auth: 'a' }, token: `https://push.example/${randomBytes(8).toString('hex')}` });
      const bobFcm = await reg({ user: 'bob', provider: 'fcm', platform: 'android', topics: ['news'], locale: 'pt' });
      const anonIos = await reg({ topics: ['news', 'chess'], locale: 'en-US' });
      const anonFcm = await reg({ provider: 'fcm', platform: 'android', app: 'other' });
      const dead = await reg({ user: 'ann', topics: ['news'] });
      await devices.markInvalid(dead.id, 'Unregistered', 2);
      const everyone = sorted([annIos.id, annWeb.id, bobFcm.id, anonIos.id, anonFcm.id]);

      const viaFilter = async (filter: AudienceFilter) => {
        const reached = await reach(devices, { kind: 'filter', filter });
        const unique = sorted([...new Set(reached)]);
        const listed = ids((await devices.list({ ...filter, state: 'active', limit: 100 })).devices);
        assert.deepEqual(unique, listed, `the audience of ${JSON.stringify(filter)} is what the listing of active devices shows`);
        return unique;
      };
      assert.deepEqual(await viaFilter({}), everyone, 'an empty filter is every active device');
      assert.deepEqual(await viaFilter({ users: ['ann'], platforms: ['ios'] }), [annIos.id]);
      assert.deepEqual(await viaFilter({ users: ['ann', null], platforms: ['ios'] }), sorted([annIos.id, anonIos.id]), 'null is the devices of no user');
      assert.deepEqual(await viaFilter({ users: [null] }), sorted([anonIos.id, anonFcm.id]));
      assert.deepEqual(await viaFilter({ topics: ['news'], providers: ['fcm', 'webpush'] }), sorted([annWeb.id, bobFcm.id]), 'own topics and the user\'s');
      assert.deepEqual(await viaFilter({ topics: ['news', 'chess'] }), sorted([annIos.id, annWeb.id, bobFcm.id, anonIos.id]));
      assert.deepEqual(await viaFilter({ ids: [annIos.id, bobFcm.id, dead.id], users: ['bob'] }), [bobFcm.id], 'ids and users intersect');
      assert.deepEqual(await viaFilter({ ids: [annIos.id, anonIos.id], topics: ['chess'] }), [anonIos.id]);
      assert.deepEqual(await viaFilter({ locales: ['pt'] }), sorted([annIos.id, annWeb.id, bobFcm.id]), 'a language takes its regional variants, in any case');
      assert.deepEqual(await viaFilter({ locales: ['pt-br'] }), [annIos.id], 'a tag with a region takes only itself');
      assert.deepEqual(await viaFilter({ locales: ['en', 'PT-PT'] }), sorted([annWeb.id, anonIos.id]));
      assert.deepEqual(await viaFilter({ apps: ['other'] }), [anonFcm.id]);
      assert.deepEqual(await viaFilter({ platforms: ['web'], users: ['bob'] }), []);
      assert.deepEqual(await viaFilter({ topics: ['nobody-here'] }), []);
      assert.equal(await devices.count({ locales: ['pt'], users: ['ann'] }), 2, 'the count filters by locale too (the dead device has none)');

      const first = await devices.pageAudience({ kind: 'filter', filter: {} }, { limit: 2 });
      assert.ok(first.next, 'a full window says where to go on');
      assert.ok(first.members.length <= 2);
      assert.deepEqual(await devices.pageAudience({ kind: 'filter', filter: {} }, { limit: 0 }), { members: [] });
    });

    it('binds topics to every user (""): every device is reached through them, present and future, until unbound', async () => {
      const before = (await devices.register(registration({ user: 'ann' }), 1)).device;
      const anon = (await devices.register(registration({ provider: 'fcm', platform: 'android' }), 1)).device;
      assert.equal(await devices.hasTopic('all'), false);
      assert.deepEqual(await reach(devices, { kind: 'topicEveryone', topic: 'all' }), []);
      await devices.setUserTopics(EVERY_USER, ['all', 'promo']);
      const later = (await devices.register(registration({ user: 'bob', platform: 'ipados' }), 2)).device;
      const dead = (await devices.register(registration(), 2)).device;
      await devices.markInvalid(dead.id, 'gone', 3);

      assert.equal(await devices.hasTopic('all'), true);
      assert.deepEqual(await reach(devices, { kind: 'topicEveryone', topic: 'all' }), sorted([before.id, anon.id, later.id]), 'in id order, active only');
      assert.deepEqual(await reach(devices, { kind: 'topicEveryone', topic: 'other' }), []);
      assert.deepEqual(await reach(devices, { kind: 'topicUsers', topic: 'all' }), [], 'no device has the user ""');
      assert.deepEqual(await devices.topicUsers('all', { limit: 10 }), [], 'a notify audience names no user ""');
      assert.deepEqual(ids((await devices.list({ topics: ['promo'], limit: 10 })).devices), sorted([before.id, anon.id, later.id, dead.id]));
      assert.deepEqual(ids((await devices.list({ topic: 'all', platform: 'ipados', limit: 10 })).devices), [later.id]);
      assert.deepEqual(sorted([...new Set(await reach(devices, { kind: 'filter', filter: { topics: ['all'], providers: ['apns'] } }))]), sorted([before.id, later.id]));
      assert.deepEqual(await devices.userTopics(EVERY_USER), ['all', 'promo']);

      await devices.setUserTopics(EVERY_USER, ['promo']);
      assert.deepEqual(await reach(devices, { kind: 'topicEveryone', topic: 'all' }), []);
      assert.equal(await devices.hasTopic('all'), false);
    });

    it('lists every user\'s bindings by (user, topic), "" first, with filters, a count and a cursor', async () => {
      await devices.setUserTopics('bob', ['news', 'sport']);
      await devices.setUserTopics('ann', ['news-eu', 'chess']);
      await devices.setUserTopics(EVERY_USER, ['news']);
      await devices.setUserTopics('a:b', ['x']);
      const pairs = (page: { bindings: { user: string; topic: string }[] }) => page.bindings.map((b) => `${b.user}/${b.topic}`);
      const find = async (filter: Omit<Parameters<DeviceStore['listUserTopics']>[0], 'limit'>) => {
        const listed = pairs(await devices.listUserTopics({ ...filter, limit: 100 }));
        assert.equal(await devices.countUserTopics(filter), listed.length, `count agrees with the listing of ${JSON.stringify(filter)}`);
        return listed;
      };
      const all = ['/news', 'a:b/x', 'ann/chess', 'ann/news-eu', 'bob/news', 'bob/sport'];
      assert.deepEqual(await find({}), all);
      assert.deepEqual(await find({ users: [EVERY_USER, 'bob'] }), ['/news', 'bob/news', 'bob/sport']);
      assert.deepEqual(await find({ topics: ['news', 'x'] }), ['/news', 'a:b/x', 'bob/news']);
      assert.deepEqual(await find({ topicPrefix: 'news' }), ['/news', 'ann/news-eu', 'bob/news']);
      assert.deepEqual(await find({ topicPrefix: 'news', users: ['ann'] }), ['ann/news-eu']);
      assert.deepEqual(await find({ topicPrefix: 'N' }), [], 'the prefix is case-sensitive');

      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await devices.listUserTopics({ limit: 2, ...(cursor !== undefined && { cursor }) });
        seen.push(...pairs(page));
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== undefined);
      assert.deepEqual([seen, pages], [all, 3]);
      assert.deepEqual(await devices.listUserTopics({ limit: 0 }), { bindings: [] });
    });

    // How fast registrations go is bench/'s business; here only what paging returns counts. Each
    // registration is its own synced commit, so the count is kept to what several pages need.
    const DEVICES = 1200;
    const PAGE = 100;
    it(`registers ${DEVICES.toLocaleString('en-US')} devices and pages through them in pages of ${PAGE}, each seen once`, async () => {
      await devices.setUserTopics('fans', ['match']);
      for (let i = 0; i < DEVICES; i++) {
        const own = i % 3 === 0 ? ['match'] : [];
        await devices.register(registration({ user: i % 2 === 0 ? 'fans' : `u${i}`, topics: own }), i);
      }
      // Reached by own topic, by user topic, or both (i % 6 === 0): 600 + 400 - 200.
      const expectedCount = DEVICES / 2 + Math.ceil(DEVICES / 3) - Math.ceil(DEVICES / 6);
      await devices.markInvalid((await devices.list({ user: 'fans', limit: 1 })).devices[0]!.id, 'gone', 1);

      const seen = new Set<string>();
      let pages = 0;
      for (const source of [{ kind: 'topic', topic: 'match' }, { kind: 'topicUsers', topic: 'match' }] as const) {
        let after: string | undefined;
        for (;;) {
          const page = await devices.pageAudience(source, { limit: PAGE, ...(after !== undefined && { after }) });
          const inPage = new Set(page.members.map((m) => m.id));
          assert.equal(inPage.size, page.members.length, 'no device twice in a page');
          for (const id of inPage) seen.add(id);
          pages++;
          if (!page.next) break;
          assert.equal(page.members.length, PAGE);
          after = page.next;
        }
      }
      assert.ok(pages >= Math.ceil(seen.size / PAGE));
      assert.equal(seen.size, expectedCount - 1);

      // A filter walks the same audience in windows of a page: no window holds more than a page.
      for (const [filter, expected] of [[{ topics: ['match'] }, expectedCount - 1], [{}, DEVICES - 1], [{ users: ['fans'], topics: ['match'] }, DEVICES / 2 - 1]] as const) {
        const reached = new Set<string>();
        let after: string | undefined;
        for (;;) {
          const page = await devices.pageAudience({ kind: 'filter', filter }, { limit: PAGE, ...(after !== undefined && { after }) });
          assert.ok(page.members.length <= PAGE);
          for (const m of page.members) reached.add(m.id);
          if (!page.next) break;
          after = page.next;
        }
        assert.equal(reached.size, expected, JSON.stringify(filter));
      }
    });
  });
}

function registration(fields: Partial<DeviceRegistration> = {}): DeviceRegistration {
  return {
    app: 'default',
    provider: 'apns',
    platform: 'ios',
    token: randomBytes(32).toString('hex'),
    ...fields,
  };
}

/** Every member of one audience source, page by page, in the order the source gives them. */
async function reach(devices: DeviceStore, source: AudienceSource): Promise<string[]> {
  const out: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await devices.pageAudience(source, { limit: 3, ...(after !== undefined && { after }) });
    out.push(...page.members.map((m) => m.id));
    if (!page.next) return out;
    after = page.next;
  }
}
