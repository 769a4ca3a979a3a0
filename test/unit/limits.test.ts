import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DailyCounter } from '../../src/util/daily-counter.js';
import { TokenBucket } from '../../src/util/token-bucket.js';
import { Visitor, visitorAddress, type VisitorLimits } from '../../src/core/limits/visitor.js';
import { tierVisitorLimits } from '../../src/core/limits/tier-limits.js';
import type { TierRecord } from '../../src/ports/auth-store.js';
import { TopicRegistry } from '../../src/core/topics/topic-registry.js';
import { LocalCounters } from '../../src/adapters/local/local-counters.js';

test('token bucket: burst, then one token per refill interval', () => {
  const b = new TokenBucket(3, 5000, 0);
  assert.deepEqual([b.tryTake(0), b.tryTake(0), b.tryTake(0), b.tryTake(0)], [true, true, true, false]);
  assert.equal(b.waitMs(0), 5000);
  assert.equal(b.tryTake(4999), false);
  assert.equal(b.tryTake(5000), true);
  assert.equal(b.tryTake(5000), false);
  assert.equal(b.available(1_000_000), 3, 'never above the burst');
  assert.ok(b.isFull(1_000_000));
});

test('daily counter resets at midnight UTC', () => {
  const day = 86_400_000;
  const c = new DailyCounter(2, day * 10 + 1000);
  assert.equal(c.tryAdd(day * 10 + 2000), true);
  assert.equal(c.tryAdd(day * 10 + 3000), true);
  assert.equal(c.tryAdd(day * 11 - 1), false);
  assert.equal(c.tryAdd(day * 11), true);
  assert.equal(c.tryAdd(day * 11, 5), false, 'a bulk add that would pass the limit takes nothing');
  assert.equal(c.value(day * 11), 1);
});

test('visitor key: whole IPv4 address, IPv6 /64 prefix, mapped IPv4 unwrapped', () => {
  const cases: [string, string][] = [
    ['1.2.3.4', '1.2.3.4'],
    ['::ffff:10.0.0.7', '10.0.0.7'],
    ['2001:db8:aa:bb:1:2:3:4', '2001:db8:aa:bb::/64'],
    ['2001:db8:aa:bb::9', '2001:db8:aa:bb::/64'],
    ['2001:0db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
  ];
  for (const [ip, key] of cases) assert.equal(visitorAddress(ip), key, ip);
});

test('visitor key with other prefix lengths (visitor-prefix-bits-ipv4/-ipv6) groups neighbouring addresses', () => {
  const cases: [string, { ipv4: number; ipv6: number }, string][] = [
    ['10.1.2.3', { ipv4: 24, ipv6: 64 }, '10.1.2.0/24'],
    ['10.1.2.200', { ipv4: 24, ipv6: 64 }, '10.1.2.0/24'],
    ['::ffff:192.168.77.9', { ipv4: 16, ipv6: 64 }, '192.168.0.0/16'],
    ['203.0.113.77', { ipv4: 27, ipv6: 64 }, '203.0.113.64/27'],
    ['255.255.255.255', { ipv4: 1, ipv6: 64 }, '128.0.0.0/1'],
    ['2001:db8:aa:bb:1:2:3:4', { ipv4: 32, ipv6: 48 }, '2001:db8:aa::/48'],
    ['2001:db8:aa:bbff::1', { ipv4: 32, ipv6: 56 }, '2001:db8:aa:bb00::/56'],
    ['2001:db8::5', { ipv4: 32, ipv6: 128 }, '2001:db8:0:0:0:0:0:5/128'],
  ];
  for (const [ip, bits, key] of cases) assert.equal(visitorAddress(ip, bits), key, `${ip} /${bits.ipv4} /${bits.ipv6}`);
  assert.equal(visitorAddress('10.1.2.3', { ipv4: 24, ipv6: 64 }), visitorAddress('10.1.2.99', { ipv4: 24, ipv6: 64 }));
  assert.notEqual(visitorAddress('10.1.2.3'), visitorAddress('10.1.2.99'));
});

const LIMITS: VisitorLimits = {
  basis: 'ip', messageExpiryMs: 43_200_000, attachmentFileSizeBytes: 10, attachmentExpiryMs: 3_600_000, reservations: 0,
  requestBurst: 2, requestRefillMs: 1000, messagesPerDay: 1, emailBurst: 1, emailRefillMs: 1000, callsPerDay: 1,
  subscriptions: 1, attachmentTotalBytes: 10, attachmentBandwidthPerDay: 10, authFailureBurst: 2, authFailureRefillMs: 60_000,
};

test('visitor limits raise the ntfy codes', async () => {
  const v = new Visitor('ip:1.2.3.4', LIMITS, 0, false, new LocalCounters());
  await v.takeRequest(0);
  await v.takeRequest(0);
  await assert.rejects(v.takeRequest(0), { code: 42901 });
  await v.takeMessage(0);
  await assert.rejects(v.takeMessage(0), { code: 42908 });
  await v.takeEmail(0);
  await assert.rejects(v.takeEmail(0), { code: 42902 });
  v.openSubscription();
  assert.throws(() => v.openSubscription(), { code: 42903 });
  v.releaseSubscription();
  v.openSubscription();
  await v.takeBandwidth(0, 10);
  await assert.rejects(v.takeBandwidth(0, 1), { code: 42905 });
  await v.checkAuthFailures(0);
  await v.recordAuthFailure(0);
  await v.recordAuthFailure(0);
  await assert.rejects(v.checkAuthFailures(0), { code: 42909 });
  await v.checkAuthFailures(60_000);
});

test('an exempt visitor is never limited', async () => {
  const v = new Visitor('ip:127.0.0.1', LIMITS, 0, true, new LocalCounters());
  for (let i = 0; i < 10; i++) {
    await v.takeRequest(0);
    await v.takeMessage(0);
    v.openSubscription();
  }
});

test('visitors holding subscriptions are not forgotten', () => {
  const v = new Visitor('ip:1.1.1.1', LIMITS, 0, false, new LocalCounters());
  v.openSubscription();
  assert.equal(v.isStale(10_000_000, 1000), false);
  v.releaseSubscription();
  assert.equal(v.isStale(10_000_000, 1000), true);
});

test('topic registry: the global limit only refuses new topics; idle topics without subscribers are pruned', () => {
  const r = new TopicRegistry({ global: 2, perVisitor: 10 });
  const user = { key: 'ip:1.2.3.4', exempt: false };
  r.touch(['a', 'b'], 0, user);
  r.touch(['a'], 1, user);
  assert.throws(() => r.touch(['c'], 2, user), { code: 42904 });
  assert.equal(r.prune(100, 50, (t) => t === 'a'), 1);
  r.touch(['c'], 101, user);
  assert.equal(r.size, 2);
});

test("a tier's limits replace the config's, with ntfy's bucket derivations", () => {
  const base: VisitorLimits = { ...LIMITS, requestBurst: 60, requestRefillMs: 5000, emailBurst: 16, emailRefillMs: 3_600_000 };
  const tier: TierRecord = {
    id: 'ti_1', code: 'pro', name: 'Pro', messagesLimit: 10_000, messagesExpiryDuration: 86_400, emailsLimit: 200, callsLimit: 5,
    reservationsLimit: 3, attachmentFileSizeLimit: 50, attachmentTotalSizeLimit: 500, attachmentExpiryDuration: 7200, attachmentBandwidthLimit: 5000,
  };
  const limits = tierVisitorLimits(base, tier);
  assert.equal(limits.basis, 'tier');
  assert.equal(limits.requestBurst, 500, '5 % of 10000');
  assert.equal(limits.requestRefillMs, 86_400_000 / 20_000, 'twice the daily messages over a day');
  assert.equal(limits.emailBurst, 40, '20 % of 200');
  assert.equal(limits.emailRefillMs, 86_400_000 / 200);
  assert.deepEqual(
    [limits.messagesPerDay, limits.callsPerDay, limits.reservations, limits.messageExpiryMs, limits.attachmentFileSizeBytes, limits.attachmentTotalBytes, limits.attachmentExpiryMs, limits.attachmentBandwidthPerDay],
    [10_000, 5, 3, 86_400_000, 50, 500, 7_200_000, 5000],
  );
  assert.equal(limits.subscriptions, base.subscriptions);
  const small = tierVisitorLimits(base, { ...tier, messagesLimit: 10, emailsLimit: 0 });
  assert.equal(small.requestBurst, 60, "never below the config's burst");
  assert.equal(small.requestRefillMs, 5000, "nor slower than the config's refill");
  assert.equal(small.emailBurst, 16);
  assert.equal(tierVisitorLimits(base, { ...tier, messagesLimit: 1_000_000 }).requestBurst, 1000, 'at most 1000');
  assert.equal(tierVisitorLimits({ ...base, messageExpiryMs: 0 }, tier).messageExpiryMs, 0, 'no cache stays no cache');
});
