import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isTimeZone,
  localParts,
  offsetMinutes,
  zonedToInstant,
  type WallTime,
} from '../../src/core/notify/preferences/index.js';

const at = (iso: string): number => Date.parse(iso);

test('isTimeZone accepts IANA names and refuses the rest', () => {
  const rows: [unknown, boolean][] = [
    ['Europe/Paris', true],
    ['America/New_York', true],
    ['Pacific/Chatham', true],
    ['UTC', true],
    ['Etc/GMT+5', true],
    ['Mars/Olympus_Mons', false],
    ['', false],
    ['+05:30', false],
    [undefined, false],
    [42, false],
  ];
  for (const [name, expected] of rows) assert.equal(isTimeZone(name as string), expected, String(name));
});

test('offsetMinutes: whole, half, three-quarter hours and DST', () => {
  const rows: [string, string, number][] = [
    ['2026-01-15T12:00:00Z', 'America/New_York', -300],
    ['2026-07-15T12:00:00Z', 'America/New_York', -240],
    ['2026-01-15T12:00:00Z', 'Europe/Paris', 60],
    ['2026-07-15T12:00:00Z', 'Europe/Paris', 120],
    ['2026-07-15T12:00:00Z', 'Pacific/Chatham', 765], // +12:45 in the southern winter
    ['2026-01-15T12:00:00Z', 'Pacific/Chatham', 825], // +13:45 in the southern summer
    ['2026-01-15T12:00:00Z', 'Asia/Kolkata', 330],
    ['2026-01-15T12:00:00Z', 'Asia/Kathmandu', 345],
    ['2026-01-15T12:00:00Z', 'UTC', 0],
    // The exact seconds of the transitions, and the millisecond before each.
    ['2026-03-08T06:59:59.999Z', 'America/New_York', -300],
    ['2026-03-08T07:00:00Z', 'America/New_York', -240],
    ['2026-11-01T05:59:59.999Z', 'America/New_York', -240],
    ['2026-11-01T06:00:00Z', 'America/New_York', -300],
    ['2026-03-29T00:59:59.999Z', 'Europe/Paris', 60],
    ['2026-03-29T01:00:00Z', 'Europe/Paris', 120],
    ['2026-10-25T00:59:59.999Z', 'Europe/Paris', 120],
    ['2026-10-25T01:00:00Z', 'Europe/Paris', 60],
    ['2026-09-26T13:59:59.999Z', 'Pacific/Chatham', 765],
    ['2026-09-26T14:00:00Z', 'Pacific/Chatham', 825],
    ['2026-04-04T13:59:59.999Z', 'Pacific/Chatham', 825],
    ['2026-04-04T14:00:00Z', 'Pacific/Chatham', 765],
  ];
  for (const [iso, zone, expected] of rows) assert.equal(offsetMinutes(at(iso), zone), expected, `${iso} ${zone}`);
});

test('localParts reads the wall clock, including the weekday', () => {
  const rows: [string, string, ReturnType<typeof localParts>][] = [
    ['2026-03-08T06:59:59Z', 'America/New_York', { year: 2026, month: 3, day: 8, hour: 1, minute: 59, second: 59, weekday: 0 }],
    ['2026-03-08T07:00:00Z', 'America/New_York', { year: 2026, month: 3, day: 8, hour: 3, minute: 0, second: 0, weekday: 0 }],
    ['2026-11-01T05:30:00Z', 'America/New_York', { year: 2026, month: 11, day: 1, hour: 1, minute: 30, second: 0, weekday: 0 }],
    ['2026-11-01T06:30:00Z', 'America/New_York', { year: 2026, month: 11, day: 1, hour: 1, minute: 30, second: 0, weekday: 0 }],
    ['2026-12-31T11:15:00Z', 'Pacific/Chatham', { year: 2027, month: 1, day: 1, hour: 1, minute: 0, second: 0, weekday: 5 }],
    ['2026-12-31T23:00:00Z', 'Europe/Paris', { year: 2027, month: 1, day: 1, hour: 0, minute: 0, second: 0, weekday: 5 }],
    ['2028-02-29T12:00:00.999Z', 'UTC', { year: 2028, month: 2, day: 29, hour: 12, minute: 0, second: 0, weekday: 2 }],
    ['1969-12-31T23:59:59Z', 'UTC', { year: 1969, month: 12, day: 31, hour: 23, minute: 59, second: 59, weekday: 3 }],
  ];
  for (const [iso, zone, expected] of rows) assert.deepEqual(localParts(at(iso), zone), expected, `${iso} ${zone}`);
});

test('zonedToInstant: ordinary times, spring gaps move forward, autumn overlaps take the earlier', () => {
  const w = (year: number, month: number, day: number, hour: number, minute: number, second?: number): WallTime =>
    second === undefined ? { year, month, day, hour, minute } : { year, month, day, hour, minute, second };
  const rows: [string, WallTime, string, string][] = [
    ['New York summer', w(2026, 7, 4, 12, 0), 'America/New_York', '2026-07-04T16:00:00Z'],
    ['New York winter, seconds', w(2026, 1, 4, 12, 0, 30), 'America/New_York', '2026-01-04T17:00:30Z'],
    ['New York just before the gap', w(2026, 3, 8, 1, 59, 59), 'America/New_York', '2026-03-08T06:59:59Z'],
    ['New York gap 02:00 → 03:00 EDT', w(2026, 3, 8, 2, 0), 'America/New_York', '2026-03-08T07:00:00Z'],
    ['New York gap 02:30 → 03:30 EDT', w(2026, 3, 8, 2, 30), 'America/New_York', '2026-03-08T07:30:00Z'],
    ['New York after the gap 03:00 EDT', w(2026, 3, 8, 3, 0), 'America/New_York', '2026-03-08T07:00:00Z'],
    ['New York overlap 01:00 → EDT', w(2026, 11, 1, 1, 0), 'America/New_York', '2026-11-01T05:00:00Z'],
    ['New York overlap 01:30 → EDT', w(2026, 11, 1, 1, 30), 'America/New_York', '2026-11-01T05:30:00Z'],
    ['New York after the overlap 02:00 EST', w(2026, 11, 1, 2, 0), 'America/New_York', '2026-11-01T07:00:00Z'],
    ['Paris gap 02:30 → 03:30 CEST', w(2026, 3, 29, 2, 30), 'Europe/Paris', '2026-03-29T01:30:00Z'],
    ['Paris overlap 02:30 → CEST', w(2026, 10, 25, 2, 30), 'Europe/Paris', '2026-10-25T00:30:00Z'],
    ['Paris after the overlap 03:00 CET', w(2026, 10, 25, 3, 0), 'Europe/Paris', '2026-10-25T02:00:00Z'],
    ['Chatham standard +12:45', w(2026, 7, 1, 9, 0), 'Pacific/Chatham', '2026-06-30T20:15:00Z'],
    ['Chatham daylight +13:45', w(2026, 12, 1, 9, 0), 'Pacific/Chatham', '2026-11-30T19:15:00Z'],
    ['Chatham gap 03:00 → 04:00 +13:45', w(2026, 9, 27, 3, 0), 'Pacific/Chatham', '2026-09-26T14:15:00Z'],
    ['Chatham overlap 03:00 → +13:45', w(2026, 4, 5, 3, 0), 'Pacific/Chatham', '2026-04-04T13:15:00Z'],
    ['Kathmandu +05:45', w(2026, 5, 1, 0, 0), 'Asia/Kathmandu', '2026-04-30T18:15:00Z'],
    ['Samoa skipped 2011-12-30 entirely', w(2011, 12, 30, 12, 0), 'Pacific/Apia', '2011-12-30T22:00:00Z'],
    ['UTC', w(2026, 2, 28, 23, 59, 59), 'UTC', '2026-02-28T23:59:59Z'],
  ];
  for (const [name, wall, zone, expected] of rows) assert.equal(new Date(zonedToInstant(wall, zone)).toISOString(), new Date(expected).toISOString(), name);
});

test('zonedToInstant refuses unknown zones and impossible calendar times', () => {
  assert.throws(() => zonedToInstant({ year: 2026, month: 1, day: 1, hour: 0, minute: 0 }, 'Nowhere/Land'), RangeError);
  const bad: WallTime[] = [
    { year: 2026, month: 2, day: 29, hour: 0, minute: 0 },
    { year: 2026, month: 13, day: 1, hour: 0, minute: 0 },
    { year: 2026, month: 1, day: 1, hour: 24, minute: 0 },
    { year: 2026, month: 1, day: 1, hour: 0, minute: 60 },
    { year: 2026, month: 1, day: 1, hour: 0, minute: 0, second: 1.5 },
  ];
  for (const wall of bad) assert.throws(() => zonedToInstant(wall, 'UTC'), RangeError, JSON.stringify(wall));
  assert.throws(() => localParts(Number.NaN, 'UTC'), RangeError);
});

test('localParts and zonedToInstant agree with Intl across zones and a century', () => {
  const zones = ['America/New_York', 'Europe/Paris', 'Pacific/Chatham', 'Australia/Lord_Howe', 'America/Santiago', 'Africa/Casablanca',
    'Asia/Tehran', 'America/St_Johns', 'Europe/London', 'Australia/Adelaide', 'Pacific/Apia', 'America/Sao_Paulo'];
  let seed = 12345;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const from = at('1950-01-01T00:00:00Z');
  const span = at('2050-01-01T00:00:00Z') - from;
  for (const zone of zones) {
    const intl = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    for (let i = 0; i < 300; i++) {
      const t = Math.floor((from + random() * span) / 1000) * 1000;
      const want = Object.fromEntries(intl.formatToParts(t).map((p) => [p.type, p.value]));
      const got = localParts(t, zone);
      const label = `${zone} ${new Date(t).toISOString()}`;
      assert.deepEqual(
        [got.year, got.month, got.day, got.hour, got.minute, got.second],
        [want.year, want.month, want.day, want.hour, want.minute, want.second].map(Number),
        label,
      );
      // Back again: the same instant, or an earlier one with the same wall time (an overlap).
      const back = zonedToInstant(got, zone);
      assert.ok(back === t || (back < t && JSON.stringify(localParts(back, zone)) === JSON.stringify(got)), label);
    }
  }
});
