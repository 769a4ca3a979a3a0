import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalCounters } from '../../src/adapters/local/local-counters.js';
import { capReservationId, CapReservations, capWindows, type CapSend } from '../../src/core/notify/cap-reservations.js';
import { capExceeded, type FrequencyCap, type SentRecord } from '../../src/core/notify/preferences/index.js';
import type { Counters } from '../../src/ports/counters.js';
import { silentLogger } from '../../src/ports/logger.js';

const HOUR = 3_600_000;
const T0 = 1_700_000_000_000;

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
}

test('capWindows: both keys record every send for the longest cap; each cap of the category limits its key, in order', () => {
  const caps: FrequencyCap[] = [{ max: 10, perMs: 24 * HOUR }, { category: 'news', max: 2, perMs: HOUR }, { category: 'billing', max: 1, perMs: HOUR }];
  assert.deepEqual(capWindows(caps, 'sam', 'news', false), {
    windows: [
      { key: 'cap:sam:*', windowMs: 24 * HOUR },
      { key: 'cap:sam:c:news', windowMs: 24 * HOUR },
      { key: 'cap:sam:*', windowMs: 24 * HOUR, limit: 10 },
      { key: 'cap:sam:c:news', windowMs: HOUR, limit: 2 },
    ],
    caps: [undefined, undefined, caps[0], caps[1]],
    keys: ['cap:sam:*', 'cap:sam:c:news'],
  });
  // A critical category's send is recorded, limited by nothing.
  assert.deepEqual(capWindows(caps, 'sam', 'news', true).windows, [{ key: 'cap:sam:*', windowMs: 24 * HOUR }, { key: 'cap:sam:c:news', windowMs: 24 * HOUR }]);
  assert.equal(capReservationId('ntf_abc', 'sam'), 'ntf_abc:sam');
});

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
    let now = T0;
    for (let i = 0; i < 60; i++) {
      now += Math.floor(next() * 3000);
      const category = pick(['news', 'billing', 'security']);
      const expected = capExceeded(caps, category, sent, now);
      const plan = capWindows(caps, 'sam', category, false);
      const reservation = await counters.reserve(`n${i}:sam`, plan.windows, now);
      const context = `run ${run}, send ${i}: ${category} at +${now - T0} ms under ${JSON.stringify(caps)}`;
      assert.equal(reservation.reserved, expected === undefined, context);
      if (!reservation.reserved) assert.equal(plan.caps[reservation.window], expected, context);
      else sent.push({ at: now, category });
    }
  }
});

/** The store's cap-send log as the gate reads it. */
function sendLog(sends: SentRecord[] = []) {
  return { sends, sendsSince: async (_subscriber: string, since: number) => sends.filter((s) => s.at >= since) };
}

/** Counters that cannot be reached. */
const unreachable: Counters = {
  take: () => Promise.reject(new Error('unreachable')),
  addDaily: () => Promise.reject(new Error('unreachable')),
  reserve: () => Promise.reject(new Error('counters unreachable')),
  release: () => Promise.reject(new Error('counters unreachable')),
  healthy: () => false,
  close: async () => {},
};

const send = (over: Partial<CapSend>): CapSend => ({ caps: [{ max: 2, perMs: HOUR }], subscriberId: 'sam', category: 'news', critical: false, id: 'n1:sam', now: T0, ...over });

test('CapReservations: concurrent admits for one subscriber take exactly the cap, whatever the order', async () => {
  const gate = new CapReservations({ store: sendLog(), counters: new LocalCounters(), logger: silentLogger });
  const verdicts = await Promise.all(Array.from({ length: 10 }, (_, i) => gate.admit(send({ id: `n${i}:sam` }))));
  assert.equal(verdicts.filter((v) => v.kind === 'within').length, 2);
  for (const v of verdicts) if (v.kind === 'capped') assert.deepEqual(v.cap, { max: 2, perMs: HOUR });
});

test('CapReservations: the recorded sends count too (a restart emptied in-process counters), and then no slot is taken', async () => {
  const counters = new LocalCounters();
  const gate = new CapReservations({ store: sendLog([{ at: T0 - 1000, category: 'news' }, { at: T0 - 500, category: 'other' }]), counters, logger: silentLogger });
  assert.deepEqual(await gate.admit(send({ id: 'n1:sam' })), { kind: 'capped', cap: { max: 2, perMs: HOUR } });
  // Nothing was reserved by the refused send: an empty log on the same counters has both slots.
  const fresh = new CapReservations({ store: sendLog(), counters, logger: silentLogger });
  assert.equal((await fresh.admit(send({ id: 'n2:sam' }))).kind, 'within');
  assert.equal((await fresh.admit(send({ id: 'n3:sam' }))).kind, 'within');
});

test('CapReservations: a repeated admit (a page planned again) holds the same slot; a release gives it back', async () => {
  const gate = new CapReservations({ store: sendLog(), counters: new LocalCounters(), logger: silentLogger });
  const first = await gate.admit(send({ id: 'n1:sam' }));
  assert.deepEqual(first, { kind: 'within', held: { id: 'n1:sam', keys: ['cap:sam:*', 'cap:sam:c:news'] } });
  assert.equal((await gate.admit(send({ id: 'n1:sam' }))).kind, 'within');
  assert.equal((await gate.admit(send({ id: 'n2:sam' }))).kind, 'within');
  assert.equal((await gate.admit(send({ id: 'n3:sam' }))).kind, 'capped');
  if (first.kind === 'within' && first.held) await gate.release(first.held);
  assert.equal((await gate.admit(send({ id: 'n3:sam' }))).kind, 'within', 'the released slot is free again');
});

test('CapReservations: a critical send passes a full cap and still counts against the next ordinary one', async () => {
  const gate = new CapReservations({ store: sendLog(), counters: new LocalCounters(), logger: silentLogger });
  const caps = [{ max: 1, perMs: HOUR }];
  assert.equal((await gate.admit(send({ caps, id: 'c1:sam', critical: true }))).kind, 'within');
  assert.equal((await gate.admit(send({ caps, id: 'c2:sam', critical: true }))).kind, 'within');
  assert.equal((await gate.admit(send({ caps, id: 'n1:sam' }))).kind, 'capped');
  assert.equal((await gate.admit(send({ caps, id: 'n2:sam', now: T0 + HOUR }))).kind, 'within', 'an hour later the window is clear');
});

test('CapReservations: unreachable counters hold back an ordinary send (its job retries) but not a critical one', async () => {
  const gate = new CapReservations({ store: sendLog(), counters: unreachable, logger: silentLogger });
  await assert.rejects(gate.admit(send({})), /counters unreachable/);
  assert.deepEqual(await gate.admit(send({ critical: true })), { kind: 'within' });
  // Without caps the counters are never asked.
  assert.deepEqual(await gate.admit(send({ caps: [] })), { kind: 'within' });
});
