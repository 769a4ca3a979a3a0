import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalCounters } from '../../src/adapters/local/local-counters.js';
import { DeliveryGates, rateKey, rateKeyProblem, windowDecision, type GateSubject } from '../../src/core/push/delivery-gates.js';
import { parseTimeOfDay, windowOpensAt, windowProblem } from '../../src/core/push/send-window.js';
import type { PushLimits } from '../../src/ports/push-sender.js';
import type { PushRecord } from '../../src/ports/push-store.js';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();

describe('send window', () => {
  test('times of day: HH:MM or HH:MM:SS, nothing else', () => {
    const rows: [string, number][] = [
      ['00:00', 0],
      ['09:30', 34_200_000],
      ['23:59:59', 86_399_000],
      ['09:00:30', 32_430_000],
      ['24:00', -1],
      ['9:00', -1],
      ['09:60', -1],
      ['09:00:60', -1],
      ['09:00:00.5', -1],
      ['', -1],
    ];
    for (const [value, ms] of rows) assert.equal(parseTimeOfDay(value), ms, value);
    assert.deepEqual(windowProblem('09:00', '09:00:00')?.field, 'before', 'an empty window is refused');
    assert.equal(windowProblem('9', '10:00')?.field, 'after');
    assert.equal(windowProblem('21:00', '06:00'), undefined, 'a window may cross midnight');
  });

  // [zone, window, now, expected opening, why]
  const rows: [string, string, string, string, string, string][] = [
    ['Europe/Berlin', '09:00', '21:00', '2026-03-10T10:00:00Z', '2026-03-10T10:00:00.000Z', 'inside: now'],
    ['Europe/Berlin', '09:00', '21:00', '2026-03-10T06:00:00Z', '2026-03-10T08:00:00.000Z', 'before it: later today (CET)'],
    ['Europe/Berlin', '09:00', '21:00', '2026-03-10T20:00:00Z', '2026-03-11T08:00:00.000Z', 'at `before`: closed, tomorrow'],
    ['Europe/Berlin', '09:00', '21:00', '2026-03-28T22:00:00Z', '2026-03-29T07:00:00.000Z', '09:00 on the spring-forward day is CEST, not the CET of now'],
    ['Europe/Berlin', '09:00', '21:00', '2026-03-29T20:30:00Z', '2026-03-30T07:00:00.000Z', '09:00 the day after the change'],
    ['Europe/Berlin', '02:30', '05:00', '2026-03-28T23:00:00Z', '2026-03-29T01:00:00.000Z', '02:30 is skipped: the window opens when the clock jumps to 03:00 CEST'],
    ['Europe/Berlin', '02:15', '02:45', '2026-03-28T23:00:00Z', '2026-03-30T00:15:00.000Z', 'a window wholly inside the gap does not happen that day'],
    ['Europe/Berlin', '09:00', '21:00', '2026-10-24T22:00:00Z', '2026-10-25T08:00:00.000Z', '09:00 on the fall-back day is CET'],
    ['Europe/Berlin', '09:00', '21:00', '2026-10-25T20:30:00Z', '2026-10-26T08:00:00.000Z', '09:00 the day after the fall-back'],
    ['Europe/Berlin', '02:30', '02:45', '2026-10-24T23:00:00Z', '2026-10-25T00:30:00.000Z', 'a time that happens twice: its first pass'],
    ['Europe/Berlin', '02:30', '02:45', '2026-10-25T00:50:00Z', '2026-10-25T01:30:00.000Z', '... and its second, after the first closed'],
    ['Europe/Berlin', '01:00', '02:30', '2026-10-25T00:40:00Z', '2026-10-25T01:00:00.000Z', 'set back into the window at the change (02:40 CEST → 02:00 CET)'],
    ['Europe/Berlin', '22:00', '06:00', '2026-03-10T12:00:00Z', '2026-03-10T21:00:00.000Z', 'across midnight: opens in the evening'],
    ['Europe/Berlin', '22:00', '06:00', '2026-03-10T03:00:00Z', '2026-03-10T03:00:00.000Z', 'across midnight: inside in the small hours'],
    ['Europe/Berlin', '09:00:30', '09:00:45', '2026-03-10T08:00:40Z', '2026-03-10T08:00:40.000Z', 'seconds count'],
    ['Europe/Berlin', '09:00:30', '09:00:45', '2026-03-10T08:00:45Z', '2026-03-11T08:00:30.000Z', 'seconds count: closed at 09:00:45'],
    ['America/New_York', '02:30', '04:00', '2026-03-08T05:00:00Z', '2026-03-08T07:00:00.000Z', 'US spring-forward: opens at 03:00 EDT'],
    ['America/New_York', '09:00', '21:00', '2026-03-08T04:00:00Z', '2026-03-08T13:00:00.000Z', '09:00 EDT on the US spring-forward day'],
    ['America/New_York', '09:00', '21:00', '2026-11-01T03:00:00Z', '2026-11-01T14:00:00.000Z', '09:00 EST on the US fall-back day'],
    ['America/New_York', '09:00', '21:00', '2026-11-02T03:00:00Z', '2026-11-02T14:00:00.000Z', '09:00 the day after the US fall-back'],
    ['Asia/Kolkata', '09:00', '21:00', '2026-03-10T16:00:00Z', '2026-03-11T03:30:00.000Z', 'a half-hour offset'],
    ['UTC', '00:00', '00:01', '2026-03-10T00:01:00Z', '2026-03-11T00:00:00.000Z', 'midnight start, tomorrow'],
  ];
  for (const [zone, after, before, now, expected, why] of rows) {
    test(`${zone} ${after}-${before} at ${now}: ${why}`, () => {
      assert.equal(iso(windowOpensAt({ after, before }, at(now), zone)), expected);
    });
  }

  test('the opening is inside the window and nothing before it is (a sweep over the Berlin changes)', () => {
    const zone = 'Europe/Berlin';
    const windows = [['02:30', '05:00'], ['01:00', '02:30'], ['22:00', '02:15'], ['09:00', '21:00'], ['02:10', '02:20']] as const;
    for (const [after, before] of windows) {
      for (const start of ['2026-03-28T12:00:00Z', '2026-10-24T12:00:00Z']) {
        for (let now = at(start); now < at(start) + 2 * 86_400_000; now += 37 * 60_000) {
          const opens = windowOpensAt({ after, before }, now, zone);
          assert.ok(opens >= now);
          assert.equal(windowOpensAt({ after, before }, opens, zone), opens, `${after}-${before} from ${iso(now)}: ${iso(opens)} is inside`);
          // Steps between now and the opening are all outside.
          for (let t = now + 600_000; t < opens; t += 600_000) assert.ok(windowOpensAt({ after, before }, t, zone) > t, `${iso(t)} is outside`);
        }
      }
    }
  });

  test('no zone: sent at once or dropped, as the window says; an unknown zone counts as none', () => {
    const window = { after: '09:00', before: '21:00' };
    assert.deepEqual(windowDecision({ ...window, noZoneSendNow: false }, null, 0), { kind: 'drop', reason: 'device has no time zone' });
    assert.deepEqual(windowDecision({ ...window, noZoneSendNow: true }, null, 0), { kind: 'send' });
    assert.deepEqual(windowDecision({ ...window, noZoneSendNow: false }, 'Mars/Olympus_Mons', 0), { kind: 'drop', reason: 'device has no time zone' });
    const held = windowDecision({ ...window, noZoneSendNow: false }, 'Europe/Berlin', at('2026-03-10T06:00:00Z'));
    assert.equal(held.kind, 'hold');
    assert.equal(held.kind === 'hold' && iso(held.until), '2026-03-10T08:00:00.000Z');
  });
});

describe('rate keys', () => {
  const device: GateSubject = { target: 'dev_AAAAAAAAAAAAAAAA', deviceId: 'dev_AAAAAAAAAAAAAAAA', timezone: null, user: 'alice' };
  const token: GateSubject = { target: 'tok_xyz', deviceId: null, timezone: null, user: null };
  test('templates over device.id and device.user', () => {
    assert.equal(rateKey(undefined, device), 'device:dev_AAAAAAAAAAAAAAAA');
    assert.equal(rateKey('{{.device.user}}', device), 'key:alice');
    assert.equal(rateKey('promo:{{ .device.user }}:{{.device.id}}', device), 'key:promo:alice:dev_AAAAAAAAAAAAAAAA');
    assert.equal(rateKey(undefined, token), 'device:tok_xyz', 'a raw token is keyed by its target');
    assert.notEqual(rateKey('{{.device.user}}', token), rateKey('{{.device.user}}', { ...token, target: 'tok_other' }), 'no user: each on its own');
  });
  test('only those variables', () => {
    assert.equal(rateKeyProblem('{{.device.user}}'), undefined);
    assert.equal(rateKeyProblem('fixed'), undefined);
    assert.match(rateKeyProblem('{{.device.meta.x}}') ?? '', /only use/);
    assert.match(rateKeyProblem('{{.device.id}') ?? '', /only use/);
    assert.match(rateKeyProblem('') ?? '', /characters/);
  });
});

describe('gate decisions', () => {
  const push = { seq: 7, createdAt: 1 } as PushRecord;
  const subject = (n: number, user: string | null = null, timezone: string | null = null): GateSubject => ({ target: `dev_${n}`, deviceId: `dev_${n}`, timezone, user });
  const gates = () => new DeliveryGates({ store: {} as never, devices: {} as never, queue: {} as never, events: { recorded() {} }, limiter: new LocalCounters() });
  const rate = (drop: boolean): PushLimits => ({ rate: { policies: [{ rate: 1, intervalMs: 60_000 }, { rate: 2, intervalMs: 3_600_000 }], drop } });
  const t0 = at('2026-03-10T10:00:00Z');

  test('several policies at once: held until the fullest window has room', async () => {
    const g = gates();
    const p = (seq: number) => ({ ...push, seq });
    assert.deepEqual(await g.decide(p(1), rate(false), [subject(1)], t0), [{ kind: 'send' }]);
    assert.deepEqual(await g.decide(p(1), rate(false), [subject(1)], t0 + 5000), [{ kind: 'send' }], 'the same push again (a retry) keeps its slot');
    assert.deepEqual(await g.decide(p(2), rate(false), [subject(1)], t0 + 1000), [{ kind: 'hold', until: t0 + 60_000, reason: 'rate limited' }], 'one a minute');
    assert.deepEqual(await g.decide(p(2), rate(false), [subject(2)], t0 + 1000), [{ kind: 'send' }], 'another device has its own limit');
    assert.deepEqual(await g.decide(p(2), rate(false), [subject(1)], t0 + 60_000), [{ kind: 'send' }]);
    assert.deepEqual(await g.decide(p(3), rate(false), [subject(1)], t0 + 130_000), [{ kind: 'hold', until: t0 + 3_600_000, reason: 'rate limited' }], 'two an hour');
    assert.deepEqual(await g.decide(p(3), rate(true), [subject(1)], t0 + 130_000), [{ kind: 'drop', reason: 'rate limited' }], 'or dropped');
  });

  test('a per-user key counts a push once for all the user\'s devices', async () => {
    const g = gates();
    const limits: PushLimits = { rate: { key: '{{.device.user}}', policies: [{ rate: 1, intervalMs: 60_000 }], drop: true } };
    assert.deepEqual(await g.decide({ ...push, seq: 1 }, limits, [subject(1, 'bob'), subject(2, 'bob'), subject(3, 'eve')], t0), [{ kind: 'send' }, { kind: 'send' }, { kind: 'send' }]);
    assert.deepEqual(await g.decide({ ...push, seq: 2 }, limits, [subject(1, 'bob'), subject(3, 'eve'), subject(4, null)], t0 + 1000),
      [{ kind: 'drop', reason: 'rate limited' }, { kind: 'drop', reason: 'rate limited' }, { kind: 'send' }]);
  });

  test('the window comes first: a delivery held for it spends no rate', async () => {
    const g = gates();
    const limits: PushLimits = { window: { after: '12:00', before: '13:00', noZoneSendNow: false }, ...rate(false) };
    const [held] = await g.decide({ ...push, seq: 1 }, limits, [subject(1, null, 'UTC')], t0);
    assert.deepEqual(held, { kind: 'hold', until: at('2026-03-10T12:00:00Z'), reason: 'outside the send window 12:00-13:00 (UTC)' });
    assert.deepEqual(await g.decide({ ...push, seq: 2 }, rate(false), [subject(1)], t0), [{ kind: 'send' }], 'the slot was still free');
    assert.deepEqual(await g.decide({ ...push, seq: 3 }, limits, [subject(2, null, null)], t0), [{ kind: 'drop', reason: 'device has no time zone' }]);
  });
});
