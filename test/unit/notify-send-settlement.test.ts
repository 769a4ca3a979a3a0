import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DispatchResult } from '../../src/core/notify/channel-dispatch.js';
import { confirmPollMs, settleSend, type Settled } from '../../src/core/notify/send-settlement.js';
import type { ChannelDeliveryRecord, NotifyChannel, NotifyStrategy } from '../../src/ports/notify-store.js';

const T0 = 1_750_000_000_000;
const NOW = T0 + 5000;
const RULES = { maxAttempts: 3, fallbackTimeoutMs: 60_000 };

function row(channel: NotifyChannel, attempts = 0, reason?: string): ChannelDeliveryRecord {
  return { notificationSeq: 7, subscriberId: 'ann', channel, state: attempts === 0 ? 'queued' : 'retrying', attempts, createdAt: T0, updatedAt: T0, ...(reason !== undefined ? { reason } : {}) };
}

interface Case {
  name: string;
  strategy?: NotifyStrategy;
  row: ChannelDeliveryRecord;
  result: DispatchResult;
  expect: Settled;
}

const cases: Case[] = [
  {
    name: 'an e-mail sent: the row is sent, the earlier retry reason goes, the recipient is reached',
    row: row('email', 1, 'retry: 451'),
    result: { kind: 'sent', providerId: '<m1@herald>', address: 'ann@example.com' },
    expect: {
      row: { ...row('email', 1), attempts: 2, state: 'sent', sentAt: NOW, updatedAt: NOW, providerId: '<m1@herald>', address: 'ann@example.com' },
      recipient: { state: 'sent', reason: 'sent by email' },
    },
  },
  {
    name: 'an SMS sent with a note keeps the note as the reason',
    row: row('sms'),
    result: { kind: 'sent', providerId: 'SM1', address: '+14155550100', note: '1 segment, GSM-7' },
    expect: {
      row: { ...row('sms'), attempts: 1, state: 'sent', sentAt: NOW, updatedAt: NOW, providerId: 'SM1', address: '+14155550100', reason: '1 segment, GSM-7' },
      recipient: { state: 'sent', reason: 'sent by sms' },
    },
  },
  {
    name: 'with fallback a sent push awaits its confirmation; the recipient is not settled yet',
    strategy: 'fallback',
    row: row('push'),
    result: { kind: 'sent', providerId: 'p1' },
    expect: {
      row: { ...row('push'), attempts: 1, state: 'awaiting', sentAt: NOW, updatedAt: NOW, providerId: 'p1' },
      follow: { kind: 'confirm', deadline: NOW + 60_000, runAt: NOW + 5000 },
    },
  },
  {
    name: 'with fallback a sent e-mail needs no confirmation',
    strategy: 'fallback',
    row: row('email'),
    result: { kind: 'sent' },
    expect: { row: { ...row('email'), attempts: 1, state: 'sent', sentAt: NOW, updatedAt: NOW }, recipient: { state: 'sent', reason: 'sent by email' } },
  },
  {
    name: 'a temporary failure with attempts left retries',
    row: row('webhook', 1),
    result: { kind: 'retry', reason: 'retry: 503' },
    expect: { row: { ...row('webhook', 1), attempts: 2, state: 'retrying', reason: 'retry: 503', updatedAt: NOW } },
  },
  {
    name: 'a temporary failure on the last attempt fails and moves on',
    row: row('webhook', 2),
    result: { kind: 'retry', reason: 'retry: 503' },
    expect: { row: { ...row('webhook', 2), attempts: 3, state: 'failed', reason: 'retry: 503 (after 3 attempts)', updatedAt: NOW }, follow: { kind: 'move-on' } },
  },
  {
    name: 'an unavailable channel is not an attempt, and moves on',
    row: row('sms'),
    result: { kind: 'unavailable', reason: 'the subscriber has no phone number' },
    expect: { row: { ...row('sms'), state: 'unavailable', reason: 'the subscriber has no phone number', updatedAt: NOW }, follow: { kind: 'move-on' } },
  },
  {
    name: 'a permanent failure moves on and keeps the address',
    row: row('webhook'),
    result: { kind: 'failed', reason: 'rejected: gone (410)', address: 'https://hooks.example/a' },
    expect: { row: { ...row('webhook'), attempts: 1, state: 'failed', reason: 'rejected: gone (410)', address: 'https://hooks.example/a', updatedAt: NOW }, follow: { kind: 'move-on' } },
  },
  {
    name: 'a dead e-mail address is suppressed in lower case before moving on',
    row: row('email'),
    result: { kind: 'failed', reason: 'address rejected: 550', address: 'Ann@Example.COM', addressDead: true },
    expect: {
      row: { ...row('email'), attempts: 1, state: 'failed', reason: 'address rejected: 550', address: 'Ann@Example.COM', updatedAt: NOW },
      follow: { kind: 'move-on', suppress: { address: 'ann@example.com', kind: 'invalid', reason: 'address rejected: 550', at: NOW } },
    },
  },
  {
    name: 'a dead phone number is suppressed as given',
    row: row('sms'),
    result: { kind: 'failed', reason: 'address rejected: 21211', address: '+14155550100', addressDead: true },
    expect: {
      row: { ...row('sms'), attempts: 1, state: 'failed', reason: 'address rejected: 21211', address: '+14155550100', updatedAt: NOW },
      follow: { kind: 'move-on', suppress: { address: '+14155550100', kind: 'invalid', reason: 'address rejected: 21211', at: NOW } },
    },
  },
  {
    name: 'a dead address with none named suppresses nothing',
    row: row('email'),
    result: { kind: 'failed', reason: 'address rejected', addressDead: true },
    expect: { row: { ...row('email'), attempts: 1, state: 'failed', reason: 'address rejected', updatedAt: NOW }, follow: { kind: 'move-on' } },
  },
  {
    name: 'a cancelled notification ends the row cancelled, uncounted, with nothing after',
    row: row('email', 1),
    result: { kind: 'failed', reason: 'cancelled' },
    expect: { row: { ...row('email', 1), state: 'cancelled', reason: 'the notification was cancelled', updatedAt: NOW } },
  },
  {
    name: 'an expired notification ends the row expired, uncounted, with nothing after',
    row: row('push'),
    result: { kind: 'failed', reason: 'expired' },
    expect: { row: { ...row('push'), state: 'expired', reason: 'expires_at passed before it could be sent', updatedAt: NOW } },
  },
];

for (const c of cases) {
  test(`settleSend: ${c.name}`, () => {
    assert.deepEqual(settleSend({ strategy: c.strategy ?? 'all' }, c.row, c.result, RULES, NOW), c.expect);
  });
}

test('confirmPollMs: a tenth of the fallback timeout, never under 200 ms nor over 5 s', () => {
  assert.equal(confirmPollMs(1500), 200);
  assert.equal(confirmPollMs(10_000), 1000);
  assert.equal(confirmPollMs(60_000), 5000);
  assert.equal(confirmPollMs(0), 200);
});
