import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createSqliteNotifyStore } from '../../src/adapters/sqlite/notify/sqlite-notify-store.js';

test('notify store: subscribers, ledger, inbox, digests, and erasure that leaves nothing behind', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-notify-'));
  const file = join(dir, 'queue.db');
  const store = await createSqliteNotifyStore({ file });
  try {
    assert.deepEqual(await store.putSubscriber({ id: 'u1', email: 'ann@example.com', phone: '+15550001111', name: 'Ann', timezone: 'Europe/Paris', data: { plan: 'pro' }, createdAt: 1, updatedAt: 1 }), { created: true });
    assert.deepEqual(await store.putSubscriber({ id: 'u1', email: 'ann@example.com', phone: '+15550001111', name: 'Ann B', data: {}, createdAt: 2, updatedAt: 2 }), { created: false });
    const s = await store.getSubscriber('u1');
    assert.equal(s?.name, 'Ann B');
    assert.equal(s?.timezone, undefined, 'a PUT replaces the profile');
    assert.equal(await store.setPreferences('u1', { enabled: false }, 3), true);
    assert.deepEqual((await store.getSubscriber('u1'))?.preferences, { enabled: false });
    assert.equal(await store.setPreferences('nobody', {}, 3), false);

    const n = { id: 'nt_1', template: 't', category: 'orders', priority: 'normal' as const, strategy: 'all' as const, data: { order: 42 }, to: { subscribers: ['u1', 'u2'] }, idempotencyKey: 'k1', actor: 'key1', createdAt: 10 };
    const first = await store.createNotification(n, 0);
    assert.equal(first.created, true);
    const again = await store.createNotification({ ...n, id: 'nt_2' }, 0);
    assert.deepEqual([again.created, again.record.id], [false, 'nt_1'], 'the same idempotency key returns the first');
    assert.equal((await store.createNotification({ ...n, id: 'nt_3' }, 11)).created, true, 'a key older than the window is free again');
    const seq = first.record.seq;
    assert.equal(await store.addRecipients(seq, [{ notificationSeq: seq, subscriberId: 'u1', state: 'pending', plan: ['push', 'email'], createdAt: 10, updatedAt: 10 }], 'u1', true), 1);
    assert.equal(await store.addRecipients(seq, [{ notificationSeq: seq, subscriberId: 'u1', state: 'pending', plan: [], createdAt: 10, updatedAt: 10 }], 'u1', true), 0, 'routing twice adds nothing');
    assert.equal((await store.getNotificationBySeq(seq))?.phase, 'routed');
    await store.updateRecipient(seq, 'u1', { state: 'sent', reason: 'email' }, 12);
    assert.deepEqual(await store.recipientCounts(seq), { sent: 1 });
    await store.upsertChannel({ notificationSeq: seq, subscriberId: 'u1', channel: 'sms', state: 'awaiting', address: '+15550001111', providerId: 'SM1', attempts: 1, createdAt: 12, updatedAt: 12 });
    await store.upsertChannel({ notificationSeq: seq, subscriberId: 'u1', channel: 'sms', state: 'delivered', attempts: 1, createdAt: 12, updatedAt: 13, sentAt: 13 });
    const sms = await store.channelByProviderId('sms', 'SM1');
    assert.deepEqual([sms?.state, sms?.address, sms?.sentAt], ['delivered', '+15550001111', 13]);

    await store.recordSend('u1', 'orders', 100);
    await store.recordSend('u1', 'marketing', 200);
    assert.deepEqual(await store.sendsSince('u1', 150), [{ at: 200, category: 'marketing' }]);

    for (const i of [1, 2, 3]) await store.addInboxItem({ id: `in_${i}`, subscriberId: 'u1', body: `item ${i}`, data: {}, createdAt: i });
    assert.deepEqual((await store.listInbox('u1', { limit: 2 })).map((i) => i.id), ['in_3', 'in_2']);
    assert.deepEqual((await store.listInbox('u1', { limit: 2, before: 'in_2' })).map((i) => i.id), ['in_1']);
    await store.updateInboxItem('u1', 'in_1', { readAt: 5 });
    assert.equal(await store.unreadCount('u1'), 2);
    assert.deepEqual((await store.listInbox('u1', { limit: 10, unread: true })).map((i) => i.id), ['in_3', 'in_2']);
    assert.equal(await store.readAllInbox('u1', 6), 2);
    assert.equal(await store.unreadCount('u1'), 0);

    const opened = await store.addToDigest('u1', 'news', { a: 1 }, { carrierSeq: seq, flushAt: 1000 });
    const joined = await store.addToDigest('u1', 'news', { a: 2 }, { carrierSeq: 999, flushAt: 2000 });
    assert.equal(opened.opened, true);
    assert.deepEqual([joined.opened, joined.digest.carrierSeq, joined.digest.events], [false, seq, [{ a: 1 }, { a: 2 }]]);
    assert.equal(await store.takeDigest('u1', 'news', 999), undefined, 'only the carrier takes the digest');
    assert.deepEqual((await store.takeDigest('u1', 'news', seq))?.events, [{ a: 1 }, { a: 2 }]);

    await store.suppressAddress({ address: 'ann@example.com', kind: 'bounce', reason: '550 5.1.1', at: 7 });
    assert.equal((await store.addressSuppressed('ann@example.com'))?.kind, 'bounce');
    const exported = await store.exportSubscriber('u1');
    assert.equal(exported.inbox.length, 3);
    assert.equal(exported.suppressions.length, 1);

    await store.addToDigest('u1', 'news', { a: 3 }, { carrierSeq: seq, flushAt: 1000 });
    assert.equal(await store.eraseSubscriber('u1'), true);
    assert.equal(await store.eraseSubscriber('u1'), false);
  } finally {
    await store.close();
  }
  // Every table of the file, every column: neither the id nor an address of the subscriber is left.
  const db = new Database(file, { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    for (const { name } of tables) {
      for (const row of db.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[]) {
        const text = JSON.stringify(row);
        for (const needle of ['"u1"', 'ann@example.com', '+15550001111', 'Ann B']) {
          assert.ok(!text.includes(needle), `${name} still holds ${needle}: ${text}`);
        }
      }
    }
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
