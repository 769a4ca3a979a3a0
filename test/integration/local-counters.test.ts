import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LocalCounters } from '../../src/adapters/local/local-counters.js';
import { describeCountersConformance } from '../helpers/counters-conformance.js';

describeCountersConformance('in-process', async () => {
  const counters = new LocalCounters();
  return { counters, peer: counters, close: () => counters.close() };
});

describe('in-process counters', () => {
  const rule = { burst: 2, refillMs: 1000 };
  const start = 1_700_000_000_000;

  it('keeps nothing for keys back at their start: full buckets, past days, empty windows', async () => {
    const counters = new LocalCounters();
    await counters.take('a', rule, start);
    await counters.addDaily('b', 5, start);
    await counters.reserve('r', [{ key: 'c', limit: 1, windowMs: 1000 }], start);
    assert.equal(counters.size, 3);
    // A bucket refilled by its next take is dropped at once; a released window too.
    await counters.take('a', rule, start + 1000, 0);
    await counters.release('r', ['c']);
    assert.equal(counters.size, 1);
    await counters.take('never', rule, start, 0);
    await counters.take('too-many', rule, start, 3);
    assert.equal(counters.size, 1, 'reads and refused takes of unknown keys keep nothing');
  });

  it('forgets idle keys in sweeps as the number of keys grows, so memory follows the active keys', async () => {
    const counters = new LocalCounters();
    for (let i = 0; i < 9_998; i++) await counters.take(`idle-${i}`, rule, start);
    await counters.addDaily('yesterday', 5, start);
    await counters.reserve('r', [{ key: 'window', limit: 1, windowMs: 1000 }], start);
    // The 10,000th key swept, finding nothing to drop; the next sweep comes at twice as many keys.
    assert.equal(counters.size, 10_000);
    // A day later every one of them is back to "never seen" and goes in that sweep.
    for (let i = 0; i < 9_999; i++) await counters.take(`active-${i}`, rule, start + 86_400_000);
    assert.equal(counters.size, 19_999);
    await counters.take('active-last', rule, start + 86_400_000);
    assert.equal(counters.size, 10_000);
  });

  it('answers with settled promises and rejects after close', async () => {
    const counters = new LocalCounters();
    assert.equal((await counters.take('k', rule, start)).taken, true);
    await counters.close();
    await counters.close();
    await assert.rejects(counters.take('k', rule, start), /closed/);
  });
});
