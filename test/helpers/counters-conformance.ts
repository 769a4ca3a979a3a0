import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { BucketRule, CapWindow, Counters } from '../../src/ports/counters.js';
import { ManualClock } from './manual-clock.js';

/** What an adapter hands the suite. */
export interface OpenedCounters {
  counters: Counters;
  /**
   * Another node's handle on the same counters (its own connection); in-process, the same object.
   * Concurrency tests split their calls between the two.
   */
  peer: Counters;
  /** Removes what the suite counted and closes both handles. */
  close(): Promise<void>;
}

const DAY = 86_400_000;
/** 2023-11-14 22:13:20 UTC: the manual clock's default start, under two hours before a midnight. */
const START = 1_700_000_000_000;

/** A key no other test uses, so tests sharing one namespace never see each other's counts. */
function fresh(name: string): string {
  return `${name}:${randomBytes(4).toString('hex')}`;
}

/**
 * The behaviour every Counters adapter must show; call it once per adapter from that adapter's
 * test file. `skip` (a reason) skips the suite, for adapters whose service is unreachable.
 */
export function describeCountersConformance(name: string, open: () => Promise<OpenedCounters>, skip?: string): void {
  describe(`Counters conformance: ${name}`, { ...(skip !== undefined ? { skip } : {}) }, () => {
    let opened: OpenedCounters;
    let c: Counters;
    before(async () => {
      opened = await open();
      c = opened.counters;
    });
    after(() => opened?.close());

    describe('token buckets', () => {
      const rule: BucketRule = { burst: 3, refillMs: 5000 };

      it('starts full, spends one token a take, and refuses the take after the burst with the wait', async () => {
        const clock = new ManualClock();
        const key = fresh('bucket');
        const takes = [];
        for (let i = 0; i < 4; i++) takes.push(await c.take(key, rule, clock.now()));
        assert.deepEqual(takes, [
          { taken: true, remaining: 2, waitMs: 0, fullMs: 5000 },
          { taken: true, remaining: 1, waitMs: 0, fullMs: 10_000 },
          { taken: true, remaining: 0, waitMs: 5000, fullMs: 15_000 },
          { taken: false, remaining: 0, waitMs: 5000, fullMs: 15_000 },
        ]);
        clock.advance(4999);
        assert.deepEqual(await c.take(key, rule, clock.now()), { taken: false, remaining: 0, waitMs: 1, fullMs: 10_001 });
        clock.advance(1);
        assert.deepEqual(await c.take(key, rule, clock.now()), { taken: true, remaining: 0, waitMs: 5000, fullMs: 15_000 });
      });

      it('refills one token per interval, fractions included, and never beyond the burst', async () => {
        const clock = new ManualClock();
        const key = fresh('refill');
        for (let i = 0; i < 3; i++) await c.take(key, rule, clock.now());
        clock.advance(7500);
        // 1.5 tokens: one take passes, and half a token is left towards the next.
        assert.deepEqual(await c.take(key, rule, clock.now()), { taken: true, remaining: 0, waitMs: 2500, fullMs: 12_500 });
        clock.advance(DAY);
        assert.deepEqual(await c.take(key, rule, clock.now(), 0), { taken: false, remaining: 3, waitMs: 0, fullMs: 0 });
      });

      it('takes n tokens all or nothing, and reads with n = 0', async () => {
        const clock = new ManualClock();
        const key = fresh('many');
        assert.deepEqual(await c.take(key, rule, clock.now(), 2), { taken: true, remaining: 1, waitMs: 5000, fullMs: 10_000 });
        assert.deepEqual(await c.take(key, rule, clock.now(), 2), { taken: false, remaining: 1, waitMs: 5000, fullMs: 10_000 });
        assert.deepEqual(await c.take(key, rule, clock.now(), 0), { taken: false, remaining: 1, waitMs: 0, fullMs: 10_000 });
        assert.equal((await c.take(key, rule, clock.now(), 4)).taken, false, 'more than the burst never passes');
        assert.equal((await c.take(key, rule, clock.now(), 1)).remaining, 0, 'refused takes took nothing');
      });

      it('reads a bucket never used as full, and keeps nothing for it', async () => {
        const clock = new ManualClock();
        const key = fresh('unused');
        assert.deepEqual(await c.take(key, rule, clock.now(), 0), { taken: false, remaining: 3, waitMs: 0, fullMs: 0 });
        assert.deepEqual(await c.take(key, rule, clock.now()), { taken: true, remaining: 2, waitMs: 0, fullMs: 5000 });
      });

      it('keeps a bucket with a refill interval of 0 full', async () => {
        const clock = new ManualClock();
        const key = fresh('unlimited');
        for (let i = 0; i < 10; i++) assert.deepEqual(await c.take(key, { burst: 2, refillMs: 0 }, clock.now()), { taken: true, remaining: 2, waitMs: 0, fullMs: 0 });
      });

      it('refuses every take of a bucket of burst 0, with the refill interval as the wait', async () => {
        const clock = new ManualClock();
        assert.deepEqual(await c.take(fresh('empty'), { burst: 0, refillMs: 1000 }, clock.now()), { taken: false, remaining: 0, waitMs: 1000, fullMs: 0 });
      });

      it('refills nothing when a call comes with an earlier time (a node whose clock is behind)', async () => {
        const clock = new ManualClock();
        const key = fresh('skew');
        await c.take(key, rule, clock.now());
        await c.take(key, rule, clock.now());
        assert.deepEqual(await c.take(key, rule, clock.now() - 60_000), { taken: true, remaining: 0, waitMs: 5000, fullMs: 15_000 });
        assert.equal((await c.take(key, rule, clock.now() - 60_000)).taken, false);
      });

      it('applies a changed rule to what the bucket held when last used', async () => {
        const clock = new ManualClock();
        const key = fresh('retuned');
        for (let i = 0; i < 3; i++) await c.take(key, rule, clock.now());
        clock.advance(1000);
        // Empty since START; under the new rule one token a second, so one token now.
        assert.deepEqual(await c.take(key, { burst: 5, refillMs: 1000 }, clock.now()), { taken: true, remaining: 0, waitMs: 1000, fullMs: 5000 });
      });

      it('keeps keys apart, and apart from daily counts and windows of the same name', async () => {
        const clock = new ManualClock();
        const key = fresh('shared-name');
        for (let i = 0; i < 3; i++) await c.take(key, rule, clock.now());
        assert.equal((await c.take(fresh('other'), rule, clock.now())).taken, true);
        assert.deepEqual(await c.addDaily(key, 5, clock.now()), { added: true, value: 1 });
        assert.deepEqual(await c.reserve('r1', [{ key, limit: 1, windowMs: 1000 }], clock.now()), { reserved: true, repeated: false });
        assert.equal((await c.take(key, rule, clock.now())).taken, false);
      });
    });

    describe('daily counts', () => {
      it('adds within the limit, adds nothing past it, and reports the total', async () => {
        const clock = new ManualClock();
        const key = fresh('daily');
        assert.deepEqual(await c.addDaily(key, 2, clock.now()), { added: true, value: 1 });
        assert.deepEqual(await c.addDaily(key, 2, clock.now()), { added: true, value: 2 });
        assert.deepEqual(await c.addDaily(key, 2, clock.now()), { added: false, value: 2 });
        assert.deepEqual(await c.addDaily(key, 2, clock.now(), 0), { added: true, value: 2 });
      });

      it('adds amounts all or nothing (attachment bytes)', async () => {
        const clock = new ManualClock();
        const key = fresh('bytes');
        const limit = 500 * 1024 * 1024;
        assert.deepEqual(await c.addDaily(key, limit, clock.now(), limit - 10), { added: true, value: limit - 10 });
        assert.deepEqual(await c.addDaily(key, limit, clock.now(), 11), { added: false, value: limit - 10 });
        assert.deepEqual(await c.addDaily(key, limit, clock.now(), 10), { added: true, value: limit });
      });

      it('starts again at 0 at midnight UTC', async () => {
        const key = fresh('midnight');
        const midnight = (Math.floor(START / DAY) + 1) * DAY;
        assert.equal((await c.addDaily(key, 1, midnight - 1)).added, true);
        assert.equal((await c.addDaily(key, 1, midnight - 1)).added, false);
        assert.deepEqual(await c.addDaily(key, 1, midnight), { added: true, value: 1 });
        assert.deepEqual(await c.addDaily(key, 1, midnight + DAY - 1), { added: false, value: 1 });
      });

      it('reads a count never used as 0', async () => {
        assert.deepEqual(await c.addDaily(fresh('unused'), 3, START, 0), { added: true, value: 0 });
      });
    });

    describe('capped reservations', () => {
      const hour = 3_600_000;

      it('reserves while fewer than the limit are in the window, then refuses with when room comes back', async () => {
        const clock = new ManualClock();
        const w: CapWindow[] = [{ key: fresh('cap'), limit: 2, windowMs: hour }];
        assert.deepEqual(await c.reserve('a', w, clock.now()), { reserved: true, repeated: false });
        clock.advance(10_000);
        assert.deepEqual(await c.reserve('b', w, clock.now()), { reserved: true, repeated: false });
        assert.deepEqual(await c.reserve('c', w, clock.now()), { reserved: false, window: 0, retryAt: START + hour });
        // A reservation made exactly windowMs ago has just left the window.
        clock.time = START + hour;
        assert.deepEqual(await c.reserve('c', w, clock.now()), { reserved: true, repeated: false });
        assert.deepEqual(await c.reserve('d', w, clock.now()), { reserved: false, window: 0, retryAt: START + 10_000 + hour });
      });

      it('is idempotent per id: a repeat keeps its slot and its time, and counts once', async () => {
        const clock = new ManualClock();
        const w: CapWindow[] = [{ key: fresh('repeat'), limit: 2, windowMs: hour }];
        assert.deepEqual(await c.reserve('a', w, clock.now()), { reserved: true, repeated: false });
        clock.advance(1000);
        assert.deepEqual(await c.reserve('a', w, clock.now()), { reserved: true, repeated: true });
        assert.deepEqual(await c.reserve('b', w, clock.now()), { reserved: true, repeated: false });
        assert.deepEqual(await c.reserve('a', w, clock.now()), { reserved: true, repeated: true }, 'a full window still holds its own');
        assert.deepEqual(await c.reserve('c', w, clock.now()), { reserved: false, window: 0, retryAt: START + hour }, 'a kept its first time');
      });

      it('reserves in every window or in none', async () => {
        const clock = new ManualClock();
        const all = { key: fresh('all'), limit: 3, windowMs: hour };
        const marketing = { key: fresh('marketing'), limit: 1, windowMs: 24 * hour };
        assert.equal((await c.reserve('m1', [all, marketing], clock.now())).reserved, true);
        assert.deepEqual(await c.reserve('m2', [all, marketing], clock.now()), { reserved: false, window: 1, retryAt: START + 24 * hour });
        // m2 was not recorded under `all`: two more fit there.
        assert.equal((await c.reserve('x1', [all], clock.now())).reserved, true);
        assert.equal((await c.reserve('x2', [all], clock.now())).reserved, true);
        assert.deepEqual(await c.reserve('x3', [all], clock.now()), { reserved: false, window: 0, retryAt: START + hour });
      });

      it('checks several limits over one key (two caps of one history) and records once', async () => {
        const clock = new ManualClock();
        const key = fresh('two-caps');
        const caps: CapWindow[] = [{ key, limit: 3, windowMs: 24 * hour }, { key, limit: 1, windowMs: hour }];
        assert.deepEqual(await c.reserve('a', caps, clock.now()), { reserved: true, repeated: false });
        assert.deepEqual(await c.reserve('b', caps, clock.now()), { reserved: false, window: 1, retryAt: START + hour });
        clock.advance(hour);
        assert.equal((await c.reserve('b', caps, clock.now())).reserved, true);
        clock.advance(hour);
        assert.equal((await c.reserve('c', caps, clock.now())).reserved, true);
        clock.advance(hour);
        assert.deepEqual(await c.reserve('d', caps, clock.now()), { reserved: false, window: 0, retryAt: START + 24 * hour });
      });

      it('records without limiting in a window without a limit, for limits given later', async () => {
        const clock = new ManualClock();
        const key = fresh('record-only');
        for (const id of ['a', 'b', 'c']) assert.equal((await c.reserve(id, [{ key, windowMs: hour }], clock.now())).reserved, true);
        assert.deepEqual(await c.reserve('d', [{ key, limit: 3, windowMs: hour }], clock.now()), { reserved: false, window: 0, retryAt: START + hour });
      });

      it('refuses everything at a limit of 0, with no time at which room comes back', async () => {
        assert.deepEqual(await c.reserve('a', [{ key: fresh('zero'), limit: 0, windowMs: hour }], START), { reserved: false, window: 0 });
      });

      it('gives a released reservation back, idempotently', async () => {
        const clock = new ManualClock();
        const w: CapWindow[] = [{ key: fresh('release-a'), limit: 1, windowMs: hour }, { key: fresh('release-b'), limit: 1, windowMs: hour }];
        const keys = w.map((x) => x.key);
        assert.equal((await c.reserve('a', w, clock.now())).reserved, true);
        assert.equal((await c.reserve('b', w, clock.now())).reserved, false);
        assert.equal(await c.release('a', keys), true);
        assert.equal(await c.release('a', keys), false);
        assert.equal(await c.release('never', keys), false);
        assert.deepEqual(await c.reserve('b', w, clock.now()), { reserved: true, repeated: false });
      });

      it('counts reservations made with a later time (a node whose clock is ahead)', async () => {
        const w: CapWindow[] = [{ key: fresh('ahead'), limit: 1, windowMs: hour }];
        assert.equal((await c.reserve('a', w, START + 60_000)).reserved, true);
        assert.deepEqual(await c.reserve('b', w, START), { reserved: false, window: 0, retryAt: START + 60_000 + hour });
      });
    });

    describe('argument rules', () => {
      it('rejects bad numbers with a RangeError, counting nothing', async () => {
        const key = fresh('bad');
        const rule = { burst: 1, refillMs: 1000 };
        await assert.rejects(c.take(key, rule, START, -1), RangeError);
        await assert.rejects(c.take(key, rule, Number.NaN), RangeError);
        await assert.rejects(c.take(key, { burst: Number.POSITIVE_INFINITY, refillMs: 1 }, START), RangeError);
        await assert.rejects(c.addDaily(key, 5, START, 1.5), RangeError);
        await assert.rejects(c.addDaily(key, 5, START, -1), RangeError);
        await assert.rejects(c.reserve('a', [], START), RangeError);
        await assert.rejects(c.reserve('a', [{ key, limit: 1, windowMs: 0 }], START), RangeError);
        await assert.rejects(c.reserve('a', [{ key, limit: 1.5, windowMs: 10 }], START), RangeError);
        assert.equal((await c.take(key, rule, START)).taken, true);
        assert.deepEqual(await c.addDaily(key, 5, START, 0), { added: true, value: 0 });
      });
    });

    describe('concurrency', () => {
      it('never spends more than the burst, however many takes race from two nodes', async () => {
        const key = fresh('race');
        const rule = { burst: 50, refillMs: 60_000 };
        const results = await Promise.all(Array.from({ length: 300 }, (_, i) => (i % 2 ? opened.peer : c).take(key, rule, START)));
        assert.equal(results.filter((r) => r.taken).length, 50);
        assert.equal(Math.min(...results.map((r) => r.remaining)), 0);
      });

      it('never adds past a daily limit, however many adds race from two nodes', async () => {
        const key = fresh('race-daily');
        const results = await Promise.all(Array.from({ length: 300 }, (_, i) => (i % 2 ? opened.peer : c).addDaily(key, 40, START, 1)));
        assert.equal(results.filter((r) => r.added).length, 40);
        assert.deepEqual(await c.addDaily(key, 40, START, 0), { added: true, value: 40 });
      });

      it('never overfills a window, however many reservations race from two nodes; a raced id counts once', async () => {
        const all = { key: fresh('race-all'), limit: 30, windowMs: 3_600_000 };
        const category = { key: fresh('race-category'), limit: 10, windowMs: 86_400_000 };
        const distinct = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? opened.peer : c).reserve(`send-${i}`, i % 4 < 2 ? [all, category] : [all], START)));
        assert.equal(distinct.filter((r) => r.reserved).length, 30);
        assert.ok(distinct.filter((r, i) => r.reserved && i % 4 < 2).length <= 10, 'the category cap held too');
        const same = { key: fresh('race-same'), limit: 5, windowMs: 60_000 };
        const repeats = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? opened.peer : c).reserve('one-send', [same], START)));
        assert.ok(repeats.every((r) => r.reserved));
        assert.equal(repeats.filter((r) => r.reserved && !r.repeated).length, 1);
        for (let i = 0; i < 4; i++) assert.equal((await c.reserve(`other-${i}`, [same], START)).reserved, true, 'the raced id took one slot');
        assert.equal((await c.reserve('one-too-many', [same], START)).reserved, false);
      });
    });
  });
}
