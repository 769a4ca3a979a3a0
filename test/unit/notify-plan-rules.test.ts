import { test } from 'node:test';
import assert from 'node:assert/strict';
import { orderChannels, preferencesOf, screenChannels, subscriberOrBare } from '../../src/core/notify/plan-rules.js';
import { DEFAULT_PREFERENCES, type Preferences } from '../../src/core/notify/preferences/index.js';
import type { NotifyChannel } from '../../src/ports/notify-store.js';

const NOON_UTC = Date.parse('2026-06-10T12:00:00Z');
const NIGHT_UTC = Date.parse('2026-06-10T23:30:00Z');
const DAY = 86_400_000;
const prefs = (p: Partial<Preferences>): Preferences => ({ ...DEFAULT_PREFERENCES, ...p });
const template = (...channels: NotifyChannel[]) => ({ channels: Object.fromEntries(channels.map((c) => [c, {}])) });
const ALL: NotifyChannel[] = ['push', 'email', 'sms', 'webhook', 'inapp'];

test('orderChannels: the channels asked for, as asked', () => {
  assert.deepEqual(orderChannels({ channels: ['sms', 'email'], strategy: 'all' }, { channels: ALL }, DEFAULT_PREFERENCES, template('email')), ['sms', 'email']);
});

test("orderChannels: without a list, the category's channels the template has content for, in the category's order", () => {
  assert.deepEqual(orderChannels({ strategy: 'all' }, { channels: ['sms', 'push', 'email'] }, DEFAULT_PREFERENCES, template('email', 'push')), ['push', 'email']);
});

test("orderChannels: with fallback, the subscriber's channel_order first, the rest after in the category's order", () => {
  const p = prefs({ channelOrder: ['email', 'push'] });
  assert.deepEqual(orderChannels({ strategy: 'fallback' }, { channels: ['sms', 'push', 'webhook', 'email'] }, p, template(...ALL)), ['email', 'push', 'sms', 'webhook']);
  // Without fallback the order is the category's, whatever the subscriber prefers.
  assert.deepEqual(orderChannels({ strategy: 'all' }, { channels: ['sms', 'push', 'email'] }, p, template(...ALL)), ['sms', 'push', 'email']);
});

test('screenChannels: each channel passes or is suppressed with the reason of the first rule that holds it', () => {
  const p = prefs({ channels: { sms: false }, categories: { orders: { channels: { email: false } } } });
  assert.deepEqual(screenChannels({ prefs: p, category: { name: 'orders', critical: false }, channels: ['push', 'sms', 'email'], now: NOON_UTC }), {
    kind: 'screened',
    verdicts: [
      { channel: 'push', pass: true },
      { channel: 'sms', pass: false, reason: 'channel_disabled' },
      { channel: 'email', pass: false, reason: 'category_channel_disabled' },
    ],
  });
});

test('screenChannels: quiet hours defer the recipient as a whole, even after a suppressed channel', () => {
  const p = prefs({ channels: { sms: false }, quietHours: { start: '22:00', end: '07:00' } });
  assert.deepEqual(screenChannels({ prefs: p, category: { name: 'orders', critical: false }, channels: ['sms', 'email'], now: NIGHT_UTC }), { kind: 'defer', until: Date.parse('2026-06-11T07:00:00Z') });
  // In the subscriber's zone it is midday: nothing waits.
  assert.equal(screenChannels({ prefs: p, category: { name: 'orders', critical: false }, channels: ['email'], now: NIGHT_UTC, timezone: 'Asia/Tokyo' }).kind, 'screened');
});

test('screenChannels: a critical category passes quiet hours; explicit opt-outs still hold it', () => {
  const p = prefs({ quietHours: { start: '22:00', end: '07:00' }, channels: { sms: false } });
  assert.deepEqual(screenChannels({ prefs: p, category: { name: 'security', critical: true }, channels: ['sms', 'push'], now: NIGHT_UTC }), {
    kind: 'screened', verdicts: [{ channel: 'sms', pass: false, reason: 'channel_disabled' }, { channel: 'push', pass: true }],
  });
});

test('screenChannels leaves frequency caps out: they are decided once for the recipient, afterwards', () => {
  const p = prefs({ frequencyCaps: [{ max: 1, perMs: DAY }] });
  assert.deepEqual(screenChannels({ prefs: p, category: { name: 'orders', critical: false }, channels: ['email'], now: NOON_UTC }), { kind: 'screened', verdicts: [{ channel: 'email', pass: true }] });
  assert.equal(p.frequencyCaps.length, 1, 'the preferences given are not changed');
});

test('preferencesOf: the stored document, or the defaults when there is none or it no longer parses', () => {
  const base = { id: 'ann', data: {}, createdAt: 0, updatedAt: 0 };
  assert.equal(preferencesOf(base), DEFAULT_PREFERENCES);
  assert.equal(preferencesOf({ ...base, preferences: { enabled: 'sometimes' } }), DEFAULT_PREFERENCES);
  const parsed = preferencesOf({ ...base, preferences: { channels: { sms: false }, frequency_caps: [{ max: 2, per: '1h' }] } });
  assert.deepEqual(parsed.channels, { sms: false });
  assert.deepEqual(parsed.frequencyCaps, [{ max: 2, perMs: 3_600_000 }]);
});

test('subscriberOrBare: a push user without a record is a bare subscriber of that id', () => {
  assert.deepEqual(subscriberOrBare('u1', undefined, 5), { id: 'u1', data: {}, createdAt: 5, updatedAt: 5 });
  const known = { id: 'u1', email: 'u1@example.com', data: { a: 1 }, createdAt: 1, updatedAt: 2 };
  assert.equal(subscriberOrBare('u1', known, 5), known);
});
