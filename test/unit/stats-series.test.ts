import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bucketIncrease, counterIncrease, histogramQuantile, sumBuckets, type Bucket } from '../../src/core/stats/histogram-quantile.js';
import { RingBuffer } from '../../src/core/stats/ring-buffer.js';
import { seriesPoint } from '../../src/core/stats/series-point.js';
import { StatsSeries } from '../../src/core/stats/stats-series.js';
import type { MetricsReading } from '../../src/ports/metrics-reading.js';
import { silentLogger } from '../../src/ports/logger.js';
import { ManualClock } from '../helpers/manual-clock.js';

const near = (actual: number | undefined, expected: number, what: string) =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-9, `${what}: ${actual} is not ${expected}`);

/** Cumulative buckets from per-bucket counts: [[0.1, 2], [0.5, 3], [Infinity, 0]] → 2, 5, 5. */
function cumulative(rows: [number, number][]): Bucket[] {
  let n = 0;
  return rows.map(([le, count]) => ({ le, count: (n += count) }));
}

describe('RingBuffer', () => {
  it('keeps the newest items up to its capacity, oldest first', () => {
    const ring = new RingBuffer<number>(3);
    assert.deepEqual(ring.toArray(), []);
    assert.equal(ring.last(), undefined);
    assert.equal(ring.push(1), undefined);
    ring.push(2);
    ring.push(3);
    assert.deepEqual(ring.toArray(), [1, 2, 3]);
    assert.equal(ring.push(4), 1, 'a full buffer hands back the item it dropped');
    assert.equal(ring.push(5), 2);
    assert.deepEqual(ring.toArray(), [3, 4, 5]);
    assert.equal(ring.size, 3);
    assert.equal(ring.last(), 5);
  });

  it('newest() answers the recent run that satisfies the test, oldest first', () => {
    const ring = new RingBuffer<number>(4);
    for (const n of [1, 2, 3, 4, 5, 6]) ring.push(n);
    assert.deepEqual(ring.newest((n) => n > 4), [5, 6]);
    assert.deepEqual(ring.newest(() => true), [3, 4, 5, 6]);
    assert.deepEqual(ring.newest(() => false), []);
  });

  it('refuses a capacity below 1', () => {
    assert.throws(() => new RingBuffer(0), RangeError);
    assert.throws(() => new RingBuffer(1.5), RangeError);
  });
});

describe('counterIncrease', () => {
  const rows: { previous: number | undefined; current: number; increase: number; note: string }[] = [
    { previous: 10, current: 15, increase: 5, note: 'the difference' },
    { previous: 10, current: 10, increase: 0, note: 'no change' },
    { previous: undefined, current: 7, increase: 7, note: 'a counter new since the previous reading counts from 0' },
    { previous: 10, current: 3, increase: 3, note: 'a counter that went down restarted from 0' },
  ];
  for (const r of rows) it(r.note, () => assert.equal(counterIncrease(r.previous, r.current), r.increase));
});

describe('histogramQuantile', () => {
  const buckets = cumulative([[0.1, 10], [0.5, 30], [1, 40], [Infinity, 20]]); // 100 observations

  const rows: { q: number; expected: number | undefined; buckets: Bucket[]; note: string }[] = [
    { q: 0.05, buckets, expected: 0.05, note: 'rank 5 of the first bucket: half way from 0 to 0.1' },
    { q: 0.25, buckets, expected: 0.1 + 0.4 * (15 / 30), note: 'rank 25: 15 of the 30 between 0.1 and 0.5' },
    { q: 0.5, buckets, expected: 0.5 + 0.5 * (10 / 40), note: 'rank 50: 10 of the 40 between 0.5 and 1' },
    { q: 0.8, buckets, expected: 1, note: 'rank 80 is the top of the 1 s bucket' },
    { q: 0.99, buckets, expected: 1, note: 'a rank in the open-ended bucket answers the largest finite bound' },
    { q: 0.5, buckets: cumulative([[0.1, 0], [0.5, 0], [Infinity, 0]]), expected: undefined, note: 'no observations, no quantile' },
    { q: 0.5, buckets: [], expected: undefined, note: 'no buckets, no quantile' },
    { q: 0.5, buckets: cumulative([[0.005, 4], [0.01, 0], [Infinity, 0]]), expected: 0.0025, note: 'all in the lowest bucket, which starts at 0' },
    { q: 0, buckets: cumulative([[0.1, 0], [0.5, 2], [Infinity, 0]]), expected: 0.1, note: 'q=0 is the lower bound of the first bucket with observations' },
    { q: 1, buckets: cumulative([[0.1, 0], [0.5, 2], [1, 0], [Infinity, 0]]), expected: 0.5, note: 'q=1 is the top of the last bucket with observations, not of an empty one after it' },
  ];
  for (const r of rows) {
    it(r.note, () => {
      const got = histogramQuantile(r.q, r.buckets);
      if (r.expected === undefined) assert.equal(got, undefined);
      else near(got, r.expected, `q=${r.q}`);
    });
  }

  it('refuses a quantile outside 0..1', () => {
    assert.throws(() => histogramQuantile(1.5, buckets), RangeError);
    assert.throws(() => histogramQuantile(Number.NaN, buckets), RangeError);
  });
});

describe('bucketIncrease and sumBuckets', () => {
  it('subtracts bucket by bucket, so quantiles describe only the interval', () => {
    const before = cumulative([[0.1, 100], [1, 0], [Infinity, 0]]);
    const after = cumulative([[0.1, 100], [1, 10], [Infinity, 0]]);
    const delta = bucketIncrease(before, after);
    assert.deepEqual(delta, [{ le: 0.1, count: 0 }, { le: 1, count: 10 }, { le: Infinity, count: 10 }]);
    // Over everything since start the median is fast; over the interval it is the slow sends.
    near(histogramQuantile(0.5, after), 0.1 * (55 / 100), 'since start');
    near(histogramQuantile(0.5, delta), 0.1 + 0.9 * 0.5, 'the interval');
  });

  it('a histogram that shrank restarted: the current counts are the increase', () => {
    const before = cumulative([[0.1, 5], [Infinity, 5]]);
    const after = cumulative([[0.1, 1], [Infinity, 1]]);
    assert.deepEqual(bucketIncrease(before, after), after);
  });

  it('no previous reading counts from 0, and buckets come out in ascending order', () => {
    assert.deepEqual(bucketIncrease(undefined, [{ le: Infinity, count: 3 }, { le: 0.5, count: 2 }]), [{ le: 0.5, count: 2 }, { le: Infinity, count: 3 }]);
  });

  it('sums histograms on the bounds they share and drops the others', () => {
    const a = [{ le: 0.1, count: 1 }, { le: 0.5, count: 2 }, { le: Infinity, count: 3 }];
    const b = [{ le: 0.1, count: 4 }, { le: 0.25, count: 5 }, { le: Infinity, count: 6 }];
    assert.deepEqual(sumBuckets([a, b]), [{ le: 0.1, count: 5 }, { le: Infinity, count: 9 }]);
    assert.deepEqual(sumBuckets([]), []);
  });
});

const BOUNDS = [0.01, 0.1, 1, Infinity];

function reading(overrides: Partial<MetricsReading> = {}): MetricsReading {
  return { published: 0, pushOutcomes: [], sendLatency: [], queueLagSeconds: 0, subscribers: [], notifyStates: [], ...overrides };
}

/** A latency histogram with `perBucket` observations in each of BOUNDS's buckets. */
function latency(provider: string, perBucket: number[]) {
  const buckets = cumulative(BOUNDS.map((le, i) => [le, perBucket[i] ?? 0]));
  return { provider, buckets, count: buckets.at(-1)!.count };
}

describe('seriesPoint', () => {
  it('turns two readings into counts, rates, interval quantiles and the gauges at the end', () => {
    const previous = reading({
      published: 100,
      pushOutcomes: [{ provider: 'fcm', state: 'sent', total: 50 }, { provider: 'apns', state: 'sent', total: 10 }],
      sendLatency: [latency('fcm', [50, 0, 0, 0]), latency('apns', [10, 0, 0, 0])],
      subscribers: [{ transport: 'sse', open: 1 }],
      notifyStates: [{ channel: 'email', state: 'sent', total: 2 }],
    });
    const current = reading({
      published: 130,
      pushOutcomes: [
        { provider: 'fcm', state: 'sent', total: 70 },
        { provider: 'apns', state: 'sent', total: 10 },
        { provider: 'apns', state: 'failed', total: 5 },
      ],
      sendLatency: [latency('fcm', [50, 20, 0, 0]), latency('apns', [10, 0, 0, 0])],
      queueLagSeconds: 2.5,
      subscribers: [{ transport: 'sse', open: 3 }, { transport: 'ws', open: 2 }],
      notifyStates: [{ channel: 'email', state: 'sent', total: 6 }, { channel: 'sms', state: 'failed', total: 1 }],
    });
    const point = seriesPoint({ at: 1_000_000, reading: previous }, { at: 1_010_000, reading: current });
    assert.equal(point.at, 1_010_000);
    assert.equal(point.seconds, 10);
    assert.deepEqual(point.publishes, { count: 30, rate: 3 });
    assert.deepEqual(point.pushes, [
      { provider: 'apns', state: 'failed', count: 5, rate: 0.5 },
      { provider: 'apns', state: 'sent', count: 0, rate: 0 },
      { provider: 'fcm', state: 'sent', count: 20, rate: 2 },
    ]);
    // 20 fcm sends in the interval, all between 10 and 100 ms; none from apns.
    assert.equal(point.latency.count, 20);
    near(point.latency.p50, 0.01 + 0.09 * 0.5, 'p50');
    near(point.latency.p99, 0.01 + 0.09 * 0.99, 'p99');
    assert.deepEqual(point.latencyByProvider.map((l) => [l.provider, l.count]), [['apns', 0], ['fcm', 20]]);
    assert.equal(point.latencyByProvider[0]!.p50, undefined, 'no sends, no quantiles');
    assert.equal(point.queueLagSeconds, 2.5);
    assert.deepEqual(point.subscribers, { open: 5, byTransport: [{ transport: 'sse', open: 3 }, { transport: 'ws', open: 2 }] });
    assert.deepEqual(point.notify, [{ channel: 'email', state: 'sent', count: 4 }, { channel: 'sms', state: 'failed', count: 1 }]);
  });

  it('refuses readings that are not in order', () => {
    assert.throws(() => seriesPoint({ at: 5, reading: reading() }, { at: 5, reading: reading() }), RangeError);
  });
});

/** A reader whose next reading the test sets. */
function scriptedReader() {
  let next = reading();
  let fail = false;
  return {
    reader: { read: async () => { if (fail) throw new Error('metrics gone'); return next; } },
    set(r: Partial<MetricsReading>) { next = reading(r); },
    failing(on: boolean) { fail = on; },
  };
}

describe('StatsSeries', () => {
  it('the first reading is the baseline; each later one adds a point; window() answers by the clock', async () => {
    const clock = new ManualClock(0);
    const script = scriptedReader();
    const series = new StatsSeries({ reader: script.reader, clock, logger: silentLogger, options: { intervalMs: 10_000, retentionMs: 60_000 } });
    await series.sample();
    assert.deepEqual(series.window(60_000), []);
    for (let i = 1; i <= 8; i++) {
      clock.advance(10_000);
      script.set({ published: i * 50 });
      await series.sample();
    }
    // Retention 60 s at 10 s: six points, the newest ones.
    const all = series.window(3_600_000);
    assert.deepEqual(all.map((p) => p.at / 1000), [30, 40, 50, 60, 70, 80]);
    assert.ok(all.every((p) => p.publishes.count === 50 && p.publishes.rate === 5));
    assert.deepEqual(series.window(25_000).map((p) => p.at / 1000), [60, 70, 80], 'points that ended within the last 25 s');
    assert.equal(series.retentionMs, 60_000);
  });

  it('a failed reading adds nothing and the next good one covers the whole time since the last', async () => {
    const clock = new ManualClock(0);
    const script = scriptedReader();
    const series = new StatsSeries({ reader: script.reader, clock, logger: silentLogger, options: { intervalMs: 10_000, retentionMs: 3_600_000 } });
    await series.sample();
    clock.advance(10_000);
    script.failing(true);
    await series.sample();
    assert.deepEqual(series.window(3_600_000), []);
    script.failing(false);
    clock.advance(10_000);
    script.set({ published: 40 });
    await series.sample();
    const [point] = series.window(3_600_000);
    assert.equal(point!.seconds, 20);
    assert.equal(point!.publishes.rate, 2);
  });

  it('a clock that did not move gives no point (no interval to divide by)', async () => {
    const clock = new ManualClock(0);
    const series = new StatsSeries({ reader: scriptedReader().reader, clock, logger: silentLogger, options: { intervalMs: 10_000, retentionMs: 3_600_000 } });
    await series.sample();
    await series.sample();
    assert.deepEqual(series.window(3_600_000), []);
  });

  it('refuses a zero interval or retention', () => {
    const deps = { reader: scriptedReader().reader, clock: new ManualClock(0), logger: silentLogger };
    assert.throws(() => new StatsSeries({ ...deps, options: { intervalMs: 0, retentionMs: 1000 } }), RangeError);
    assert.throws(() => new StatsSeries({ ...deps, options: { intervalMs: 1000, retentionMs: 0 } }), RangeError);
  });
});
