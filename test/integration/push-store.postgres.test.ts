import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openPostgres, type PostgresDatabase } from '../../src/adapters/postgres/open-postgres.js';
import { createPostgresPushStore, type PostgresPushStore } from '../../src/adapters/postgres/push/index.js';
import { PUSH_MIGRATIONS } from '../../src/adapters/postgres/push/migrations.js';
import type { DeliveryResult, NewDelivery, NewPush, PushStore } from '../../src/ports/push-store.js';
import { describePushStoreConformance } from '../helpers/push-store-conformance.js';
import { freshPostgresSchema, serviceSkip } from '../helpers/services.js';

const skip = await serviceSkip('postgres');

/** A ledger on its own pool, as one Herald process would hold it. Small pools: the server is shared. */
async function ledgerOn(url: string, waitForFlush = false): Promise<{ db: PostgresDatabase; pushes: PostgresPushStore; close(): Promise<void> }> {
  const db = await openPostgres({ url, poolSize: 4 });
  try {
    const pushes = await createPostgresPushStore({ database: db, waitForFlush });
    return {
      db,
      pushes,
      async close() {
        await pushes.close();
        await db.close();
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}

if (skip) {
  describe('PushStore conformance: postgres', { skip }, () => {
    it('runs against the machine PostgreSQL', () => {});
  });
} else {
  describePushStoreConformance('postgres', async () => {
    const schema = await freshPostgresSchema('push-store conformance');
    return { open: () => ledgerOn(schema.url), drop: () => schema.drop() };
  });
  // The same statements with every commit waiting for the flush (for a queue on another server).
  describePushStoreConformance('postgres, waitForFlush', async () => {
    const schema = await freshPostgresSchema('push-store conformance sync');
    return { open: () => ledgerOn(schema.url, true), drop: () => schema.drop() };
  });
}

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

const newPush = (id: string, fields: Partial<NewPush> = {}): NewPush => ({
  id, createdAt: T0, sendAt: null, expiresAt: null, content: { id, notification: { title: 'Hi', body: 'there' }, overrides: {}, priority: 'normal' },
  audience: { topics: ['everyone'] }, lane: 'normal', actor: 'key:k1', ...fields,
});
const target = (i: number) => `dev_${String(i).padStart(6, '0')}`;
const delivery = (t: string, fields: Partial<NewDelivery> = {}): NewDelivery =>
  ({ target: t, deviceId: t, provider: 'apns', app: 'shop', token: `token-of-${t}`, p256dh: null, auth: null, ...fields });
const result = (seq: number, t: string, state: DeliveryResult['state'], extra: Partial<DeliveryResult> = {}): DeliveryResult =>
  ({ pushSeq: seq, target: t, state, provider: 'apns', app: 'shop', ...extra });

/** A push routed in pages of 500 to `count` targets, through `store`. */
async function routed(store: PushStore, id: string, count: number): Promise<{ seq: number; targets: string[] }> {
  const push = await store.create(newPush(id));
  const targets = Array.from({ length: count }, (_, i) => target(i));
  let cursor: string | null = null;
  for (let i = 0; i < count; i += 500) {
    const page = targets.slice(i, i + 500);
    const to = page[page.length - 1]!;
    assert.notEqual(await store.addDeliveries(push.seq, cursor, to, page.map((t) => delivery(t)), i + 500 >= count, T0), false);
    cursor = to;
  }
  return { seq: push.seq, targets };
}

/** The push's counts agree with its rows, state by state. */
async function assertCountsMatchRows(store: PushStore, seq: number): Promise<Record<string, number>> {
  const byState: Record<string, number> = {};
  let after: string | undefined;
  for (;;) {
    const page = await store.deliveries({ pushSeq: seq, limit: 1000, ...(after !== undefined && { after }) });
    for (const d of page) byState[d.state] = (byState[d.state] ?? 0) + 1;
    if (page.length < 1000) break;
    after = page[page.length - 1]!.target;
  }
  assert.deepEqual((await store.counts(seq)).total, byState, 'push_counts agrees with the rows');
  return byState;
}

/** `count` nodes (each its own pool) on one fresh schema: Herald processes sharing a database. */
async function nodes(name: string, count: number, run: (stores: PushStore[]) => Promise<void>): Promise<void> {
  const schema = await freshPostgresSchema(name);
  const opened: Awaited<ReturnType<typeof ledgerOn>>[] = [];
  try {
    // One after the other: opening at once is its own test below.
    for (let i = 0; i < count; i++) opened.push(await ledgerOn(schema.url));
    await run(opened.map((o) => o.pushes));
  } finally {
    for (const o of opened) await o.close();
    await schema.drop();
  }
}

/** A fixed pseudo-random sequence, so a failing interleaving's inputs can be reproduced. */
function numbers(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

describe('postgres push ledger across processes', { skip }, () => {
  it('three nodes claiming overlapping chunks at once hand each delivery to one attempt, first sends and due retries alike', async () => {
    await nodes('push-store claims', 3, async (stores) => {
      const { seq, targets } = await routed(stores[0]!, 'claims', 2000);
      const random = numbers(12);
      /** 60 attempts over windows of 200 that overlap, spread over the nodes, all started together. */
      const claimRound = async (round: string, now: number) => {
        const calls = Array.from({ length: 60 }, (_, i) => {
          const start = Math.floor(random() * 1800);
          const window = targets.slice(start, start + 200);
          if (i % 2 === 1) window.reverse();
          return stores[i % 3]!.claim(seq, window, `${round}-${i}`, now, false);
        });
        const claimed = (await Promise.all(calls)).flat();
        // The rest, which no window happened to cover, by one more attempt.
        claimed.push(...await stores[1]!.claim(seq, targets, `${round}-rest`, now, false));
        const times = new Map<string, number>();
        for (const c of claimed) times.set(c.target, (times.get(c.target) ?? 0) + 1);
        assert.deepEqual([...times].filter(([, n]) => n > 1), [], `${round}: claimed twice`);
        assert.equal(times.size, targets.length, `${round}: every delivery claimed`);
        return claimed;
      };

      const first = await claimRound('send', T0);
      assert.ok(first.every((c) => c.attempts === 1));
      assert.deepEqual(await assertCountsMatchRows(stores[2]!, seq), { sending: 2000 });

      // All of them to retry at T0 + 1000, recorded from the three nodes in three slices.
      await Promise.all([0, 1, 2].map((n) => stores[n]!.record(
        targets.filter((_, i) => i % 3 === n).map((t) => result(seq, t, 'retrying', { nextAt: T0 + 1000, attempt: 'retry' })), T0 + 1)));
      assert.deepEqual(await stores[0]!.claim(seq, targets, 'early', T0 + 999, false), [], 'no retry is due yet');
      const second = await claimRound('retry', T0 + 1000);
      assert.ok(second.every((c) => c.attempts === 2), 'attempts grew by exactly one');
      assert.deepEqual(await assertCountsMatchRows(stores[1]!, seq), { sending: 2000 });
    });
  });

  it('records and a cancel racing from different nodes: a send the provider had stands, everything else ends cancelled, each counted once', async () => {
    await nodes('push-store record cancel', 3, async ([a, b, c]) => {
      for (let round = 0; round < 4; round++) {
        const { seq, targets } = await routed(a!, `race-${round}`, 600);
        const chunks = Array.from({ length: 6 }, (_, i) => targets.slice(i * 100, i * 100 + 100));
        // Six attempts in flight: chunks 0-2 will be sent, 3-5 will ask for a retry.
        await Promise.all(chunks.map((chunk, i) => [a, b, c][i % 3]!.claim(seq, chunk, `job-${i}`, T0, false)));
        const now = T0 + round * MINUTE;
        const sent = (chunk: string[]) => chunk.map((t) => result(seq, t, 'sent', { attempt: 'ok', latencyMs: 40, providerId: `id-${t}` }));
        const retry = (chunk: string[]) => chunk.map((t) => result(seq, t, 'retrying', { attempt: 'retry', nextAt: now + 5000, status: 503 }));
        const calls: Promise<unknown>[] = [
          a!.record(sent(chunks[0]!), now),
          // The same results twice, in opposite orders, from two nodes: recorded once.
          b!.record(sent(chunks[1]!), now),
          c!.record(sent(chunks[1]!).reverse(), now),
          c!.record(sent(chunks[2]!), now),
          a!.record(retry(chunks[3]!), now),
          b!.record(retry(chunks[4]!).reverse(), now),
          c!.record(retry(chunks[5]!), now),
        ];
        // The cancel lands somewhere among them, differently each round.
        calls.splice(round + 1, 0, b!.cancel(seq, now));
        await Promise.all(calls);

        const rows = await a!.deliveries({ pushSeq: seq, limit: 1000 });
        for (const d of rows) {
          const i = Number(d.target.slice(4));
          assert.equal(d.state, i < 300 ? 'sent' : 'cancelled', `${d.target} in round ${round}`);
          if (i < 300) assert.equal(d.providerId, `id-${d.target}`);
          assert.equal(d.nextAt, null, 'no retry follows a cancel');
        }
        assert.deepEqual(await assertCountsMatchRows(c!, seq), { sent: 300, cancelled: 300 });
        assert.equal((await b!.bySeq(seq))?.phase, 'cancelled');
        const stats = await a!.stats({ since: now, until: now });
        assert.deepEqual(stats.byProvider, { apns: { sent: 300, cancelled: 300 } }, 'each delivery once, where it ended');
        assert.deepEqual(stats.attempts, { apns: { ok: 300, retry: 300 } }, 'each attempt once');
        assert.equal(stats.latency?.count, 300);
        assert.equal(await c!.cancel(seq, now), 0, 'nothing left to cancel');
      }
    });
  });

  it('routers on four nodes advancing one push at once: one wins each page, only its rows are written', async () => {
    await nodes('push-store routing', 4, async (stores) => {
      const push = await stores[0]!.create(newPush('routing'));
      let cursor: string | null = null;
      const written = new Set<string>();
      for (let round = 0; round < 10; round++) {
        const last = round === 9;
        // Each router holds a page of its own, overlapping the others' and what is already written.
        const pages = stores.map((_, n) => Array.from({ length: 50 }, (_, i) => target(round * 100 + n * 20 + i)));
        const outcomes = await Promise.all(stores.map((store, n) => {
          const page = pages[n]!;
          return store.addDeliveries(push.seq, cursor, page[page.length - 1]!, page.map((t) => delivery(t)), last, T0 + round);
        }));
        const winners = outcomes.flatMap((o, n) => (o === false ? [] : [n]));
        assert.equal(winners.length, 1, `round ${round}: exactly one router moves the cursor`);
        const n = winners[0]!;
        const page = pages[n]!;
        assert.deepEqual(outcomes[n], page.filter((t) => !written.has(t)), 'the winner gets its new targets in page order');
        for (const t of page) written.add(t);
        cursor = page[page.length - 1]!;
      }
      const rows = await stores[3]!.deliveries({ pushSeq: push.seq, limit: 10_000 });
      assert.deepEqual(rows.map((d) => d.target), [...written].sort());
      const after = await stores[2]!.bySeq(push.seq);
      assert.deepEqual([after?.phase, after?.routedCursor, after?.targets], ['routed', cursor, written.size]);
      assert.deepEqual(await assertCountsMatchRows(stores[1]!, push.seq), { queued: written.size });
    });
  });

  it('revives, reports and prunes from two nodes at once: each dead delivery revived once, each push pruned by one', async () => {
    await nodes('push-store revive prune', 2, async ([a, b]) => {
      const { seq, targets } = await routed(a!, 'dead', 400);
      await a!.claim(seq, targets, 'job', T0, false);
      await a!.record(targets.map((t, i) => result(seq, t, i < 300 ? 'dead' : 'sent', { attempt: 'retry' })), T0);
      const keys = targets.slice(0, 300).map((t) => ({ pushSeq: seq, target: t }));
      const revived = await Promise.all([a!.revive(keys, T0 + MINUTE), b!.revive([...keys].reverse(), T0 + MINUTE), a!.revive(keys.slice(100), T0 + MINUTE)]);
      assert.equal(revived.reduce((x, y) => x + y, 0), 300, 'each dead delivery revived by one call');
      assert.deepEqual((await b!.deadDeliveries({ limit: 10 })).deliveries, []);
      assert.deepEqual((await a!.stats({ since: T0, until: T0 })).byProvider, { apns: { sent: 100 } }, 'no longer dead in the minute it died');

      const reports = await Promise.all(targets.slice(300).flatMap((t, i) => [
        a!.reportStatus(seq, t, 'delivered', T0 + 2 * MINUTE), b!.reportStatus(seq, t, i % 2 ? 'interacted' : 'delivered', T0 + 2 * MINUTE),
      ]));
      assert.ok(reports.every(Boolean));
      const states = await assertCountsMatchRows(a!, seq);
      assert.equal(states.queued, 300);
      assert.equal((states.delivered ?? 0) + (states.interacted ?? 0), 100);
      assert.ok((states.interacted ?? 0) >= 50, 'an interaction is never undone by a delivery report');

      const old = await Promise.all(Array.from({ length: 30 }, (_, i) => routed(i % 2 ? a! : b!, `old-${i}`, 20)));
      const pruned = await Promise.all([a!.prune(T0 + 1), b!.prune(T0 + 1)]);
      assert.equal(pruned[0] + pruned[1], 31, 'every push created before the limit, each counted by the node that deleted it');
      for (const p of [...old, { seq }]) assert.equal(await a!.bySeq(p.seq), undefined);
      assert.equal(await b!.prune(T0 + 1), 0);
    });
  });

  it('cancels a push with more deliveries than the statement timeout lets one statement change', async () => {
    const schema = await freshPostgresSchema('push-store big cancel');
    const router = await ledgerOn(schema.url);
    // A node whose statements may run 100 ms: far less than cancelling 50,000 deliveries takes.
    const db = await openPostgres({ url: schema.url, poolSize: 2, statementTimeoutMs: 100 });
    try {
      const impatient = await createPostgresPushStore({ database: db });
      const { seq } = await routed(router.pushes, 'big', 50_000);
      await assert.rejects(db.pool.query('SELECT pg_sleep(1)'), /statement timeout/, 'the timeout is in force on this node');
      assert.equal(await impatient.cancel(seq, T0 + 1), 50_000);
      assert.deepEqual((await router.pushes.counts(seq)).total, { cancelled: 50_000 });
    } finally {
      await db.close();
      await router.close();
      await schema.drop();
    }
  });

  it('lists dead deliveries copied in with plain INSERTs (as a copy from SQLite writes them), and forgets them when they leave', async () => {
    const schema = await freshPostgresSchema('push-store copied dead');
    const node = await ledgerOn(schema.url);
    try {
      const { pool } = node.db;
      await pool.query(`INSERT INTO pushes (seq, id, created_at, content, audience, lane, phase, targets, actor)
        VALUES (7, 'copied', ${T0}, '{}', '{}', 1, 'routed', 2, 'key:k1')`);
      await pool.query(`INSERT INTO deliveries (push_seq, target, device_id, provider, app, token, state, attempts, created_at, updated_at)
        VALUES (7, 'dev_a', 'dev_a', 'apns', 'shop', 't', 'dead', 5, ${T0}, ${T0 + 5}), (7, 'dev_b', 'dev_b', 'fcm', 'shop', 't', 'sent', 1, ${T0}, ${T0 + 6})`);
      const listed = await node.pushes.deadDeliveries({ limit: 10 });
      assert.deepEqual(listed.deliveries.map((d) => [d.pushId, d.target, d.updatedAt]), [['copied', 'dev_a', T0 + 5]]);
      assert.deepEqual((await node.pushes.findDead({ provider: 'apns', limit: 10 })).map((d) => d.target), ['dev_a']);
      await pool.query("UPDATE deliveries SET state = 'queued' WHERE target = 'dev_a'");
      assert.deepEqual((await node.pushes.deadDeliveries({ limit: 10 })).deliveries, []);
      await pool.query("UPDATE deliveries SET state = 'dead', updated_at = $1 WHERE target = 'dev_b'", [T0 + 9]);
      assert.deepEqual((await node.pushes.findDead({ limit: 10 })).map((d) => [d.target, d.provider]), [['dev_b', 'fcm']]);
      await pool.query('DELETE FROM deliveries');
      assert.deepEqual(await pool.query('SELECT * FROM push_dead').then((r) => r.rows), []);
    } finally {
      await node.close();
      await schema.drop();
    }
  });

  it('five processes opening an empty schema at once migrate it once, and all of them work', async () => {
    const schema = await freshPostgresSchema('push-store migrate once');
    const opened = await Promise.all(Array.from({ length: 5 }, () => ledgerOn(schema.url)));
    try {
      const applied = await opened[0]!.db.pool.query<{ name: string }>('SELECT name FROM herald_push_migration ORDER BY name');
      // Each migration once, every one of them: later migrations join the list without this test changing.
      const all = Object.keys(await PUSH_MIGRATIONS.provider.getMigrations()).sort();
      assert.deepEqual(applied.rows.map((row) => row.name).sort(), all);
      assert.ok(all.includes('0001_push_ledger'));
      const push = await opened[1]!.pushes.create(newPush('after-migration'));
      assert.equal((await opened[4]!.pushes.byId('after-migration'))?.seq, push.seq);
    } finally {
      for (const o of opened) await o.close();
      await schema.drop();
    }
  });

  it('text PostgreSQL cannot hold: a raw token or provider answer with U+0000 is stored with U+FFFD, ids with it name no push', async () => {
    await nodes('push-store nul', 1, async ([store]) => {
      const push = await store!.create(newPush('nul'));
      assert.deepEqual(await store!.addDeliveries(push.seq, null, 'tok_a', [delivery('tok_a', { deviceId: null, token: 'abc\u0000def' })], true, T0), ['tok_a']);
      const [claimed] = await store!.claim(push.seq, ['tok_a'], 'job', T0, false);
      assert.equal(claimed?.token, 'abc\uFFFDdef');
      await store!.record([result(push.seq, 'tok_a', 'failed', { error: 'bad\u0000token', providerId: 'x\u0000y' })], T0);
      const [row] = await store!.deliveries({ pushSeq: push.seq, limit: 1 });
      assert.deepEqual([row?.state, row?.lastError, row?.providerId], ['failed', 'bad\uFFFDtoken', 'x\uFFFDy']);
      assert.equal(await store!.byId('n\u0000l'), undefined);
      assert.equal(await store!.recent('nul', 'key:\u0000', 0), undefined);
      assert.equal(await store!.reportStatus(push.seq, 'dev_\u0000', 'delivered', T0), false);
      await assert.rejects(store!.create(newPush('a\u0000b')), RangeError);
      // Filters and names from requests that hold one find nothing instead of failing the statement.
      assert.deepEqual(await store!.deadDeliveries({ app: 'sh\u0000p', limit: 10 }), { deliveries: [] });
      assert.deepEqual(await store!.findDead({ app: 'sh\u0000p', limit: 10 }), []);
      assert.deepEqual(await store!.findDead({ keys: [{ pushSeq: push.seq, target: 'tok_\u0000' }] }), []);
      assert.deepEqual(await store!.stats({ since: T0, until: T0, app: 'sh\u0000p' }), { byProvider: {}, attempts: {}, latency: null });
      assert.deepEqual(await store!.claim(push.seq, ['tok_\u0000'], 'job-2', T0, true), []);
      await store!.record([result(push.seq, 'tok_\u0000', 'sent')], T0);
      assert.deepEqual(await store!.deliveries({ pushSeq: push.seq, after: 'tok_\u0000', limit: 10 }), []);
    });
  });
});
