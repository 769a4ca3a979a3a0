import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openPostgres, type PostgresDatabase } from '../../src/adapters/postgres/open-postgres.js';
import { createPostgresQueue, type PostgresQueue } from '../../src/adapters/postgres/queue/index.js';
import type { Clock } from '../../src/ports/clock.js';
import type { ReservedJob } from '../../src/ports/queue.js';
import { describeQueueConformance, type TestPayload } from '../helpers/queue-conformance.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { freshPostgresSchema, serviceSkip } from '../helpers/services.js';

const skip = await serviceSkip('postgres');

/** A queue on its own pool, as one Herald process would hold it. Small pools: the server is shared. */
async function queueOn(url: string, clock: Clock): Promise<{ db: PostgresDatabase; queue: PostgresQueue<TestPayload> }> {
  const db = await openPostgres({ url, poolSize: 4 });
  try {
    return { db, queue: await createPostgresQueue<TestPayload>({ database: db, clock }) };
  } catch (err) {
    await db.close();
    throw err;
  }
}

if (skip) {
  describe('Queue conformance: postgres', { skip }, () => {
    it('runs against the machine PostgreSQL', () => {});
  });
} else {
  describeQueueConformance('postgres', async (clock) => {
    const schema = await freshPostgresSchema('postgres-queue conformance');
    const { db, queue } = await queueOn(schema.url, clock);
    return {
      ...queue,
      async close() {
        await queue.close();
        await db.close();
        await schema.drop();
      },
    };
  });
}

describe('postgres queue across processes', { skip }, () => {
  it('two queues on one schema reserving at once never hand out a job twice', async () => {
    const schema = await freshPostgresSchema('postgres-queue two reservers');
    const clock = new ManualClock();
    const a = await queueOn(schema.url, clock);
    const b = await queueOn(schema.url, clock);
    try {
      const lanes = ['high', 'normal', 'bulk'] as const;
      const total = 3000;
      await a.queue.enqueue(Array.from({ length: total }, (_, n) => ({ payload: { n }, partition: 'p', lane: lanes[n % 3], dedupKey: `k:${n}` })));
      const seen = new Map<number, number>();
      // Several loops per queue, so each pool has statements in flight on several connections.
      const worker = async (queue: PostgresQueue<TestPayload>): Promise<void> => {
        for (;;) {
          const jobs = await queue.reserve({ partition: 'p', limit: 37, visibilityMs: 600_000 });
          if (jobs.length === 0) return;
          for (const job of jobs) seen.set(job.payload.n, (seen.get(job.payload.n) ?? 0) + 1);
          const acked = await Promise.all(jobs.map((job) => queue.ack(job)));
          assert.ok(acked.every(Boolean), 'every reserved job is ours to ack');
        }
      };
      await Promise.all([a, b, a, b, a, b].map(({ queue }) => worker(queue)));
      const twice = [...seen].filter(([, count]) => count > 1).map(([n]) => n);
      assert.deepEqual(twice, [], 'jobs handed out twice');
      assert.equal(seen.size, total);
      assert.deepEqual(await b.queue.stats(), []);
    } finally {
      await a.queue.close();
      await b.queue.close();
      await a.db.close();
      await b.db.close();
      await schema.drop();
    }
  });

  it('two queues enqueuing the same dedup keys at once keep one live job per key', async () => {
    const schema = await freshPostgresSchema('postgres-queue two enqueuers');
    const clock = new ManualClock();
    const a = await queueOn(schema.url, clock);
    const b = await queueOn(schema.url, clock);
    try {
      const batch = (from: number) => Array.from({ length: 500 }, (_, i) => ({ payload: { n: from + i }, partition: 'p', dedupKey: `k:${(from + i) % 700}` }));
      const [ra, rb] = await Promise.all([a.queue.enqueue(batch(0)), b.queue.enqueue(batch(300))]);
      // 1,000 jobs over 700 keys: each key went in once, and the other batch names its holder.
      assert.equal(ra.duplicates.length + rb.duplicates.length, 300);
      const jobs = await a.queue.reserve({ partition: 'p', limit: 2000, visibilityMs: 60_000 });
      assert.equal(jobs.length, 700);
      const idOfKey = new Map(jobs.map((job) => [job.dedupKey, job.id]));
      batch(0).forEach((job, i) => assert.equal(ra.ids[i], idOfKey.get(job.dedupKey)));
      batch(300).forEach((job, i) => assert.equal(rb.ids[i], idOfKey.get(job.dedupKey)));
    } finally {
      await a.queue.close();
      await b.queue.close();
      await a.db.close();
      await b.db.close();
      await schema.drop();
    }
  });

  it('five processes opening an empty schema at once migrate it once, and all of them work', async () => {
    const schema = await freshPostgresSchema('postgres-queue migrate once');
    const clock = new ManualClock();
    const nodes = await Promise.all(Array.from({ length: 5 }, () => queueOn(schema.url, clock)));
    try {
      const applied = await nodes[0].db.pool.query<{ name: string }>('SELECT name FROM herald_queue_migration ORDER BY name');
      assert.deepEqual(applied.rows.map((row) => row.name), ['0001_queue']);
      await nodes[1].queue.enqueue([{ payload: { n: 1 }, partition: 'p' }]);
      const [job] = await nodes[4].queue.reserve({ partition: 'p', limit: 1, visibilityMs: 1000 });
      assert.equal(job.payload.n, 1);
      assert.equal(await nodes[2].queue.ack(job), true);
    } finally {
      for (const node of nodes) {
        await node.queue.close();
        await node.db.close();
      }
      await schema.drop();
    }
  });

  it('keeps jobs, reservations and dead letters across close and reopen', async () => {
    const schema = await freshPostgresSchema('postgres-queue reopen');
    const clock = new ManualClock();
    const first = await queueOn(schema.url, clock);
    let held: ReservedJob<TestPayload> | undefined;
    try {
      await first.queue.enqueue([{ payload: { n: 1 }, partition: 'p' }, { payload: { n: 2 }, partition: 'p', runAt: clock.time + 10 }, { payload: { n: 3 }, partition: 'p' }]);
      [held] = await first.queue.reserve({ partition: 'p', limit: 1, visibilityMs: 1000 });
      const [other] = await first.queue.reserve({ partition: 'p', limit: 1, visibilityMs: 1000 });
      assert.equal(await first.queue.deadLetter(other, 'no'), true);
    } finally {
      await first.queue.close();
      await first.queue.close();
      await first.db.close();
      await first.db.close();
    }
    const second = await queueOn(schema.url, clock);
    try {
      clock.advance(1000);
      const again = await second.queue.reserve({ partition: 'p', limit: 10, visibilityMs: 1000 });
      assert.deepEqual(again.map((j) => [j.payload.n, j.attempts]), [[1, 2], [2, 1]]);
      assert.equal(again[0].id, held?.id);
      assert.deepEqual((await second.queue.deadLetters({ limit: 10 })).map((d) => [d.payload.n, d.reason]), [[3, 'no']]);
    } finally {
      await second.queue.close();
      await second.db.close();
      await schema.drop();
    }
  });
});
