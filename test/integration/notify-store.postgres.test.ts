import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openPostgres, type PostgresDatabase } from '../../src/adapters/postgres/open-postgres.js';
import { createPostgresNotifyStore } from '../../src/adapters/postgres/notify/index.js';
import { NOTIFY_MIGRATIONS } from '../../src/adapters/postgres/notify/migrations.js';
import type { NotifyStore, RecipientRecord } from '../../src/ports/notify-store.js';
import { describeNotifyStoreConformance } from '../helpers/notify-store-conformance.js';
import { freshPostgresSchema, serviceSkip } from '../helpers/services.js';

const skip = await serviceSkip('postgres');

/** A notify store on its own pool, as one Herald process would hold it. Small pools: the server is shared. */
async function storeOn(url: string): Promise<{ db: PostgresDatabase; notify: NotifyStore; close(): Promise<void> }> {
  const db = await openPostgres({ url, poolSize: 4 });
  try {
    const notify = await createPostgresNotifyStore({ database: db });
    return {
      db,
      notify,
      async close() {
        await notify.close();
        await db.close();
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}

if (skip) {
  describe('NotifyStore conformance: postgres', { skip }, () => {
    it('runs against the machine PostgreSQL', () => {});
  });
} else {
  describeNotifyStoreConformance('postgres', async () => {
    const schema = await freshPostgresSchema('notify-store conformance');
    return {
      open: () => storeOn(schema.url),
      drop: () => schema.drop(),
    };
  });
}

const T0 = 1_700_000_000_000;
type NewNotification = Parameters<NotifyStore['createNotification']>[0];
const newNotification = (id: string, fields: Partial<NewNotification> = {}): NewNotification => ({
  id, template: 'order-shipped', category: 'orders', priority: 'normal', strategy: 'all', data: {}, to: { subscribers: ['u1'] }, actor: 'key:k1', createdAt: T0, ...fields,
});
const recipient = (seq: number, subscriberId: string): RecipientRecord => ({ notificationSeq: seq, subscriberId, state: 'pending', plan: ['push', 'email'], createdAt: T0, updatedAt: T0 });

/** Two stores on one schema, each on its own pool: two Herald processes sharing the database. */
async function twoNodes(name: string, run: (a: NotifyStore, b: NotifyStore) => Promise<void>): Promise<void> {
  const schema = await freshPostgresSchema(name);
  const a = await storeOn(schema.url);
  const b = await storeOn(schema.url);
  try {
    await run(a.notify, b.notify);
  } finally {
    await a.close();
    await b.close();
    await schema.drop();
  }
}

/** `count` calls of `call`, alternating between the nodes, all started at once. */
function onBoth<T>(a: NotifyStore, b: NotifyStore, count: number, call: (store: NotifyStore, i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => call(i % 2 === 0 ? a : b, i)));
}

describe('postgres notify store across processes', { skip }, () => {
  it('two nodes accepting one idempotency key at once store one notification per key', async () => {
    await twoNodes('notify-store idempotency', async (a, b) => {
      // Eight requests per key, four on each node, all eight started together (a pool per node
      // holds four connections, so they reach the server at once); key after key.
      const results: { key: string; id: string; record: { seq: number; id: string }; created: boolean }[] = [];
      for (let k = 0; k < 20; k++) {
        const key = `key-${k}`;
        const round = await onBoth(a, b, 8, (store, i) => {
          const id = `nt_${k}_${i}`;
          return store.createNotification(newNotification(id, { idempotencyKey: key }), 0).then((r) => ({ key, id, ...r }));
        });
        assert.equal(round.filter((r) => r.created).length, 1, `${key} stored once`);
        assert.equal(new Set(round.map((r) => r.record.seq)).size, 1, `every request with ${key} gets the one stored`);
        results.push(...round);
      }
      // The losers left nothing behind: only the winners' ids exist.
      const winners = new Set(results.filter((r) => r.created).map((r) => r.id));
      for (const r of results) assert.equal((await b.getNotification(r.id)) !== undefined, winners.has(r.id), `${r.id} stored only if it won`);
    });
  });

  it('jobs of one notification on two nodes update the same recipients in opposite orders without deadlock or lost fields', async () => {
    await twoNodes('notify-store write batches', async (a, b) => {
      const { record: n } = await a.createNotification(newNotification('nt_batch'), 0);
      const ids = Array.from({ length: 200 }, (_, i) => `u${String(i).padStart(3, '0')}`);
      await a.addRecipients(n.seq, ids.map((id) => recipient(n.seq, id)), undefined, true);
      // Like a push job and an e-mail job of the same recipients finishing at once on two nodes:
      // one sets the state, the other the plan, each with its own channel rows and cap sends.
      const pushBatch = (part: string[]) => a.writeBatch({
        channels: part.map((id) => ({ notificationSeq: n.seq, subscriberId: id, channel: 'push', state: 'sent', attempts: 1, createdAt: T0, updatedAt: T0 + 1 })),
        recipients: part.map((id) => ({ seq: n.seq, subscriberId: id, patch: { state: 'sent' } })),
        sends: part.map((id) => ({ subscriberId: id, category: 'orders', at: T0 + 1 })),
      }, T0 + 1);
      const emailBatch = (part: string[]) => b.writeBatch({
        channels: part.map((id) => ({ notificationSeq: n.seq, subscriberId: id, channel: 'email', state: 'sent', attempts: 1, createdAt: T0, updatedAt: T0 + 2 })),
        recipients: part.map((id) => ({ seq: n.seq, subscriberId: id, patch: { plan: ['sms'], reason: 'email sent' } })),
      }, T0 + 2);
      const reversed = [...ids].reverse();
      const chunks = (list: string[]) => Array.from({ length: 10 }, (_, c) => list.slice(c * 20, c * 20 + 20));
      const rounds: Promise<void>[] = [];
      for (let round = 0; round < 3; round++) {
        rounds.push(...chunks(ids).map(pushBatch), ...chunks(reversed).map(emailBatch), pushBatch(reversed), emailBatch(ids));
      }
      await Promise.all(rounds);
      for (const r of await b.listRecipients(n.seq, undefined, 1000)) {
        assert.deepEqual([r.state, r.plan, r.reason], ['sent', ['sms'], 'email sent'], `${r.subscriberId}: both jobs' changes are kept`);
      }
      const channels = await a.channelsOf(n.seq, ids);
      assert.equal(channels.length, 400);
      assert.equal((await b.sendsSince('u000', 0)).length, 3 * 2, 'every cap send recorded');
    });
  });

  it('writes a batch all or nothing: a row the database refuses leaves none of the others', async () => {
    await twoNodes('notify-store batch atomic', async (a, b) => {
      const { record: n } = await a.createNotification(newNotification('nt_atomic'), 0);
      await a.addRecipients(n.seq, [recipient(n.seq, 'u1'), recipient(n.seq, 'u2')], undefined, true);
      const batch = {
        channels: [
          { notificationSeq: n.seq, subscriberId: 'u1', channel: 'push' as const, state: 'sent' as const, attempts: 1, createdAt: T0, updatedAt: T0 },
          // attempts beyond the integer column: PostgreSQL rejects the statement.
          { notificationSeq: n.seq, subscriberId: 'u2', channel: 'push' as const, state: 'sent' as const, attempts: 2 ** 40, createdAt: T0, updatedAt: T0 },
        ],
        recipients: [{ seq: n.seq, subscriberId: 'u1', patch: { state: 'sent' as const } }],
        sends: [{ subscriberId: 'u1', category: 'orders', at: T0 }],
      };
      await assert.rejects(a.writeBatch(batch, T0));
      assert.equal(await b.getChannel(n.seq, 'u1', 'push'), undefined);
      assert.equal((await b.getRecipient(n.seq, 'u1'))?.state, 'pending');
      assert.deepEqual(await b.sendsSince('u1', 0), []);
    });
  });

  it('inbox marks from two nodes at once all land, and read-all counts each item once', async () => {
    await twoNodes('notify-store inbox', async (a, b) => {
      const ids = Array.from({ length: 40 }, (_, i) => `in_${i}`);
      for (const id of ids) await a.addInboxItem({ id, subscriberId: 'u1', body: id, data: {}, createdAt: T0 });
      // Node A marks every item seen while node B archives the even ones and reads the odd ones.
      await Promise.all(ids.flatMap((id, i) => [
        a.updateInboxItem('u1', id, { seenAt: T0 + 1 }),
        b.updateInboxItem('u1', id, i % 2 === 0 ? { archivedAt: T0 + 2 } : { readAt: T0 + 3 }),
      ]));
      const items = [...await a.listInbox('u1', { limit: 100 }), ...await a.listInbox('u1', { limit: 100, archived: true })];
      assert.equal(items.length, 40);
      for (const item of items) {
        const i = Number(item.id.slice(3));
        assert.equal(item.seenAt, T0 + 1, `${item.id} seen`);
        assert.deepEqual([item.archivedAt, item.readAt], i % 2 === 0 ? [T0 + 2, undefined] : [undefined, T0 + 3], `${item.id} archived or read`);
      }
      assert.equal(await b.unreadCount('u1'), 0);

      for (const id of ['in_x1', 'in_x2', 'in_x3', 'in_x4', 'in_x5']) await b.addInboxItem({ id, subscriberId: 'u2', body: id, data: {}, createdAt: T0 });
      const counts = await onBoth(a, b, 6, (store) => store.readAllInbox('u2', T0 + 5));
      assert.equal(counts.reduce((x, y) => x + y, 0), 5, 'each unread item counted by exactly one read-all');
      assert.equal(await a.unreadCount('u2'), 0);
    });
  });

  it('routes one page from two nodes at once: each recipient counted once', async () => {
    await twoNodes('notify-store routing', async (a, b) => {
      const { record: n } = await a.createNotification(newNotification('nt_route', { to: { topic: 'news' } }), 0);
      const ids = Array.from({ length: 300 }, (_, i) => `s${i}`);
      const pages = [ids.slice(0, 200), ids.slice(100, 300), [...ids].reverse(), ids.slice(50, 250)];
      const added = await Promise.all(pages.map((page, i) => (i % 2 === 0 ? a : b).addRecipients(n.seq, page.map((id) => recipient(n.seq, id)), page.at(-1), false)));
      assert.equal(added.reduce((x, y) => x + y, 0), 300, 'every row inserted once over all calls');
      assert.equal((await b.getNotificationBySeq(n.seq))?.recipients, 300);
      assert.equal(Object.values(await a.recipientCounts(n.seq)).reduce((x, y) => x + y, 0), 300);
    });
  });

  it('two nodes putting one new subscriber, adding to one digest and recording cap sends at once agree', async () => {
    await twoNodes('notify-store directory races', async (a, b) => {
      const puts = await onBoth(a, b, 10, (store, i) => store.putSubscriber({ id: 'ann', name: `Ann ${i}`, data: { i }, createdAt: T0, updatedAt: T0 + i }));
      assert.equal(puts.filter((p) => p.created).length, 1, 'one creator');

      const events = await onBoth(a, b, 20, (store, i) => store.addToDigest('ann', 'news', { i }, { carrierSeq: 100 + i, flushAt: T0 + i }));
      const opened = events.filter((e) => e.opened);
      assert.equal(opened.length, 1, 'one digest opened');
      const taken = await b.takeDigest('ann', 'news', opened[0].digest.carrierSeq);
      assert.deepEqual(taken?.events.map((e) => Number(e.i)).sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i));

      await onBoth(a, b, 30, (store, i) => store.recordSend('ann', i % 2 === 0 ? 'orders' : 'news', T0 + i));
      assert.equal((await a.sendsSince('ann', T0)).length, 30, 'no send lost');
    });
  });

  it('five processes opening an empty schema at once migrate it once, and all of them work', async () => {
    const schema = await freshPostgresSchema('notify-store migrate once');
    const nodes = await Promise.all(Array.from({ length: 5 }, () => storeOn(schema.url)));
    try {
      const applied = await nodes[0].db.pool.query<{ name: string }>('SELECT name FROM herald_notify_migration ORDER BY name');
      assert.deepEqual(applied.rows.map((row) => row.name), Object.keys(await NOTIFY_MIGRATIONS.provider.getMigrations()).sort());
      await nodes[1].notify.putTemplate({ name: 'welcome', definition: { v: 1 }, createdAt: T0, updatedAt: T0 });
      assert.deepEqual((await nodes[4].notify.getTemplate('welcome'))?.definition, { v: 1 });
    } finally {
      for (const node of nodes) await node.close();
      await schema.drop();
    }
  });
});
