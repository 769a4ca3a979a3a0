import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from './manual-clock.js';
import { useTestDatabase, type TestDatabase } from './test-database.js';
import type {
  CategoryRecord, ChannelDeliveryRecord, InboxItem, NotifyStore, RecipientRecord, SubscriberRecord,
} from '../../src/ports/notify-store.js';

/** What an adapter hands the suite: the store and the way to close the connection behind it. */
export interface OpenedNotifyStore {
  notify: NotifyStore;
  close(): Promise<void>;
}

/** One empty database per test. `open` may be called again after a close, to check what was kept. */
export type NotifyStoreTestDatabase = TestDatabase<OpenedNotifyStore>;

type NewNotification = Parameters<NotifyStore['createNotification']>[0];

/**
 * The behaviour every NotifyStore adapter must show; call it once per adapter from that adapter's
 * test file. The store never reads a clock: each test moves a ManualClock and passes its time.
 */
export function describeNotifyStoreConformance(name: string, makeDatabase: () => Promise<NotifyStoreTestDatabase>): void {
  describe(`NotifyStore conformance: ${name}`, () => {
    const db = useTestDatabase(makeDatabase);
    let store: NotifyStore;
    let clock: ManualClock;
    beforeEach(() => {
      store = db.first().notify;
      clock = new ManualClock();
    });
    const T0 = new ManualClock().now();

    const notification = (fields: Partial<NewNotification> = {}) => store.createNotification(newNotification(clock.now(), fields), 0).then((r) => r.record);
    const recipient = (seq: number, subscriberId: string, fields: Partial<RecipientRecord> = {}): RecipientRecord =>
      ({ notificationSeq: seq, subscriberId, state: 'pending', plan: ['push', 'email'], createdAt: clock.now(), updatedAt: clock.now(), ...fields });
    const channel = (seq: number, subscriberId: string, fields: Partial<ChannelDeliveryRecord> = {}): ChannelDeliveryRecord =>
      ({ notificationSeq: seq, subscriberId, channel: 'email', state: 'queued', attempts: 0, createdAt: clock.now(), updatedAt: clock.now(), ...fields });
    const inboxItem = (subscriberId: string, id: string, fields: Partial<InboxItem> = {}): InboxItem =>
      ({ id, subscriberId, body: `body of ${id}`, data: {}, createdAt: clock.now(), ...fields });

    it('creates a subscriber once; a put replaces the profile and keeps preferences and creation time', async () => {
      const ann: SubscriberRecord = {
        id: 'ann', email: 'ann@example.com', phone: '+15550001111', name: 'Zoë Ann', locale: 'fr-CA', timezone: 'Europe/Paris',
        webhookUrl: 'https://hooks.example/ann', data: { plan: 'pro', nested: { list: [1, null, 'ü'] } }, createdAt: T0, updatedAt: T0,
      };
      assert.deepEqual(await store.putSubscriber(ann), { created: true });
      assert.deepEqual(await store.getSubscriber('ann'), ann, 'no preferences key until some are set');
      const preferences = { enabled: true, categories: { marketing: { enabled: false } } };
      assert.equal(await store.setPreferences('ann', preferences, T0 + 1), true);
      assert.deepEqual(await store.getSubscriber('ann'), { ...ann, preferences, updatedAt: T0 + 1 });
      assert.equal(await store.setPreferences('nobody', preferences, T0 + 1), false);
      assert.equal(await store.getSubscriber('nobody'), undefined);

      assert.deepEqual(await store.putSubscriber({ id: 'ann', data: {}, createdAt: T0, updatedAt: T0 + 2 }), { created: false });
      assert.deepEqual(await store.getSubscriber('ann'), { id: 'ann', data: {}, preferences, createdAt: T0, updatedAt: T0 + 2 }, 'fields left out are gone');

      await store.putSubscriber({ id: 'bob', data: {}, createdAt: T0, updatedAt: T0 });
      const found = await store.getSubscribers(['bob', 'missing', 'ann', 'bob']);
      assert.deepEqual([...found.keys()].sort(), ['ann', 'bob']);
      assert.deepEqual(found.get('ann'), await store.getSubscriber('ann'));
      assert.equal((await store.getSubscribers([])).size, 0);
    });

    it('lists subscribers in byte order, page by page, and finds them by part of an id, e-mail, name or phone', async () => {
      const put = (id: string, fields: Partial<SubscriberRecord> = {}) => store.putSubscriber({ id, data: {}, createdAt: T0, updatedAt: T0, ...fields });
      await put('bob', { email: 'Bob.Smith@Example.com' });
      await put('Ann', { name: 'Ann Lee', phone: '+15550001111' });
      await put('a_1', { name: '100% sure' });
      await put('carl');
      assert.deepEqual((await store.listSubscribers({ limit: 10 })).map((s) => s.id), ['Ann', 'a_1', 'bob', 'carl']);
      assert.deepEqual((await store.listSubscribers({ limit: 2 })).map((s) => s.id), ['Ann', 'a_1']);
      assert.deepEqual((await store.listSubscribers({ after: 'a_1', limit: 2 })).map((s) => s.id), ['bob', 'carl']);
      assert.deepEqual(await store.listSubscribers({ search: 'SMITH@example', limit: 10 }), [await store.getSubscriber('bob')]);
      assert.deepEqual((await store.listSubscribers({ search: 'lee', limit: 10 })).map((s) => s.id), ['Ann']);
      assert.deepEqual((await store.listSubscribers({ search: '555000', limit: 10 })).map((s) => s.id), ['Ann']);
      assert.deepEqual((await store.listSubscribers({ search: 'AR', limit: 10 })).map((s) => s.id), ['carl']);
      assert.deepEqual((await store.listSubscribers({ search: '%', limit: 10 })).map((s) => s.id), ['a_1'], '% is no wildcard');
      assert.deepEqual((await store.listSubscribers({ search: '_', limit: 10 })).map((s) => s.id), ['a_1'], '_ is no wildcard');
      assert.deepEqual((await store.listSubscribers({ search: 'r', after: 'a_1', limit: 10 })).map((s) => s.id), ['carl']);
    });

    it('lists notifications newest first, page by page, and only the categories asked for', async () => {
      const a = await notification({ id: 'nt_a', category: 'orders' });
      const b = await notification({ id: 'nt_b', category: 'news' });
      const c = await notification({ id: 'nt_c', category: 'orders' });
      assert.deepEqual((await store.listNotifications({ limit: 10 })).map((n) => n.id), ['nt_c', 'nt_b', 'nt_a']);
      assert.deepEqual(await store.listNotifications({ limit: 1 }), [await store.getNotification('nt_c')]);
      assert.deepEqual((await store.listNotifications({ before: c.seq, limit: 10 })).map((n) => n.id), ['nt_b', 'nt_a']);
      assert.deepEqual((await store.listNotifications({ limit: 10, categories: ['orders'] })).map((n) => n.id), ['nt_c', 'nt_a']);
      assert.deepEqual((await store.listNotifications({ before: b.seq, limit: 10, categories: ['news'] })).map((n) => n.id), []);
      assert.deepEqual(await store.listNotifications({ limit: 10, categories: [] }), []);
      assert.ok(a.seq < b.seq);
    });

    it('keeps categories and templates by name: a put replaces all but the creation time, listed in byte order', async () => {
      const orders: CategoryRecord = { name: 'orders', description: 'Order updates', channels: ['push', 'email'], critical: false, digestWindowMs: 60_000, createdAt: T0, updatedAt: T0 };
      await store.putCategory(orders);
      await store.putCategory({ name: 'order_shipped', description: '', channels: ['sms'], critical: true, createdAt: T0, updatedAt: T0 });
      await store.putCategory({ name: 'billing', description: 'Invoices', channels: ['email'], critical: false, createdAt: T0, updatedAt: T0 });
      assert.deepEqual(await store.getCategory('orders'), orders);
      assert.equal((await store.getCategory('order_shipped'))?.critical, true);
      assert.equal(await store.getCategory('Orders'), undefined, 'names are exact');
      await store.putCategory({ name: 'orders', description: 'Orders', channels: ['inapp'], critical: true, createdAt: T0 + 5, updatedAt: T0 + 5 });
      assert.deepEqual(await store.getCategory('orders'), { name: 'orders', description: 'Orders', channels: ['inapp'], critical: true, createdAt: T0, updatedAt: T0 + 5 });
      // Byte order, which no locale's collation changes: '_' sorts before letters.
      assert.deepEqual((await store.listCategories()).map((c) => c.name), ['billing', 'order_shipped', 'orders']);
      assert.equal(await store.deleteCategory('billing'), true);
      assert.equal(await store.deleteCategory('billing'), false);
      assert.equal(await store.getCategory('billing'), undefined);

      const definition = { channels: { email: { subject: { en: 'Hi {{ name }}', 'fr-CA': 'Salut {{ name }}' } } }, meta: [1, true, null] };
      await store.putTemplate({ name: 'welcome', definition, createdAt: T0, updatedAt: T0 });
      await store.putTemplate({ name: 'orders', definition: {}, createdAt: T0, updatedAt: T0 });
      await store.putTemplate({ name: 'order_shipped', definition: [], createdAt: T0, updatedAt: T0 });
      assert.deepEqual(await store.getTemplate('welcome'), { name: 'welcome', definition, createdAt: T0, updatedAt: T0 });
      await store.putTemplate({ name: 'welcome', definition: { v: 2 }, createdAt: T0 + 9, updatedAt: T0 + 9 });
      assert.deepEqual(await store.getTemplate('welcome'), { name: 'welcome', definition: { v: 2 }, createdAt: T0, updatedAt: T0 + 9 });
      assert.deepEqual((await store.listTemplates()).map((t) => t.name), ['order_shipped', 'orders', 'welcome']);
      assert.equal(await store.deleteTemplate('orders'), true);
      assert.equal(await store.deleteTemplate('orders'), false);
      assert.equal(await store.getTemplate('missing'), undefined);
      assert.deepEqual((await store.getTemplate('order_shipped'))?.definition, []);
      assert.deepEqual((await store.listTemplates()).map((t) => t.name), ['order_shipped', 'welcome']);
    });

    it('creates notifications in phase routing, every field intact, optional ones left out', async () => {
      const full = newNotification(T0, {
        id: 'nt_full', channels: ['email', 'sms'], sendAt: '2030-01-01T09:00', expiresAt: T0 + 3_600_000, idempotencyKey: 'k1', priority: 'critical', strategy: 'fallback',
        to: { topic: 'release-notes' },
      });
      const { record, created } = await store.createNotification(full, 0);
      assert.equal(created, true);
      assert.ok(Number.isSafeInteger(record.seq) && record.seq > 0, 'seq is a positive integer (a number, not a string)');
      assert.deepEqual(record, { ...full, seq: record.seq, phase: 'routing', recipients: 0 });
      assert.deepEqual(await store.getNotification('nt_full'), record);
      assert.deepEqual(await store.getNotificationBySeq(record.seq), record);
      const minimal = await notification({ id: 'nt_min' });
      assert.ok(minimal.seq > record.seq);
      assert.deepEqual(minimal, { ...newNotification(T0, { id: 'nt_min' }), seq: minimal.seq, phase: 'routing', recipients: 0 });
      assert.equal(await store.getNotification('nt_missing'), undefined);
      assert.equal(await store.getNotificationBySeq(minimal.seq + 100), undefined);
    });

    it('answers a repeated idempotency key of the same sender with the newest notification inside the window', async () => {
      const first = await store.createNotification(newNotification(T0, { id: 'nt_1', idempotencyKey: 'k' }), 0);
      const repeat = await store.createNotification(newNotification(T0 + 10, { id: 'nt_2', idempotencyKey: 'k' }), T0);
      assert.deepEqual(repeat, { record: first.record, created: false }, 'the window includes its start');
      assert.equal(await store.getNotification('nt_2'), undefined, 'nothing was stored for the repeat');
      const later = await store.createNotification(newNotification(T0 + 20, { id: 'nt_3', idempotencyKey: 'k' }), T0 + 1);
      assert.equal(later.created, true, 'a key older than the window is free again');
      assert.equal((await store.createNotification(newNotification(T0 + 30, { id: 'nt_4', idempotencyKey: 'k' }), 0)).record.id, 'nt_3', 'the newest one');
      assert.equal((await store.createNotification(newNotification(T0 + 30, { id: 'nt_5', idempotencyKey: 'k', actor: 'key:other' }), 0)).created, true, 'keys are per sender');
      assert.equal((await store.createNotification(newNotification(T0 + 30, { id: 'nt_6' }), 0)).created, true);
      assert.equal((await store.createNotification(newNotification(T0 + 30, { id: 'nt_7' }), 0)).created, true, 'no key, no deduplication');
    });

    it('stores one notification when two requests with one idempotency key arrive at once', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.createNotification(newNotification(T0, { id: `nt_race_${i}`, idempotencyKey: 'same' }), 0)));
      assert.equal(results.filter((r) => r.created).length, 1);
      const winner = results.find((r) => r.created)!.record;
      assert.ok(results.every((r) => r.record.seq === winner.seq), 'the others get the one stored');
    });

    it('adds recipients page by page: existing rows are kept, the cursor moves, done ends routing', async () => {
      const n = await notification();
      const other = await notification({ id: 'nt_other' });
      assert.deepEqual((await store.unroutedNotifications()).map((x) => x.seq), [n.seq, other.seq], 'in creation order');
      assert.equal(await store.addRecipients(n.seq, [recipient(n.seq, 'u1'), recipient(n.seq, 'U9')], 'u1', false), 2);
      assert.deepEqual(pick(await store.getNotificationBySeq(n.seq)), { phase: 'routing', routeCursor: 'u1', recipients: 2 });
      clock.advance(5);
      const again = await store.addRecipients(n.seq, [recipient(n.seq, 'u1', { state: 'sent', plan: [] }), recipient(n.seq, 'u2', { state: 'scheduled', reason: 'quiet hours' })], 'u2', true);
      assert.equal(again, 1, 'only u2 is new');
      assert.deepEqual(pick(await store.getNotificationBySeq(n.seq)), { phase: 'routed', routeCursor: 'u2', recipients: 3 });
      assert.deepEqual(await store.getRecipient(n.seq, 'u1'), recipient(n.seq, 'u1', { createdAt: T0, updatedAt: T0 }), 'the first row stays as it was');
      assert.deepEqual(await store.getRecipient(n.seq, 'u2'), recipient(n.seq, 'u2', { state: 'scheduled', reason: 'quiet hours' }));
      assert.equal(await store.getRecipient(n.seq, 'u3'), undefined);
      assert.equal(await store.getRecipient(other.seq, 'u1'), undefined);
      assert.deepEqual((await store.unroutedNotifications()).map((x) => x.seq), [other.seq]);

      // Byte order of subscriber ids: upper case first.
      assert.deepEqual((await store.listRecipients(n.seq, undefined, 10)).map((r) => r.subscriberId), ['U9', 'u1', 'u2']);
      assert.deepEqual((await store.listRecipients(n.seq, undefined, 2)).map((r) => r.subscriberId), ['U9', 'u1']);
      assert.deepEqual((await store.listRecipients(n.seq, 'u1', 2)).map((r) => r.subscriberId), ['u2']);
      assert.deepEqual(await store.listRecipients(n.seq, 'u2', 2), []);
      assert.deepEqual(await store.recipientCounts(n.seq), { pending: 2, scheduled: 1 });
      assert.deepEqual(await store.recipientCounts(other.seq), {});

      // Cancelled while routing: a last page does not bring it back to routed.
      await store.setPhase(other.seq, 'cancelled');
      assert.equal(await store.addRecipients(other.seq, [recipient(other.seq, 'u1')], 'u1', true), 1);
      assert.deepEqual(pick(await store.getNotificationBySeq(other.seq)), { phase: 'cancelled', routeCursor: 'u1', recipients: 1 });
      assert.deepEqual(await store.unroutedNotifications(), []);
    });

    it('patches a recipient: given fields only, the rest kept', async () => {
      const n = await notification();
      await store.addRecipients(n.seq, [recipient(n.seq, 'u1', { reason: 'first' })], undefined, true);
      assert.equal((await store.getNotificationBySeq(n.seq))?.routeCursor, undefined, 'no cursor given, none kept');
      clock.advance(7);
      await store.updateRecipient(n.seq, 'u1', { state: 'sending' }, clock.now());
      assert.deepEqual(await store.getRecipient(n.seq, 'u1'), recipient(n.seq, 'u1', { state: 'sending', reason: 'first', createdAt: T0, updatedAt: T0 + 7 }));
      await store.updateRecipient(n.seq, 'u1', { plan: ['sms'], reason: 'falling back to sms' }, clock.now());
      assert.deepEqual(pick(await store.getRecipient(n.seq, 'u1'), ['state', 'plan', 'reason']), { state: 'sending', plan: ['sms'], reason: 'falling back to sms' });
      await store.updateRecipient(n.seq, 'u1', { state: 'sent', plan: [] }, clock.now());
      assert.deepEqual(pick(await store.getRecipient(n.seq, 'u1'), ['state', 'plan', 'reason']), { state: 'sent', plan: [], reason: 'falling back to sms' });
      await store.updateRecipient(n.seq, 'u_missing', { state: 'sent' }, clock.now());
      assert.equal(await store.getRecipient(n.seq, 'u_missing'), undefined, 'a patch creates nothing');
    });

    it('upserts channel rows: the address, provider id and send time stay when an update leaves them out', async () => {
      const n = await notification();
      const sms = channel(n.seq, 'u1', { channel: 'sms', state: 'awaiting', address: '+15550001111', providerId: 'SM1', attempts: 1, reason: 'queued at Twilio' });
      await store.upsertChannel(sms);
      assert.deepEqual(await store.getChannel(n.seq, 'u1', 'sms'), sms);
      clock.advance(100);
      await store.upsertChannel(channel(n.seq, 'u1', { channel: 'sms', state: 'delivered', attempts: 2, sentAt: clock.now() }));
      assert.deepEqual(await store.getChannel(n.seq, 'u1', 'sms'), {
        notificationSeq: n.seq, subscriberId: 'u1', channel: 'sms', state: 'delivered', address: '+15550001111', providerId: 'SM1', attempts: 2,
        createdAt: T0, updatedAt: T0 + 100, sentAt: T0 + 100,
      }, 'the reason is replaced (here: removed), the creation time kept');
      clock.advance(100);
      await store.upsertChannel(channel(n.seq, 'u1', { channel: 'sms', state: 'delivered', attempts: 2, sentAt: clock.now() }));
      assert.equal((await store.getChannel(n.seq, 'u1', 'sms'))?.sentAt, T0 + 200, 'a send time given replaces the old one');
      assert.deepEqual(await store.channelByProviderId('sms', 'SM1'), await store.getChannel(n.seq, 'u1', 'sms'));
      assert.equal(await store.channelByProviderId('email', 'SM1'), undefined, 'provider ids are per channel');
      assert.equal(await store.channelByProviderId('sms', 'SM2'), undefined);
      assert.equal(await store.getChannel(n.seq, 'u1', 'email'), undefined);

      await store.upsertChannel(channel(n.seq, 'u1', { channel: 'email', createdAt: T0 + 300 }));
      await store.upsertChannel(channel(n.seq, 'U0', { channel: 'push', createdAt: T0 + 400 }));
      await store.upsertChannel(channel(n.seq, 'u2', { channel: 'inapp' }));
      const listed = await store.channelsOf(n.seq, ['u1', 'U0', 'u_missing']);
      assert.deepEqual(listed.map((c) => `${c.subscriberId}/${c.channel}`), ['U0/push', 'u1/sms', 'u1/email'], 'by subscriber id, then in creation order');
      assert.deepEqual(await store.channelsOf(n.seq, []), []);
      assert.deepEqual(await store.channelsOf(n.seq + 1, ['u1']), []);
    });

    it('writes channel rows, recipient changes and cap sends of one unit of work together', async () => {
      const n = await notification();
      await store.addRecipients(n.seq, [recipient(n.seq, 'u1'), recipient(n.seq, 'u2')], 'u2', true);
      clock.advance(50);
      await store.writeBatch({
        channels: [channel(n.seq, 'u1', { channel: 'push', state: 'sent', providerId: 'push-1', attempts: 1, sentAt: clock.now() }), channel(n.seq, 'u2', { state: 'failed', reason: 'bounced', attempts: 1 })],
        recipients: [{ seq: n.seq, subscriberId: 'u1', patch: { state: 'sent', reason: 'delivered by push' } }, { seq: n.seq, subscriberId: 'u2', patch: { state: 'failed' } }],
        sends: [{ subscriberId: 'u1', category: 'orders', at: clock.now() }],
      }, clock.now());
      assert.deepEqual(await store.recipientCounts(n.seq), { sent: 1, failed: 1 });
      assert.equal(await store.channelsInFlight(n.seq), 0, 'sent and failed channels are not in flight');
      await store.upsertChannel(channel(n.seq, 'u1', { channel: 'email', state: 'queued' }));
      await store.upsertChannel(channel(n.seq, 'u1', { channel: 'sms', state: 'retrying', attempts: 1 }));
      await store.upsertChannel(channel(n.seq, 'u2', { channel: 'sms', state: 'awaiting', attempts: 1 }));
      assert.equal(await store.channelsInFlight(n.seq), 2, 'a sent recipient can still have channels on their way');
      assert.equal(await store.channelsInFlight(n.seq + 1), 0);
      assert.deepEqual(pick(await store.getRecipient(n.seq, 'u1'), ['state', 'reason', 'updatedAt']), { state: 'sent', reason: 'delivered by push', updatedAt: T0 + 50 });
      assert.equal((await store.channelByProviderId('push', 'push-1'))?.subscriberId, 'u1');
      assert.equal((await store.getChannel(n.seq, 'u2', 'email'))?.reason, 'bounced');
      assert.deepEqual(await store.sendsSince('u1', 0), [{ at: T0 + 50, category: 'orders' }]);
      await store.writeBatch({}, clock.now());
      await store.writeBatch({ channels: [], recipients: [], sends: [] }, clock.now());
      assert.deepEqual(await store.sendsSince('u1', 0), [{ at: T0 + 50, category: 'orders' }]);
    });

    it('applies a batch that names one row twice as the two writes in turn', async () => {
      const n = await notification();
      await store.addRecipients(n.seq, [recipient(n.seq, 'u1', { reason: 'first' })], undefined, true);
      clock.advance(10);
      await store.writeBatch({
        channels: [
          channel(n.seq, 'u1', { state: 'sending', address: 'ann@example.com', providerId: 'msg-1', attempts: 1 }),
          channel(n.seq, 'u1', { state: 'sent', attempts: 1, sentAt: clock.now(), createdAt: T0 + 10 }),
        ],
        recipients: [
          { seq: n.seq, subscriberId: 'u1', patch: { state: 'sending', plan: ['sms'], reason: 'trying email' } },
          { seq: n.seq, subscriberId: 'u1', patch: { state: 'sent' } },
        ],
      }, clock.now());
      assert.deepEqual(await store.getChannel(n.seq, 'u1', 'email'), channel(n.seq, 'u1', { state: 'sent', address: 'ann@example.com', providerId: 'msg-1', attempts: 1, sentAt: T0 + 10 }));
      assert.deepEqual(await store.getRecipient(n.seq, 'u1'), recipient(n.seq, 'u1', { state: 'sent', plan: ['sms'], reason: 'trying email', createdAt: T0 }));
    });

    it('counts every recorded send for caps, oldest first, from the given time on', async () => {
      await store.recordSend('u1', 'orders', T0 + 20);
      await store.recordSend('u1', 'marketing', T0 + 10);
      await store.recordSend('u1', 'orders', T0 + 20);
      await store.recordSend('u2', 'orders', T0 + 15);
      assert.deepEqual(await store.sendsSince('u1', T0), [{ at: T0 + 10, category: 'marketing' }, { at: T0 + 20, category: 'orders' }, { at: T0 + 20, category: 'orders' }], 'each call counts, repeats too');
      assert.deepEqual(await store.sendsSince('u1', T0 + 20), [{ at: T0 + 20, category: 'orders' }, { at: T0 + 20, category: 'orders' }], 'the window includes its start');
      assert.deepEqual(await store.sendsSince('u1', T0 + 21), []);
      assert.deepEqual(await store.sendsSince('nobody', 0), []);
    });

    it('keeps an inbox per subscriber, newest first, paging before an item; a repeated item is stored once', async () => {
      for (const i of [1, 2, 3, 4, 5]) {
        await store.addInboxItem(inboxItem('u1', `in_${i}`, { createdAt: T0 + (i === 4 ? 3 : i) }));
      }
      const full = inboxItem('u1', 'in_6', { notificationId: 'nt_1', category: 'orders', title: 'Shipped 📦', url: 'https://shop.example/o/42', data: { order: 42 }, createdAt: T0 + 6 });
      await store.addInboxItem(full);
      await store.addInboxItem({ ...full, body: 'changed', title: 'changed' });
      await store.addInboxItem(inboxItem('u2', 'in_other'));
      assert.deepEqual(await store.getInboxItem('u1', 'in_6'), full, 'the repeat changed nothing');
      assert.equal(await store.getInboxItem('u2', 'in_6'), undefined, 'another subscriber cannot read it');
      const ids = async (query: Parameters<NotifyStore['listInbox']>[1], who = 'u1') => (await store.listInbox(who, query)).map((i) => i.id);
      assert.deepEqual(await ids({ limit: 10 }), ['in_6', 'in_5', 'in_4', 'in_3', 'in_2', 'in_1'], 'in the order they were added, newest first');
      assert.deepEqual(await ids({ limit: 2 }), ['in_6', 'in_5']);
      assert.deepEqual(await ids({ limit: 2, before: 'in_5' }), ['in_4', 'in_3']);
      assert.deepEqual(await ids({ limit: 2, before: 'in_1' }), []);
      assert.deepEqual(await ids({ limit: 2, before: 'in_missing' }), [], 'an unknown cursor is the end');
      assert.deepEqual(await ids({ limit: 2, before: 'in_other' }), [], 'so is another subscriber\'s item');
      assert.deepEqual(await ids({ limit: 10 }, 'u2'), ['in_other']);
      assert.deepEqual(await ids({ limit: 10 }, 'nobody'), []);
    });

    it('marks inbox items seen, read and archived, and counts unread ones that are not archived', async () => {
      for (const i of [1, 2, 3, 4]) await store.addInboxItem(inboxItem('u1', `in_${i}`));
      await store.addInboxItem(inboxItem('u2', 'in_other'));
      assert.equal(await store.unreadCount('u1'), 4);
      clock.advance(10);
      const read = await store.updateInboxItem('u1', 'in_1', { readAt: clock.now(), seenAt: clock.now() });
      assert.deepEqual(read, { ...inboxItem('u1', 'in_1', { createdAt: T0 }), readAt: T0 + 10, seenAt: T0 + 10 });
      const archived = await store.updateInboxItem('u1', 'in_2', { archivedAt: clock.now() });
      assert.deepEqual([archived?.archivedAt, archived?.readAt], [T0 + 10, undefined], 'fields left out are kept');
      assert.equal(await store.unreadCount('u1'), 2, 'neither read nor archived: in_3 and in_4');
      assert.deepEqual((await store.listInbox('u1', { limit: 10 })).map((i) => i.id), ['in_4', 'in_3', 'in_1'], 'archived items are left out');
      assert.deepEqual((await store.listInbox('u1', { limit: 10, unread: true })).map((i) => i.id), ['in_4', 'in_3']);
      assert.deepEqual((await store.listInbox('u1', { limit: 10, archived: true })).map((i) => i.id), ['in_2']);
      const unread = await store.updateInboxItem('u1', 'in_1', { readAt: null });
      assert.deepEqual([unread?.readAt, unread?.seenAt], [undefined, T0 + 10], 'null clears one field');
      assert.equal(await store.updateInboxItem('u1', 'in_other', { readAt: clock.now() }), undefined, 'not theirs');
      assert.equal((await store.getInboxItem('u2', 'in_other'))?.readAt, undefined);
      assert.equal(await store.updateInboxItem('u1', 'in_missing', { readAt: clock.now() }), undefined);

      clock.advance(10);
      await store.updateInboxItem('u1', 'in_3', { seenAt: T0 + 5 });
      assert.equal(await store.readAllInbox('u1', clock.now()), 3, 'in_1, in_3 and in_4; the archived one stays unread');
      assert.deepEqual((await store.listInbox('u1', { limit: 10 })).map((i) => [i.id, i.readAt, i.seenAt]), [
        ['in_4', T0 + 20, T0 + 20], ['in_3', T0 + 20, T0 + 5], ['in_1', T0 + 20, T0 + 10],
      ], 'reading marks seen, keeping an earlier seen time');
      assert.equal(await store.unreadCount('u1'), 0);
      assert.equal(await store.readAllInbox('u1', clock.now()), 0, 'nothing left to read');
      assert.equal(await store.unreadCount('u2'), 1);
    });

    it('collects a digest per subscriber and category under the notification that opened it', async () => {
      const first = await store.addToDigest('u1', 'news', { a: 1 }, { carrierSeq: 7, flushAt: T0 + 1000 });
      assert.deepEqual(first, { opened: true, digest: { subscriberId: 'u1', category: 'news', carrierSeq: 7, flushAt: T0 + 1000, events: [{ a: 1 }] } });
      const joined = await store.addToDigest('u1', 'news', { a: 2, text: 'ü 🎉' }, { carrierSeq: 8, flushAt: T0 + 2000 });
      assert.deepEqual(joined, { opened: false, digest: { subscriberId: 'u1', category: 'news', carrierSeq: 7, flushAt: T0 + 1000, events: [{ a: 1 }, { a: 2, text: 'ü 🎉' }] } });
      assert.equal((await store.addToDigest('u1', 'orders', { b: 1 }, { carrierSeq: 9, flushAt: T0 })).opened, true, 'another category is another digest');
      assert.equal((await store.addToDigest('u2', 'news', { c: 1 }, { carrierSeq: 10, flushAt: T0 })).opened, true, 'another subscriber too');

      assert.equal(await store.takeDigest('u1', 'news', 8), undefined, 'only its carrier takes a digest');
      const taken = await store.takeDigest('u1', 'news', 7);
      assert.deepEqual(taken?.events, [{ a: 1 }, { a: 2, text: 'ü 🎉' }]);
      assert.equal(await store.takeDigest('u1', 'news', 7), undefined, 'taken once');
      const reopened = await store.addToDigest('u1', 'news', { a: 3 }, { carrierSeq: 11, flushAt: T0 + 5000 });
      assert.deepEqual([reopened.opened, reopened.digest.carrierSeq, reopened.digest.events], [true, 11, [{ a: 3 }]]);
      assert.deepEqual((await store.takeDigest('u1', 'orders', 9))?.events, [{ b: 1 }]);
    });

    it('opens one digest when events for it arrive at once, keeping every event', async () => {
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.addToDigest('u1', 'news', { i }, { carrierSeq: 100 + i, flushAt: T0 + i })));
      const opened = results.filter((r) => r.opened);
      assert.equal(opened.length, 1);
      const taken = await store.takeDigest('u1', 'news', opened[0]!.digest.carrierSeq);
      assert.deepEqual(taken?.events.map((e) => e.i).sort((a, b) => Number(a) - Number(b)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it('suppresses dead addresses by exact address; a later entry replaces the earlier', async () => {
      await store.suppressAddress({ address: 'ann@example.com', kind: 'bounce', reason: '550 5.1.1', at: T0 });
      assert.deepEqual(await store.addressSuppressed('ann@example.com'), { address: 'ann@example.com', kind: 'bounce', reason: '550 5.1.1', at: T0 });
      await store.suppressAddress({ address: 'ann@example.com', kind: 'complaint', reason: 'spam report', at: T0 + 1 });
      assert.deepEqual(await store.addressSuppressed('ann@example.com'), { address: 'ann@example.com', kind: 'complaint', reason: 'spam report', at: T0 + 1 });
      assert.equal(await store.addressSuppressed('Ann@Example.com'), undefined, 'callers normalize; the store compares exactly');
      assert.equal(await store.addressSuppressed('+15550001111'), undefined);
    });

    it('exports every row held about a subscriber, in a stable order', async () => {
      await store.putSubscriber({ id: 'ann', email: 'Ann@Example.com', phone: '+15550001111', webhookUrl: 'https://hooks.example/ann', data: {}, createdAt: T0, updatedAt: T0 });
      const n1 = await notification({ id: 'nt_1' });
      const n2 = await notification({ id: 'nt_2' });
      for (const n of [n2, n1]) await store.addRecipients(n.seq, [recipient(n.seq, 'ann'), recipient(n.seq, 'bob')], 'bob', true);
      await store.upsertChannel(channel(n2.seq, 'ann', { channel: 'sms', address: '+15550001111' }));
      await store.upsertChannel(channel(n1.seq, 'ann', { channel: 'sms', address: '+15550001111' }));
      await store.upsertChannel(channel(n1.seq, 'ann', { channel: 'email', address: 'Ann@Example.com' }));
      await store.upsertChannel(channel(n1.seq, 'bob', { channel: 'email', address: 'bob@example.com' }));
      await store.addInboxItem(inboxItem('ann', 'in_1'));
      await store.addInboxItem(inboxItem('ann', 'in_2'));
      // E-mail addresses are suppressed lowercased (the core normalizes them); phones as they are.
      await store.suppressAddress({ address: 'ann@example.com', kind: 'bounce', reason: '550', at: T0 });
      await store.suppressAddress({ address: '+15550001111', kind: 'stop', reason: 'STOP', at: T0 });
      await store.suppressAddress({ address: 'bob@example.com', kind: 'bounce', reason: '550', at: T0 });

      const held = await store.exportSubscriber('ann');
      assert.deepEqual(held.channels.map((c) => [c.notificationSeq, c.channel]), [[n1.seq, 'email'], [n1.seq, 'sms'], [n2.seq, 'sms']], 'by notification, then channel');
      assert.deepEqual(held.recipients.map((r) => r.notificationSeq), [n1.seq, n2.seq]);
      assert.ok(held.recipients.every((r) => r.subscriberId === 'ann'));
      assert.deepEqual(held.inbox.map((i) => i.id), ['in_1', 'in_2'], 'oldest first');
      assert.deepEqual(held.suppressions.map((s) => s.address).sort(), ['+15550001111', 'ann@example.com']);
      assert.deepEqual(await store.exportSubscriber('nobody'), { channels: [], recipients: [], inbox: [], suppressions: [] });
    });

    it('erases a subscriber and every row naming it or holding its addresses, leaving others alone', async () => {
      await store.putSubscriber({ id: 'ann', email: 'Ann@Example.com', phone: '+15550001111', webhookUrl: 'https://hooks.example/ann', data: { x: 1 }, createdAt: T0, updatedAt: T0 });
      await store.putSubscriber({ id: 'bob', email: 'bob@example.com', data: {}, createdAt: T0, updatedAt: T0 });
      await store.setPreferences('ann', { enabled: false }, T0);
      const listed = await notification({ id: 'nt_listed', to: { subscribers: ['ann', 'bob', 'annabel'] } });
      const alone = await notification({ id: 'nt_alone', to: { subscribers: ['ann'] } });
      const topic = await notification({ id: 'nt_topic', to: { topic: 'ann' } });
      await store.addRecipients(listed.seq, [recipient(listed.seq, 'ann'), recipient(listed.seq, 'bob')], 'bob', true);
      await store.addRecipients(alone.seq, [recipient(alone.seq, 'ann')], 'ann', false);
      await store.writeBatch({
        channels: [channel(listed.seq, 'ann', { address: 'Ann@Example.com', providerId: 'msg-ann' }), channel(listed.seq, 'bob', { address: 'bob@example.com', providerId: 'msg-bob' })],
        sends: [{ subscriberId: 'ann', category: 'orders', at: T0 }, { subscriberId: 'bob', category: 'orders', at: T0 }],
      }, T0);
      await store.addInboxItem(inboxItem('ann', 'in_ann'));
      await store.addInboxItem(inboxItem('bob', 'in_bob'));
      await store.addToDigest('ann', 'news', { about: 'ann' }, { carrierSeq: listed.seq, flushAt: T0 });
      await store.addToDigest('bob', 'news', { about: 'bob' }, { carrierSeq: listed.seq, flushAt: T0 });
      for (const address of ['ann@example.com', '+15550001111', 'https://hooks.example/ann', 'bob@example.com']) {
        await store.suppressAddress({ address, kind: 'bounce', reason: 'gone', at: T0 });
      }
      const bobBefore = await store.exportSubscriber('bob');

      assert.equal(await store.eraseSubscriber('ann'), true);
      assert.equal(await store.getSubscriber('ann'), undefined);
      assert.deepEqual(await store.exportSubscriber('ann'), { channels: [], recipients: [], inbox: [], suppressions: [] });
      assert.equal(await store.getRecipient(listed.seq, 'ann'), undefined);
      assert.equal(await store.getRecipient(alone.seq, 'ann'), undefined);
      assert.equal(await store.channelByProviderId('email', 'msg-ann'), undefined);
      assert.deepEqual(await store.sendsSince('ann', 0), []);
      assert.deepEqual(await store.listInbox('ann', { limit: 10 }), []);
      assert.equal(await store.getInboxItem('ann', 'in_ann'), undefined);
      assert.equal(await store.unreadCount('ann'), 0);
      assert.equal(await store.takeDigest('ann', 'news', listed.seq), undefined);
      for (const address of ['ann@example.com', 'Ann@Example.com', '+15550001111', 'https://hooks.example/ann']) {
        assert.equal(await store.addressSuppressed(address), undefined, `${address} is no longer kept`);
      }
      assert.deepEqual((await store.getNotification('nt_listed'))?.to, { subscribers: ['bob', 'annabel'] });
      const aloneAfter = await store.getNotification('nt_alone');
      assert.deepEqual([aloneAfter?.to, aloneAfter?.routeCursor], [{ subscribers: [] }, undefined], 'the route cursor named them');
      assert.deepEqual((await store.getNotification('nt_topic'))?.to, { topic: 'ann' }, 'a topic is not a subscriber');

      // Bob's rows are all still there.
      assert.deepEqual(await store.exportSubscriber('bob'), bobBefore);
      assert.deepEqual(await store.sendsSince('bob', 0), [{ at: T0, category: 'orders' }]);
      assert.deepEqual((await store.takeDigest('bob', 'news', listed.seq))?.events, [{ about: 'bob' }]);
      assert.equal((await store.getSubscriber('bob'))?.email, 'bob@example.com');

      assert.equal(await store.eraseSubscriber('ann'), false, 'erasing again finds nothing');
      // Rows about someone without a profile (an inbox item sent to a bare id) are erased too.
      await store.addInboxItem(inboxItem('ghost', 'in_ghost'));
      await store.recordSend('ghost', 'orders', T0);
      assert.equal(await store.eraseSubscriber('ghost'), false);
      assert.deepEqual(await store.listInbox('ghost', { limit: 10 }), []);
      assert.deepEqual(await store.sendsSince('ghost', 0), []);
    });

    it('prunes notifications created before a time with their recipients and channels, and older cap sends', async () => {
      const old = await notification({ id: 'nt_old' });
      await store.addRecipients(old.seq, [recipient(old.seq, 'u1')], 'u1', true);
      await store.upsertChannel(channel(old.seq, 'u1', { providerId: 'old-msg' }));
      await store.recordSend('u1', 'orders', T0);
      await store.addInboxItem(inboxItem('u1', 'in_old'));
      clock.advance(1000);
      const edge = await notification({ id: 'nt_edge' });
      await store.addRecipients(edge.seq, [recipient(edge.seq, 'u1')], 'u1', true);
      await store.recordSend('u1', 'orders', clock.now());

      assert.equal(await store.prune(T0 + 1000), 1, 'created exactly at the limit is kept');
      assert.equal(await store.getNotification('nt_old'), undefined);
      assert.equal(await store.getNotificationBySeq(old.seq), undefined);
      assert.equal(await store.getRecipient(old.seq, 'u1'), undefined);
      assert.deepEqual(await store.listRecipients(old.seq, undefined, 10), []);
      assert.equal(await store.channelByProviderId('email', 'old-msg'), undefined);
      assert.deepEqual(await store.channelsOf(old.seq, ['u1']), []);
      assert.deepEqual(await store.sendsSince('u1', 0), [{ at: T0 + 1000, category: 'orders' }]);
      assert.equal((await store.getRecipient(edge.seq, 'u1'))?.state, 'pending');
      assert.equal((await store.getInboxItem('u1', 'in_old'))?.id, 'in_old', 'the inbox is the subscriber\'s, not the ledger\'s');
      assert.equal(await store.prune(T0 + 1000), 0);
      const next = await notification({ id: 'nt_next' });
      assert.ok(next.seq > edge.seq);
    });

    it('keeps what it holds across close and reopen', async () => {
      await store.putSubscriber({ id: 'ann', email: 'ann@example.com', data: { a: 1 }, createdAt: T0, updatedAt: T0 });
      const n = await notification({ idempotencyKey: 'k' });
      await store.addRecipients(n.seq, [recipient(n.seq, 'ann')], 'ann', false);
      await store.addInboxItem(inboxItem('ann', 'in_1'));
      await store.addToDigest('ann', 'news', { a: 1 }, { carrierSeq: n.seq, flushAt: T0 + 10 });
      const before = { subscriber: await store.getSubscriber('ann'), notification: await store.getNotificationBySeq(n.seq), held: await store.exportSubscriber('ann') };
      await db.first().close();
      const reopened = (await db.open()).notify;
      assert.deepEqual(await reopened.getSubscriber('ann'), before.subscriber);
      assert.deepEqual(await reopened.getNotificationBySeq(n.seq), before.notification);
      assert.deepEqual(await reopened.exportSubscriber('ann'), before.held);
      assert.deepEqual((await reopened.unroutedNotifications()).map((x) => x.seq), [n.seq]);
      assert.equal((await reopened.createNotification(newNotification(T0, { id: 'nt_again', idempotencyKey: 'k' }), 0)).created, false);
      assert.deepEqual((await reopened.takeDigest('ann', 'news', n.seq))?.events, [{ a: 1 }]);
    });
  });
}

function newNotification(now: number, fields: Partial<NewNotification> = {}): NewNotification {
  return {
    id: 'nt_1', template: 'order-shipped', category: 'orders', priority: 'normal', strategy: 'all',
    data: { order: 42, name: 'Zoë' }, to: { subscribers: ['u1', 'u2'] }, actor: 'key:k1', createdAt: now,
    ...fields,
  };
}

/** The named fields of a record (by default those that say how far routing got). */
function pick<T extends object>(record: T | undefined, keys: readonly string[] = ['phase', 'routeCursor', 'recipients']): Record<string, unknown> | undefined {
  if (!record) return undefined;
  return Object.fromEntries(keys.map((k) => [k, (record as Record<string, unknown>)[k]]));
}
