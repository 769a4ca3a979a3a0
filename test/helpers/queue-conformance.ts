import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Clock } from '../../src/ports/clock.js';
import { ManualClock } from './manual-clock.js';
import type { NewJob, Queue, ReservedJob } from '../../src/ports/queue.js';

export interface TestPayload {
  n: number;
  note?: string;
}

/** What an adapter hands the suite: an empty queue on its own storage, reading time from `clock`. */
export type TestQueue = Queue<TestPayload> & { close(): Promise<void> };

const P = 'app1:apns';
const VIS = 30_000;

const job = (n: number, extra: Partial<NewJob<TestPayload>> = {}): NewJob<TestPayload> => ({ payload: { n }, partition: P, ...extra });
const ns = (jobs: readonly ReservedJob<TestPayload>[]): number[] => jobs.map((j) => j.payload.n);

/**
 * The behaviour every Queue adapter must show. `makeQueue` is called once per test and must return
 * an empty queue; the suite closes it afterwards.
 */
export function describeQueueConformance(name: string, makeQueue: (clock: Clock) => Promise<TestQueue>): void {
  describe(`Queue conformance: ${name}`, () => {
    let clock: ManualClock;
    let queue: TestQueue;
    const reserve = (limit = 100, partition = P, visibilityMs = VIS) => queue.reserve({ partition, limit, visibilityMs });

    beforeEach(async () => {
      clock = new ManualClock();
      queue = await makeQueue(clock);
    });
    afterEach(async () => {
      await queue.close();
    });

    it('hands out enqueued jobs with their fields, a token and attempts = 1', async () => {
      const { ids, duplicates } = await queue.enqueue([job(1, { dedupKey: 'd1', maxAttempts: 3 }), job(2, { lane: 'high' })]);
      assert.equal(ids.length, 2);
      assert.notEqual(ids[0], ids[1]);
      assert.deepEqual(duplicates, []);
      const got = await reserve();
      assert.deepEqual(ns(got), [2, 1]);
      const one = got[1];
      assert.equal(one.id, ids[0]);
      assert.deepEqual(one.payload, { n: 1 });
      assert.equal(one.partition, P);
      assert.equal(one.lane, 'normal');
      assert.equal(one.runAt, clock.time);
      assert.equal(one.attempts, 1);
      assert.equal(one.maxAttempts, 3);
      assert.equal(one.dedupKey, 'd1');
      assert.equal(one.reservedUntil, clock.time + VIS);
      assert.equal(typeof one.token, 'string');
      assert.ok(one.token.length > 0);
      assert.deepEqual(await reserve(), [], 'reserved jobs are invisible');
    });

    it('drains lanes strictly high > normal > bulk, then by runAt, then by id', async () => {
      const t = clock.time;
      await queue.enqueue([
        job(1, { lane: 'bulk', runAt: t - 5000 }),
        job(2, { lane: 'normal', runAt: t - 10 }),
        job(3, { lane: 'high', runAt: t }),
        job(4, { lane: 'normal', runAt: t - 20 }),
        job(5, { lane: 'high', runAt: t - 1 }),
        job(6, { lane: 'bulk', runAt: t - 5000 }),
        job(7, { lane: 'high', runAt: t - 1 }),
      ]);
      assert.deepEqual(ns(await reserve(2)), [5, 7]);
      assert.deepEqual(ns(await reserve(2)), [3, 4]);
      assert.deepEqual(ns(await reserve(10)), [2, 1, 6]);
    });

    it('never hands out a high job after bulk work that was enqueued first', async () => {
      await queue.enqueue(Array.from({ length: 50 }, (_, i) => job(i, { lane: 'bulk' })));
      clock.advance(1);
      await queue.enqueue([job(1000, { lane: 'high' })]);
      assert.deepEqual(ns(await reserve(1)), [1000]);
    });

    it('reserves from the given lanes only, in lane order', async () => {
      await queue.enqueue([job(1, { lane: 'bulk' }), job(2, { lane: 'normal' }), job(3, { lane: 'high' }), job(4, { lane: 'high' })]);
      assert.deepEqual(ns(await queue.reserve({ partition: P, limit: 10, visibilityMs: VIS, lanes: ['high'] })), [3, 4]);
      assert.deepEqual(await queue.reserve({ partition: P, limit: 10, visibilityMs: VIS, lanes: ['high'] }), []);
      assert.deepEqual(ns(await queue.reserve({ partition: P, limit: 10, visibilityMs: VIS, lanes: ['bulk', 'normal'] })), [2, 1]);
      await assert.rejects(queue.reserve({ partition: P, limit: 1, visibilityMs: VIS, lanes: ['urgent' as 'high'] }), RangeError);
    });

    it('holds jobs back until runAt; the default runAt is now', async () => {
      await queue.enqueue([job(1, { runAt: clock.time + 1000 }), job(2)]);
      assert.deepEqual(ns(await reserve()), [2]);
      clock.advance(999);
      assert.deepEqual(ns(await reserve()), []);
      clock.advance(1);
      assert.deepEqual(ns(await reserve()), [1]);
      await queue.enqueue([job(3, { runAt: clock.time + 50 })]);
      assert.deepEqual(ns(await queue.reserve({ partition: P, limit: 5, visibilityMs: VIS, now: clock.time + 50 })), [3]);
    });

    it('re-delivers after the visibility timeout with attempts incremented and a new token', async () => {
      await queue.enqueue([job(1)]);
      const [first] = await reserve(1, P, 1000);
      clock.advance(999);
      assert.deepEqual(await reserve(), [], 'still invisible just before the timeout');
      clock.advance(1);
      const [second] = await reserve(1, P, 1000);
      assert.equal(second.id, first.id);
      assert.equal(second.attempts, 2);
      assert.notEqual(second.token, first.token);
      assert.equal(await queue.ack(first), false, 'the stale holder cannot ack');
      assert.equal(await queue.retry(first, clock.time), 'stale');
      assert.equal(await queue.deadLetter(first, 'stale'), false);
      assert.equal(await queue.ack(second), true);
      assert.equal(await queue.ack(second), false, 'ack is idempotent');
      clock.advance(10_000);
      assert.deepEqual(await reserve(), [], 'an acked job never comes back');
    });

    it('accepts an ack after the timeout as long as nobody re-reserved the job', async () => {
      await queue.enqueue([job(1)]);
      const [held] = await reserve(1, P, 1000);
      clock.advance(5000);
      assert.equal(await queue.ack(held), true);
      assert.deepEqual(await reserve(), []);
    });

    it('acks many jobs concurrently, each once', async () => {
      await queue.enqueue(Array.from({ length: 20 }, (_, i) => job(i)));
      const got = await reserve();
      const acked = await Promise.all([...got, got[0]].map((j) => queue.ack(j)));
      assert.equal(acked.filter(Boolean).length, 20);
      assert.deepEqual((await queue.stats()).map((s) => s.waiting + s.reserved), []);
    });

    it('retry puts the job back at runAt with its error, and dead-letters it at maxAttempts', async () => {
      await queue.enqueue([job(1, { maxAttempts: 2, dedupKey: 'r1', lane: 'high' })]);
      const [a1] = await reserve();
      assert.equal(await queue.retry(a1, clock.time + 500, 'HTTP 503'), 'waiting');
      assert.equal(await queue.ack(a1), false, 'retry ends the reservation');
      assert.deepEqual(await reserve(), []);
      clock.advance(500);
      const [a2] = await reserve();
      assert.equal(a2.attempts, 2);
      assert.equal(a2.lastError, 'HTTP 503');
      assert.equal(a2.runAt, clock.time);
      assert.equal(a2.lane, 'high');
      assert.equal(await queue.retry(a2, clock.time + 500, 'HTTP 503 again'), 'dead');
      clock.advance(1000);
      assert.deepEqual(await reserve(), []);
      const dead = await queue.deadLetters({ limit: 10 });
      assert.equal(dead.length, 1);
      assert.deepEqual({ ...dead[0], deadAt: 0 }, {
        id: a1.id, payload: { n: 1 }, partition: P, lane: 'high', attempts: 2, maxAttempts: 2, dedupKey: 'r1', reason: 'HTTP 503 again', deadAt: 0,
      });
      assert.equal(dead[0].deadAt, clock.time - 1000);
    });

    it('dead-letters a job whose last attempt timed out instead of handing it out again', async () => {
      await queue.enqueue([job(1, { maxAttempts: 1 }), job(2, { maxAttempts: 2 })]);
      assert.equal((await reserve(10, P, 100)).length, 2);
      clock.advance(100);
      const again = await reserve(10, P, 100);
      assert.deepEqual(ns(again), [2]);
      assert.equal(again[0].attempts, 2);
      const dead = await queue.deadLetters({ limit: 10 });
      assert.deepEqual(dead.map((d) => d.payload.n), [1]);
      assert.equal(dead[0].attempts, 1);
    });

    it('deadLetter moves a job out whatever attempts remain; deadLetters filters, pages and orders newest first', async () => {
      await queue.enqueue([job(1), job(2), job(3), job(4, { partition: 'app2:fcm' })]);
      for (const j of await reserve()) {
        assert.equal(await queue.deadLetter(j, `bad ${j.payload.n}`), true);
        clock.advance(10);
      }
      const [other] = await reserve(1, 'app2:fcm');
      assert.equal(await queue.deadLetter(other, 'bad 4'), true);
      assert.deepEqual(await reserve(), []);
      const all = await queue.deadLetters({ limit: 10 });
      assert.deepEqual(all.map((d) => d.payload.n), [4, 3, 2, 1]);
      assert.deepEqual(all.map((d) => d.reason), ['bad 4', 'bad 3', 'bad 2', 'bad 1']);
      const page1 = await queue.deadLetters({ partition: P, limit: 2 });
      assert.deepEqual(page1.map((d) => d.payload.n), [3, 2]);
      const page2 = await queue.deadLetters({ partition: P, limit: 2, before: page1[1].deadAt });
      assert.deepEqual(page2.map((d) => d.payload.n), [1]);
      assert.deepEqual((await queue.deadLetters({ partition: 'app2:fcm', limit: 5 })).map((d) => d.payload.n), [4]);
    });

    it('replay brings dead jobs back by id or by partition and limit, attempts reset', async () => {
      await queue.enqueue([job(1), job(2), job(3), job(4, { partition: 'app2:fcm' })]);
      for (const j of [...(await reserve()), ...(await reserve(5, 'app2:fcm'))]) {
        await queue.deadLetter(j, 'x');
        clock.advance(1);
      }
      const dead = await queue.deadLetters({ limit: 10 });
      const idOf = (n: number) => dead.find((d) => d.payload.n === n)?.id ?? '';
      assert.equal(await queue.replay([idOf(2), idOf(2), '999999', 'nonsense']), 1);
      const [back] = await reserve();
      assert.equal(back.id, idOf(2));
      assert.equal(back.attempts, 1);
      assert.equal(await queue.replay({ partition: P, limit: 1 }), 1, 'oldest first');
      assert.deepEqual(ns(await reserve()), [1]);
      assert.equal(await queue.replay({ limit: 10 }), 2);
      assert.deepEqual(ns(await reserve()), [3]);
      assert.deepEqual(ns(await reserve(5, 'app2:fcm')), [4]);
      assert.deepEqual(await queue.deadLetters({ limit: 10 }), []);
    });

    it('ignores and reports a dedup key that is live, and frees it on ack or dead-letter', async () => {
      const first = await queue.enqueue([job(1, { dedupKey: 'msg1:dev1' }), job(2, { dedupKey: 'msg1:dev2' }), job(3, { dedupKey: 'msg1:dev1' })]);
      assert.deepEqual(first.duplicates, [2]);
      assert.equal(first.ids[2], first.ids[0]);
      const second = await queue.enqueue([job(4), job(5, { dedupKey: 'msg1:dev2' })]);
      assert.deepEqual(second.duplicates, [1]);
      assert.equal(second.ids[1], first.ids[1]);
      const held = await reserve();
      assert.deepEqual(ns(held), [1, 2, 4]);
      assert.deepEqual((await queue.enqueue([job(6, { dedupKey: 'msg1:dev1' })])).duplicates, [0], 'reserved still counts as live');
      await queue.ack(held[0]);
      await queue.deadLetter(held[1], 'gone');
      const third = await queue.enqueue([job(7, { dedupKey: 'msg1:dev1' }), job(8, { dedupKey: 'msg1:dev2' })]);
      assert.deepEqual(third.duplicates, []);
      assert.equal(await queue.replay({ limit: 10 }), 0, 'a dead job whose key is live again stays dead');
      assert.equal((await queue.deadLetters({ limit: 10 })).length, 1);
      assert.deepEqual(ns(await reserve()), [7, 8]);
    });

    it('cancel removes waiting and scheduled jobs by id or literal dedup-key prefix, never held ones', async () => {
      const t = clock.time;
      const { ids } = await queue.enqueue([
        job(1, { dedupKey: 'sched:a:1', runAt: t + 60_000 }),
        job(2, { dedupKey: 'sched:a:2', runAt: t + 60_000 }),
        job(3, { dedupKey: 'sched:b:1' }),
        job(4, { dedupKey: 'sched:a*' }),
        job(5, { dedupKey: 'SCHED:a:3' }),
        job(6),
        job(7, { lane: 'high', dedupKey: 'sched:a:held' }),
      ]);
      const [held] = await reserve(1);
      assert.equal(held.payload.n, 7);
      assert.equal(await queue.cancel({ dedupKeyPrefix: 'sched:a*' }), 1, 'the prefix is literal');
      assert.equal(await queue.cancel({ dedupKeyPrefix: 'sched:a:' }), 2, 'neither the held job nor other cases');
      assert.equal(await queue.cancel({ ids: [ids[5], 'nonsense', '424242'] }), 1);
      await assert.rejects(queue.cancel({ dedupKeyPrefix: '' }), RangeError);
      assert.equal(await queue.ack(held), true);
      clock.advance(60_000);
      assert.deepEqual(ns(await reserve()), [3, 5]);
    });

    it('keeps partitions apart and lists them with their next due time', async () => {
      const t = clock.time;
      await queue.enqueue([job(1), job(2, { partition: 'app1:fcm' }), job(3, { partition: 'app2:apns', runAt: t + 5000 })]);
      assert.deepEqual(await queue.partitions(), [
        { partition: 'app1:apns', nextAt: t },
        { partition: 'app1:fcm', nextAt: t },
        { partition: 'app2:apns', nextAt: t + 5000 },
      ]);
      assert.deepEqual(ns(await reserve(10, 'app1:fcm')), [2]);
      assert.deepEqual(ns(await reserve(10, 'app1:fcm')), []);
      assert.deepEqual(ns(await reserve(10, 'app9:none')), []);
      const [mine] = await reserve(10);
      assert.equal(mine.payload.n, 1);
      assert.deepEqual(await queue.partitions(), [
        { partition: 'app1:apns', nextAt: t + VIS },
        { partition: 'app1:fcm', nextAt: t + VIS },
        { partition: 'app2:apns', nextAt: t + 5000 },
      ]);
      clock.advance(5000);
      assert.deepEqual(ns(await reserve(10, 'app2:apns')), [3]);
    });

    it('stats counts waiting, ready, reserved and dead per partition, with the oldest waiting runAt', async () => {
      const t = clock.time;
      await queue.enqueue([job(1, { runAt: t - 100 }), job(2), job(3, { runAt: t + 100 }), job(4, { partition: 'app2:fcm', lane: 'high' })]);
      const [r1] = await reserve(1, 'app2:fcm');
      await queue.deadLetter(r1, 'x');
      await reserve(1, P, 1000);
      assert.deepEqual(await queue.stats(), [
        { partition: 'app1:apns', waiting: 2, ready: 1, reserved: 1, dead: 0, oldestWaitingRunAt: t },
        { partition: 'app2:fcm', waiting: 0, ready: 0, reserved: 0, dead: 1, oldestWaitingRunAt: null },
      ]);
      const later = await queue.stats({ now: t + 1000 });
      assert.deepEqual(later[0], { partition: 'app1:apns', waiting: 3, ready: 3, reserved: 0, dead: 0, oldestWaitingRunAt: t - 100 }, 'a timed-out reservation waits again');
    });

    it('rejects a bad batch whole and bad reserve arguments', async () => {
      await assert.rejects(queue.enqueue([job(1), job(2, { partition: '' })]), RangeError);
      await assert.rejects(queue.enqueue([job(1), { ...job(2), lane: 'urgent' as 'high' }]), RangeError);
      await assert.rejects(queue.enqueue([job(1), job(2, { maxAttempts: 0 })]), RangeError);
      await assert.rejects(queue.enqueue([job(1), job(2, { runAt: Number.NaN })]), RangeError);
      await assert.rejects(queue.enqueue([job(1), { partition: P, payload: undefined as unknown as TestPayload }]), RangeError);
      assert.deepEqual(await queue.stats(), [], 'nothing of a rejected batch was enqueued');
      assert.deepEqual(await queue.enqueue([]), { ids: [], duplicates: [] });
      await assert.rejects(queue.reserve({ partition: P, limit: 0, visibilityMs: VIS }), RangeError);
      await assert.rejects(queue.reserve({ partition: P, limit: 1, visibilityMs: 0 }), RangeError);
    });

    // One call, one batch; throughput is bench/'s business, not asserted here.
    it('enqueues 10,000 jobs in one call, and chunked reserves see each exactly once', async () => {
      const lanes = ['high', 'normal', 'bulk'] as const;
      const jobs = Array.from({ length: 10_000 }, (_, i) => job(i, { lane: lanes[i % 3], dedupKey: `b:${i}` }));
      const { ids, duplicates } = await queue.enqueue(jobs);
      assert.equal(new Set(ids).size, 10_000);
      assert.deepEqual(duplicates, []);
      const seen = new Map<number, number>();
      let lastLane = 0;
      for (;;) {
        const chunk = await reserve(777);
        if (chunk.length === 0) break;
        for (const j of chunk) {
          seen.set(j.payload.n, (seen.get(j.payload.n) ?? 0) + 1);
          const lane = lanes.indexOf(j.lane as (typeof lanes)[number]);
          assert.ok(lane >= lastLane, 'lanes never go backwards');
          lastLane = lane;
        }
        await Promise.all(chunk.map((j) => queue.ack(j)));
      }
      const repeated = [...seen].filter(([, count]) => count > 1).map(([n]) => n);
      assert.equal(seen.size, 10_000, `${10_000 - seen.size} jobs never came out`);
      assert.deepEqual(repeated, [], 'jobs handed out twice');
      assert.deepEqual(await queue.partitions(), []);
    });
  });
}
