import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backoffCeiling, backoffDelay, retryAt } from '../../src/core/retry/backoff.js';

const fixed = (r: number) => () => r;
const options = { baseMs: 1000, maxMs: 60_000 };

describe('backoffDelay', () => {
  const cases: { attempt: number; random: number; expected: number; why: string }[] = [
    { attempt: 1, random: 0, expected: 0, why: 'full jitter reaches 0' },
    { attempt: 1, random: 0.999999, expected: 1000, why: 'and the ceiling base' },
    { attempt: 1, random: 0.5, expected: 500, why: 'uniform in between' },
    { attempt: 2, random: 0.999999, expected: 2000, why: 'doubles per attempt' },
    { attempt: 3, random: 0.25, expected: 1000, why: 'a quarter of 4000' },
    { attempt: 6, random: 0.999999, expected: 32_000, why: '2^5 * base' },
    { attempt: 7, random: 0.999999, expected: 60_000, why: 'capped at maxMs' },
    { attempt: 500, random: 0.5, expected: 30_000, why: 'huge attempts stay capped' },
    { attempt: 5000, random: 0.999999, expected: 60_000, why: 'past 2^1023 stays capped' },
    { attempt: 0, random: 0.999999, expected: 1000, why: 'attempt below 1 counts as 1' },
    { attempt: Number.NaN, random: 0.999999, expected: 1000, why: 'NaN attempt counts as 1' },
    { attempt: 2.7, random: 0.999999, expected: 2000, why: 'fractional attempts round down' },
    { attempt: 3, random: 1, expected: 4000, why: 'a random() of exactly 1 stays in range' },
  ];
  for (const c of cases) {
    it(`attempt ${c.attempt}, random ${c.random} → ${c.expected}: ${c.why}`, () => {
      assert.equal(backoffDelay(c.attempt, { ...options, random: fixed(c.random) }), c.expected);
    });
  }

  it('is zero when base or max is zero', () => {
    assert.equal(backoffDelay(5000, { baseMs: 0, maxMs: 1000, random: fixed(0.9) }), 0);
    assert.equal(backoffDelay(3, { baseMs: 1000, maxMs: 0, random: fixed(0.9) }), 0);
  });

  it('rejects negative or NaN options', () => {
    assert.throws(() => backoffDelay(1, { baseMs: -1, maxMs: 10 }), RangeError);
    assert.throws(() => backoffDelay(1, { baseMs: 1, maxMs: Number.NaN }), RangeError);
  });

  it('spreads evenly over the whole range with the default random', () => {
    const buckets = [0, 0, 0, 0];
    for (let i = 0; i < 20_000; i++) {
      const delay = backoffDelay(3, options);
      assert.ok(delay >= 0 && delay <= 4000 && Number.isInteger(delay));
      buckets[Math.min(3, Math.floor(delay / 1000))]++;
    }
    for (const count of buckets) assert.ok(count > 4000 && count < 6000, `uneven buckets ${buckets.join(',')}`);
  });

  it('backoffCeiling gives the top of the range', () => {
    assert.deepEqual([1, 2, 3, 7].map((a) => backoffCeiling(a, options)), [1000, 2000, 4000, 60_000]);
  });
});

describe('retryAt', () => {
  const now = 1_700_000_000_000;
  const cases: { attempt: number; random: number; retryAfterMs: number | undefined; expected: number; why: string }[] = [
    { attempt: 1, random: 0.5, retryAfterMs: undefined, expected: now + 500, why: 'no Retry-After: the backoff' },
    { attempt: 1, random: 0.5, retryAfterMs: 2000, expected: now + 2000, why: 'Retry-After above the backoff wins' },
    { attempt: 4, random: 0.999999, retryAfterMs: 2000, expected: now + 8000, why: 'backoff above Retry-After wins' },
    { attempt: 2, random: 0, retryAfterMs: 120_000, expected: now + 120_000, why: 'Retry-After is honoured above maxMs' },
    { attempt: 1, random: 0.5, retryAfterMs: 0, expected: now + 500, why: 'zero Retry-After is no floor' },
    { attempt: 1, random: 0.5, retryAfterMs: -5, expected: now + 500, why: 'negative Retry-After is ignored' },
    { attempt: 1, random: 0.5, retryAfterMs: Number.NaN, expected: now + 500, why: 'NaN Retry-After is ignored' },
    { attempt: 1, random: 0, retryAfterMs: 1.2, expected: now + 2, why: 'fractional Retry-After rounds up' },
  ];
  for (const c of cases) {
    it(c.why, () => {
      assert.equal(retryAt(c.attempt, now, c.retryAfterMs, { ...options, random: fixed(c.random) }), c.expected);
    });
  }
});
