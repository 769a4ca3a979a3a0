import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeraldError } from '../../src/errors/index.js';
import {
  DEFAULT_PREFERENCES,
  capExceeded,
  decide,
  parsePreferences,
  preferencesToJson,
  quietWindowEnd,
  resolveSendAt,
  type Channel,
  type Decision,
  type FrequencyCap,
  type Preferences,
  type SentRecord,
} from '../../src/core/notify/preferences/index.js';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function isBadRequest(field: string) {
  return (err: unknown): boolean => err instanceof HeraldError && err.errorName === 'badRequest' && err.message.includes(field);
}

// ---------------------------------------------------------------- decide()

const NOON_UTC = at('2026-06-10T12:00:00Z');
const NIGHT_UTC = at('2026-06-10T23:30:00Z');
const QUIET = { start: '22:00', end: '07:00' };
const sends = (n: number, category: string): SentRecord[] => Array.from({ length: n }, (_, i) => ({ at: NOON_UTC - (i + 1) * 60_000, category }));
const prefs = (p: Partial<Preferences>): Preferences => ({ ...DEFAULT_PREFERENCES, ...p });

interface DecideRow {
  name: string;
  prefs: Partial<Preferences>;
  category?: string;
  critical?: boolean;
  channel?: Channel;
  now?: number;
  timezone?: string;
  recent?: SentRecord[];
  expected: Decision;
}

const suppress = (reason: string, detail?: string): Decision =>
  (detail === undefined ? { action: 'suppress', reason } : { action: 'suppress', reason, detail }) as Decision;
const defer = (until: string): Decision => ({ action: 'defer', until: at(until), reason: 'quiet_hours' });
const SEND: Decision = { action: 'send' };

const decideRows: DecideRow[] = [
  { name: 'defaults send', prefs: {}, expected: SEND },
  { name: 'missing keys mean allowed', prefs: { channels: { sms: false }, categories: { other: { enabled: false } } }, expected: SEND },
  { name: 'explicit true is allowed', prefs: { channels: { push: true }, categories: { orders: { enabled: true, channels: { push: true } } } }, expected: SEND },
  { name: 'global disabled', prefs: { enabled: false }, expected: suppress('disabled') },
  { name: 'channel disabled', prefs: { channels: { push: false } }, expected: suppress('channel_disabled') },
  { name: 'category disabled', prefs: { categories: { orders: { enabled: false } } }, expected: suppress('category_disabled') },
  { name: 'category x channel disabled', prefs: { categories: { orders: { channels: { push: false } } } }, expected: suppress('category_channel_disabled') },
  { name: 'category x other channel disabled only', prefs: { categories: { orders: { channels: { email: false } } } }, expected: SEND },
  { name: 'quiet hours defer', prefs: { quietHours: QUIET }, now: NIGHT_UTC, expected: defer('2026-06-11T07:00:00Z') },
  { name: 'outside quiet hours send', prefs: { quietHours: QUIET }, expected: SEND },
  { name: 'quiet hours in the subscriber zone', prefs: { quietHours: QUIET }, now: NOON_UTC, timezone: 'Asia/Tokyo', expected: SEND },
  { name: 'quiet hours in the subscriber zone (night there)', prefs: { quietHours: QUIET }, now: at('2026-06-10T14:00:00Z'), timezone: 'Asia/Tokyo', expected: defer('2026-06-10T22:00:00Z') },
  { name: 'unknown zone reads quiet hours in UTC', prefs: { quietHours: QUIET }, now: NIGHT_UTC, timezone: 'Nowhere/Land', expected: defer('2026-06-11T07:00:00Z') },
  { name: 'category cap suppresses', prefs: { frequencyCaps: [{ category: 'orders', max: 3, perMs: DAY }] }, recent: sends(3, 'orders'), expected: suppress('frequency_cap', 'orders: 3 per 1d') },
  { name: 'under the cap sends', prefs: { frequencyCaps: [{ category: 'orders', max: 3, perMs: DAY }] }, recent: sends(2, 'orders'), expected: SEND },
  { name: 'global cap suppresses', prefs: { frequencyCaps: [{ max: 2, perMs: HOUR }] }, recent: sends(2, 'other'), expected: suppress('frequency_cap', 'all categories: 2 per 1h') },
  // Order between the rules.
  { name: 'order: global before channel', prefs: { enabled: false, channels: { push: false } }, expected: suppress('disabled') },
  { name: 'order: channel before category', prefs: { channels: { push: false }, categories: { orders: { enabled: false } } }, expected: suppress('channel_disabled') },
  { name: 'order: channel off wins over category x channel on', prefs: { channels: { push: false }, categories: { orders: { channels: { push: true } } } }, expected: suppress('channel_disabled') },
  { name: 'order: category before category x channel', prefs: { categories: { orders: { enabled: false, channels: { push: false } } } }, expected: suppress('category_disabled') },
  { name: 'order: category x channel before quiet hours', prefs: { quietHours: QUIET, categories: { orders: { channels: { push: false } } } }, now: NIGHT_UTC, expected: suppress('category_channel_disabled') },
  { name: 'order: quiet hours before caps (defer, not drop)', prefs: { quietHours: QUIET, frequencyCaps: [{ max: 1, perMs: DAY }] }, now: NIGHT_UTC, recent: [{ at: NIGHT_UTC - 1000, category: 'orders' }], expected: defer('2026-06-11T07:00:00Z') },
  { name: 'order: opt-out before caps', prefs: { enabled: false, frequencyCaps: [{ max: 1, perMs: DAY }] }, recent: sends(5, 'orders'), expected: suppress('disabled') },
  { name: 'order: first violated cap is named', prefs: { frequencyCaps: [{ max: 100, perMs: DAY }, { category: 'orders', max: 1, perMs: HOUR }, { max: 1, perMs: HOUR }] }, recent: sends(1, 'orders'), expected: suppress('frequency_cap', 'orders: 1 per 1h') },
  // Critical categories.
  { name: 'critical bypasses quiet hours', prefs: { quietHours: QUIET }, critical: true, now: NIGHT_UTC, expected: SEND },
  { name: 'critical bypasses caps', prefs: { frequencyCaps: [{ max: 1, perMs: DAY }] }, critical: true, recent: sends(9, 'orders'), expected: SEND },
  { name: 'critical still honours global disabled', prefs: { enabled: false }, critical: true, expected: suppress('disabled') },
  { name: 'critical still honours channel opt-out', prefs: { channels: { push: false } }, critical: true, expected: suppress('channel_disabled') },
  { name: 'critical still honours category opt-out', prefs: { categories: { orders: { enabled: false } } }, critical: true, expected: suppress('category_disabled') },
  { name: 'critical still honours category x channel opt-out', prefs: { categories: { orders: { channels: { push: false } } } }, critical: true, expected: suppress('category_channel_disabled') },
  { name: 'prototype names are not categories', prefs: {}, category: 'constructor', expected: SEND },
];

test('decide: every rule and the order between them', () => {
  for (const row of decideRows) {
    const decision = decide({
      prefs: prefs(row.prefs),
      category: { name: row.category ?? 'orders', critical: row.critical ?? false },
      channel: row.channel ?? 'push',
      nowMs: row.now ?? NOON_UTC,
      ...(row.timezone !== undefined ? { timezone: row.timezone } : {}),
      recentSends: row.recent ?? [],
    });
    assert.deepEqual(decision, row.expected, row.name);
  }
});

// ---------------------------------------------------------------- quiet hours

test('quietWindowEnd: a window across midnight, 22:00-07:00', () => {
  const rows: [string, string | undefined][] = [
    ['2026-06-10T21:59:59Z', undefined],
    ['2026-06-10T22:00:00Z', '2026-06-11T07:00:00.000Z'],
    ['2026-06-10T23:30:00Z', '2026-06-11T07:00:00.000Z'],
    ['2026-06-11T00:00:00Z', '2026-06-11T07:00:00.000Z'],
    ['2026-06-11T06:59:00Z', '2026-06-11T07:00:00.000Z'],
    ['2026-06-11T06:59:59.999Z', '2026-06-11T07:00:00.000Z'],
    ['2026-06-11T07:00:00Z', undefined],
    ['2026-06-11T12:00:00Z', undefined],
  ];
  for (const [now, expected] of rows) assert.equal(iso(quietWindowEnd(QUIET, at(now), 'UTC')), expected, now);
});

test('quietWindowEnd: same-day windows, empty windows, bad times', () => {
  const lunch = { start: '12:00', end: '13:30' };
  assert.equal(iso(quietWindowEnd(lunch, at('2026-06-10T12:45:00Z'), 'UTC')), '2026-06-10T13:30:00.000Z');
  assert.equal(quietWindowEnd(lunch, at('2026-06-10T11:59:59Z'), 'UTC'), undefined);
  assert.equal(quietWindowEnd(lunch, at('2026-06-10T13:30:00Z'), 'UTC'), undefined);
  assert.equal(quietWindowEnd({ start: '08:00', end: '08:00' }, at('2026-06-10T08:00:00Z'), 'UTC'), undefined);
  assert.throws(() => quietWindowEnd({ start: '25:00', end: '07:00' }, NOON_UTC, 'UTC'), RangeError);
});

test('quietWindowEnd: windows ending on or after DST transitions get the right instant', () => {
  const rows: [string, { start: string; end: string }, string, string, string | undefined][] = [
    // 22:00-07:00 over the transition night: 07:00 is in the new offset.
    ['New York spring', QUIET, 'America/New_York', '2026-03-08T04:30:00Z', '2026-03-08T11:00:00.000Z'], // 23:30 EST → 07:00 EDT
    ['New York spring, after the jump', QUIET, 'America/New_York', '2026-03-08T07:30:00Z', '2026-03-08T11:00:00.000Z'], // 03:30 EDT
    ['New York autumn', QUIET, 'America/New_York', '2026-11-01T03:30:00Z', '2026-11-01T12:00:00.000Z'], // 23:30 EDT → 07:00 EST
    ['New York autumn, in the repeated hour', QUIET, 'America/New_York', '2026-11-01T06:30:00Z', '2026-11-01T12:00:00.000Z'], // 01:30 EST
    ['Paris spring', QUIET, 'Europe/Paris', '2026-03-28T22:30:00Z', '2026-03-29T05:00:00.000Z'], // 23:30 CET → 07:00 CEST
    ['Paris autumn', QUIET, 'Europe/Paris', '2026-10-24T21:30:00Z', '2026-10-25T06:00:00.000Z'], // 23:30 CEST → 07:00 CET
    ['Paris, day after the spring change', QUIET, 'Europe/Paris', '2026-03-29T21:30:00Z', '2026-03-30T05:00:00.000Z'],
    // An end in the spring gap moves forward by the gap.
    ['New York end in the gap', { start: '01:00', end: '02:30' }, 'America/New_York', '2026-03-08T06:30:00Z', '2026-03-08T07:30:00.000Z'],
    ['Paris end in the gap', { start: '23:00', end: '02:30' }, 'Europe/Paris', '2026-03-29T00:30:00Z', '2026-03-29T01:30:00.000Z'],
    // An end in the autumn overlap: its first occurrence, or the second from inside the repeated hour.
    ['New York end in the overlap, first pass', { start: '00:30', end: '01:30' }, 'America/New_York', '2026-11-01T05:10:00Z', '2026-11-01T05:30:00.000Z'],
    ['New York end in the overlap, second pass', { start: '00:30', end: '01:30' }, 'America/New_York', '2026-11-01T06:10:00Z', '2026-11-01T06:30:00.000Z'],
    ['Paris end in the overlap', { start: '23:00', end: '02:30' }, 'Europe/Paris', '2026-10-24T22:00:00Z', '2026-10-25T00:30:00.000Z'],
    // Chatham, +12:45 / +13:45, and its own DST (last Sunday of September, first of April).
    ['Chatham ordinary night', QUIET, 'Pacific/Chatham', '2026-07-01T10:00:00Z', '2026-07-01T18:15:00.000Z'], // 22:45 → 07:00 +12:45
    ['Chatham outside', QUIET, 'Pacific/Chatham', '2026-07-01T00:00:00Z', undefined], // 12:45 local
    ['Chatham spring', QUIET, 'Pacific/Chatham', '2026-09-26T10:15:00Z', '2026-09-26T17:15:00.000Z'], // 23:00 +12:45 → 07:00 +13:45
    ['Chatham autumn', QUIET, 'Pacific/Chatham', '2026-04-04T09:15:00Z', '2026-04-04T18:15:00.000Z'], // 23:00 +13:45 → 07:00 +12:45
    ['Chatham end in the gap', { start: '01:00', end: '03:00' }, 'Pacific/Chatham', '2026-09-26T13:30:00Z', '2026-09-26T14:15:00.000Z'], // 02:15 → 03:00 absent → 04:00 +13:45
  ];
  for (const [name, window, zone, now, expected] of rows) assert.equal(iso(quietWindowEnd(window, at(now), zone)), expected, name);
});

// ---------------------------------------------------------------- frequency caps

test('capExceeded: sliding windows, per category and global', () => {
  const now = NOON_UTC;
  const perHour = (max: number, category?: string): FrequencyCap => (category === undefined ? { max, perMs: HOUR } : { category, max, perMs: HOUR });
  const rows: [string, FrequencyCap[], string, SentRecord[], number | undefined][] = [
    ['no caps', [], 'news', sends(50, 'news'), undefined],
    ['no sends', [perHour(1)], 'news', [], undefined],
    ['a send exactly one window ago has left it', [perHour(1)], 'news', [{ at: now - HOUR, category: 'news' }], undefined],
    ['a send one ms inside the window counts', [perHour(1)], 'news', [{ at: now - HOUR + 1, category: 'news' }], 0],
    ['max 2 with one inside and one on the edge', [perHour(2)], 'news', [{ at: now - HOUR, category: 'news' }, { at: now - 1, category: 'news' }], undefined],
    ['max 2 with two inside', [perHour(2)], 'news', [{ at: now - HOUR + 1, category: 'news' }, { at: now - 1, category: 'news' }], 0],
    ['a category cap ignores other categories', [perHour(1, 'marketing')], 'marketing', sends(5, 'orders'), undefined],
    ['a category cap does not apply to other categories', [perHour(1, 'marketing')], 'orders', sends(5, 'marketing'), undefined],
    ['a category cap counts its own', [perHour(2, 'marketing')], 'marketing', [...sends(1, 'orders'), ...sends(2, 'marketing')], 0],
    ['a global cap counts every category', [perHour(3)], 'orders', [...sends(2, 'marketing'), ...sends(1, 'news')], 0],
    ['the first violated cap is returned', [perHour(10), perHour(1, 'news'), perHour(1)], 'news', sends(1, 'news'), 1],
    ['old sends fall out of a short window', [{ max: 1, perMs: 60_000 }], 'news', [{ at: now - 2 * 60_000, category: 'news' }], undefined],
  ];
  for (const [name, caps, category, sent, expected] of rows) {
    const hit = capExceeded(caps, category, sent, now);
    assert.equal(hit, expected === undefined ? undefined : caps[expected], name);
  }
});

// ---------------------------------------------------------------- send_at

test('resolveSendAt: no offset is the subscriber local time', () => {
  const rows: [string, string | undefined, string][] = [
    ['2026-12-01T09:00', 'America/New_York', '2026-12-01T14:00:00.000Z'],
    ['2026-12-01T09:00', 'Europe/Paris', '2026-12-01T08:00:00.000Z'],
    ['2026-12-01T09:00', 'Pacific/Chatham', '2026-11-30T19:15:00.000Z'],
    ['2026-12-01T09:00', 'Asia/Kolkata', '2026-12-01T03:30:00.000Z'],
    ['2026-07-01T09:00:30', 'America/New_York', '2026-07-01T13:00:30.000Z'],
    ['2026-12-01T09:00', undefined, '2026-12-01T09:00:00.000Z'],
    ['2026-12-01T09:00', 'Nowhere/Land', '2026-12-01T09:00:00.000Z'],
    ['2026-12-01 09:00', 'Europe/Paris', '2026-12-01T08:00:00.000Z'],
    ['2026-03-08T02:30', 'America/New_York', '2026-03-08T07:30:00.000Z'], // in the gap: 03:30 EDT
    ['2026-11-01T01:30', 'America/New_York', '2026-11-01T05:30:00.000Z'], // in the overlap: the earlier
  ];
  for (const [value, zone, expected] of rows) assert.equal(iso(resolveSendAt(value, zone, NOON_UTC)), expected, `${value} ${zone}`);
});

test('resolveSendAt: an offset or Z is that instant, whatever the zone', () => {
  const rows: [string, string][] = [
    ['2026-12-01T09:00:00Z', '2026-12-01T09:00:00.000Z'],
    ['2026-12-01T09:00Z', '2026-12-01T09:00:00.000Z'],
    ['2026-12-01T09:00:00.250Z', '2026-12-01T09:00:00.250Z'],
    ['2026-12-01T09:00:00+05:30', '2026-12-01T03:30:00.000Z'],
    ['2026-12-01T09:00:00-0800', '2026-12-01T17:00:00.000Z'],
    ['2026-12-01T09:00+02', '2026-12-01T07:00:00.000Z'],
    ['2026-12-01T09:00:00+12:45', '2026-11-30T20:15:00.000Z'],
  ];
  for (const [value, expected] of rows) assert.equal(iso(resolveSendAt(value, 'America/New_York', NOON_UTC)), expected, value);
});

test('resolveSendAt: invalid input is a bad request', () => {
  const bad: unknown[] = ['', 'tomorrow', '2026-12-01', '2026-13-01T09:00', '2026-02-29T09:00', '2026-12-01T24:00', '2026-12-01T09:60',
    '2026-12-01T9:00', '2026-12-01T09:00:00+24:00', '2026-12-01T09:00:00+05:60', '2026-12-01T09:00:00 Z', `2026-12-01T09:00:00.${'1'.repeat(40)}Z`, 42, null];
  for (const value of bad) assert.throws(() => resolveSendAt(value as string, 'UTC', NOON_UTC), isBadRequest('send_at'), String(value));
});

// ---------------------------------------------------------------- wire shape

const SPEC_EXAMPLE = {
  enabled: true,
  channels: { email: true, sms: false },
  categories: { marketing: { enabled: false }, orders: { channels: { push: true, email: false } } },
  quiet_hours: { start: '22:00', end: '07:00' },
  frequency_caps: [{ category: 'marketing', max: 3, per: '1d' }, { max: 20, per: '1h' }],
  channel_order: ['push', 'sms', 'email'],
};

test('parsePreferences reads the spec example and preferencesToJson writes it back', () => {
  const p = parsePreferences(SPEC_EXAMPLE);
  assert.deepEqual(p, {
    enabled: true,
    channels: { email: true, sms: false },
    categories: { marketing: { enabled: false }, orders: { channels: { push: true, email: false } } },
    quietHours: { start: '22:00', end: '07:00' },
    frequencyCaps: [{ category: 'marketing', max: 3, perMs: DAY }, { max: 20, perMs: HOUR }],
    channelOrder: ['push', 'sms', 'email'],
  });
  assert.deepEqual(preferencesToJson(p), SPEC_EXAMPLE);
  assert.deepEqual(parsePreferences(preferencesToJson(p)), p);
});

test('parsePreferences: absent fields take the defaults', () => {
  assert.deepEqual(parsePreferences({}), { enabled: true, channels: {}, categories: {}, frequencyCaps: [] });
  assert.deepEqual(parsePreferences({ quiet_hours: null, channel_order: [] }), { enabled: true, channels: {}, categories: {}, frequencyCaps: [] });
  assert.deepEqual(preferencesToJson(DEFAULT_PREFERENCES), { enabled: true, channels: {}, categories: {}, frequency_caps: [] });
  assert.deepEqual(parsePreferences({ frequency_caps: [{ max: 5, per: '90 minutes' }] }).frequencyCaps, [{ max: 5, perMs: 90 * 60_000 }]);
  assert.deepEqual(preferencesToJson(parsePreferences({ frequency_caps: [{ max: 5, per: '90 minutes' }] })).frequency_caps, [{ max: 5, per: '90m' }]);
});

test('parsePreferences: clear errors naming the bad field', () => {
  const rows: [string, unknown, string][] = [
    ['not an object', [], 'body'],
    ['unknown field', { quietHours: {} }, 'quietHours'],
    ['enabled not boolean', { enabled: 'yes' }, 'enabled'],
    ['unknown channel', { channels: { fax: true } }, 'channels.fax'],
    ['channel switch not boolean', { channels: { email: 1 } }, 'channels.email'],
    ['bad category name', { categories: { 'Big News': {} } }, 'categories.Big News'],
    ['prototype category name', JSON.parse('{"categories": {"__proto__": {"enabled": false}}}'), 'categories.__proto__'],
    ['category not an object', { categories: { news: false } }, 'categories.news'],
    ['unknown category field', { categories: { news: { muted: true } } }, 'categories.news.muted'],
    ['unknown channel in a category', { categories: { news: { channels: { pigeon: true } } } }, 'categories.news.channels.pigeon'],
    ['quiet hours not an object', { quiet_hours: '22-07' }, 'quiet_hours'],
    ['bad HH:MM start', { quiet_hours: { start: '10pm', end: '07:00' } }, 'quiet_hours.start'],
    ['bad HH:MM end', { quiet_hours: { start: '22:00', end: '24:00' } }, 'quiet_hours.end'],
    ['missing end', { quiet_hours: { start: '22:00' } }, 'quiet_hours.end'],
    ['caps not a list', { frequency_caps: {} }, 'frequency_caps'],
    ['max zero', { frequency_caps: [{ max: 0, per: '1d' }] }, 'frequency_caps[0].max'],
    ['max fractional', { frequency_caps: [{ max: 1, per: '1d' }, { max: 2.5, per: '1d' }] }, 'frequency_caps[1].max'],
    ['max a string', { frequency_caps: [{ max: '3', per: '1d' }] }, 'frequency_caps[0].max'],
    ['bad duration', { frequency_caps: [{ max: 3, per: 'daily' }] }, 'frequency_caps[0].per'],
    ['duration a number', { frequency_caps: [{ max: 3, per: 86400 }] }, 'frequency_caps[0].per'],
    ['duration negative', { frequency_caps: [{ max: 3, per: '-1d' }] }, 'frequency_caps[0].per'],
    ['duration too long', { frequency_caps: [{ max: 3, per: '400d' }] }, 'frequency_caps[0].per'],
    ['cap category bad', { frequency_caps: [{ category: '', max: 3, per: '1d' }] }, 'frequency_caps[0].category'],
    ['unknown cap field', { frequency_caps: [{ max: 3, per: '1d', every: 2 }] }, 'frequency_caps[0].every'],
    ['too many caps', { frequency_caps: Array.from({ length: 51 }, () => ({ max: 1, per: '1h' })) }, 'frequency_caps'],
    ['order not a list', { channel_order: 'push' }, 'channel_order'],
    ['unknown channel in order', { channel_order: ['push', 'fax'] }, 'channel_order[1]'],
    ['repeated channel in order', { channel_order: ['push', 'email', 'push'] }, 'channel_order[2]'],
  ];
  for (const [name, json, field] of rows) assert.throws(() => parsePreferences(json), isBadRequest(field), name);
});

test('DEFAULT_PREFERENCES cannot be changed by accident', () => {
  assert.throws(() => {
    (DEFAULT_PREFERENCES as { enabled: boolean }).enabled = false;
  }, TypeError);
  assert.equal(DEFAULT_PREFERENCES.enabled, true);
});
