import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalCounters } from '../../src/adapters/local/local-counters.js';
import { capExceeded, type FrequencyCap, type SentRecord } from '../../src/core/notify/preferences/index.js';
import type { CapWindow } from '../../src/ports/counters.js';

/**
 * How notify frequency caps map onto Counters.reserve (not wired yet: the engine still checks the
 * store's sends and then records). A subscriber's sends are kept under two keys: all of them, and
 * those of each category. Every send is recorded under both (windows without a limit, as long as
 * the subscriber's longest cap), and each cap that applies to the send's category becomes a window
 * with a limit, in the caps' order.
 */
function capWindows(caps: readonly FrequencyCap[], subscriber: string, category: string): CapWindow[] {
  const all = `cap:${subscriber}:*`;
  const own = `cap:${subscriber}:c:${category}`;
  const longest = Math.max(...caps.map((c) => c.perMs));
  const windows: CapWindow[] = [{ key: all, windowMs: longest }, { key: own, windowMs: longest }];
  for (const cap of caps) {
    if (cap.category === undefined) windows.push({ key: all, limit: cap.max, windowMs: cap.perMs });
    else if (cap.category === category) windows.push({ key: own, limit: cap.max, windowMs: cap.perMs });
  }
  return windows;
}

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
}

test('reserving a send in the caps\' windows decides as capExceeded over the recorded sends, and names the same cap', async () => {
  const next = random(12);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  for (let run = 0; run < 200; run++) {
    const caps: FrequencyCap[] = Array.from({ length: 1 + Math.floor(next() * 3) }, () => {
      const category = pick(['news', 'billing', undefined]);
      return { ...(category !== undefined ? { category } : {}), max: 1 + Math.floor(next() * 3), perMs: pick([1000, 5000, 20_000]) };
    });
    const counters = new LocalCounters();
    const sent: SentRecord[] = [];
    let now = 1_700_000_000_000;
    for (let i = 0; i < 60; i++) {
      now += Math.floor(next() * 3000);
      const category = pick(['news', 'billing', 'security']);
      const expected = capExceeded(caps, category, sent, now);
      const windows = capWindows(caps, 'sam', category);
      const reservation = await counters.reserve(`n${i}:sam`, windows, now);
      const context = `run ${run}, send ${i}: ${category} at +${now - 1_700_000_000_000} ms under ${JSON.stringify(caps)}`;
      assert.equal(reservation.reserved, expected === undefined, context);
      if (!reservation.reserved) {
        const applicable = caps.filter((c) => c.category === undefined || c.category === category);
        assert.equal(applicable[reservation.window - 2], expected, context);
      } else {
        sent.push({ at: now, category });
      }
    }
  }
});
