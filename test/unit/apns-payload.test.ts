import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildApnsRequest, portablePayload, priorityFor } from '../../src/adapters/providers/apns/payload.js';
import { HeraldError } from '../../src/errors/herald-error.js';
import type { PushContent } from '../../src/ports/push-sender.js';

const BUNDLE = 'com.example.app';

function content(overrides: Partial<PushContent> = {}): PushContent {
  return { id: 'push-1', notification: { title: 'Shipped', body: 'On its way' }, overrides: {}, priority: 'high', ...overrides };
}

function body(c: PushContent): unknown {
  return JSON.parse(buildApnsRequest(c, BUNDLE).payload.toString('utf8'));
}

function assertHeraldError(fn: () => unknown, name: 'pushPayloadInvalid' | 'pushPayloadTooLarge', ...parts: (string | RegExp)[]): HeraldError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof HeraldError, `expected HeraldError ${name}, got ${String(caught)}`);
  assert.equal(caught.errorName, name);
  assert.match(caught.message, /apns: /, 'the detail names the provider');
  for (const part of parts) assert.match(caught.message, typeof part === 'string' ? new RegExp(part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : part);
  return caught;
}

describe('APNs payload: portable mapping', () => {
  test('every portable field lands where APNs and the app expect it', () => {
    const c = content({
      notification: { title: 'Shipped', body: 'On its way', sound: 'default', badge: 3, url: 'https://shop.example/o/42', image: 'https://cdn.example/p.png', data: { order: '42' } },
    });
    assert.deepEqual(body(c), {
      aps: { alert: { title: 'Shipped', body: 'On its way' }, sound: 'default', badge: 3, 'mutable-content': 1 },
      order: '42',
      url: 'https://shop.example/o/42',
      image: 'https://cdn.example/p.png',
    });
    const { headers, pushType } = buildApnsRequest(c, BUNDLE);
    assert.equal(pushType, 'alert');
    assert.deepEqual(headers, { 'apns-push-type': 'alert', 'apns-priority': '10', 'apns-topic': BUNDLE });
  });

  test('title or body alone; badge 0 is kept (it clears the badge)', () => {
    assert.deepEqual(portablePayload({ body: 'only body' }), { aps: { alert: { body: 'only body' } } });
    assert.deepEqual(portablePayload({ title: 'only title' }), { aps: { alert: { title: 'only title' } } });
    const badgeOnly = buildApnsRequest(content({ notification: { badge: 0 } }), BUNDLE);
    assert.deepEqual(JSON.parse(badgeOnly.payload.toString()), { aps: { badge: 0 } });
    assert.equal(badgeOnly.pushType, 'alert', 'a badge change is user-visible');
  });

  test('data without anything visible is a background push: content-available, priority 5 whatever was asked', () => {
    for (const priority of ['high', 'normal', 'low'] as const) {
      const r = buildApnsRequest(content({ notification: { data: { sync: 'inbox' } }, priority }), BUNDLE);
      assert.deepEqual(JSON.parse(r.payload.toString()), { aps: { 'content-available': 1 }, sync: 'inbox' });
      assert.equal(r.pushType, 'background');
      assert.equal(r.headers['apns-priority'], '5', priority);
      assert.equal(r.headers['apns-topic'], BUNDLE);
    }
  });

  test('priority: high and normal are 10 for alerts, low is 5', () => {
    assert.equal(buildApnsRequest(content({ priority: 'high' }), BUNDLE).headers['apns-priority'], '10');
    assert.equal(buildApnsRequest(content({ priority: 'normal' }), BUNDLE).headers['apns-priority'], '10');
    assert.equal(buildApnsRequest(content({ priority: 'low' }), BUNDLE).headers['apns-priority'], '5');
    assert.equal(priorityFor('normal', 'background'), '5');
    assert.equal(priorityFor('high', 'voip'), '10');
  });

  test('data keys cannot take the aps dictionary; portable url and image win over data keys of that name', () => {
    assertHeraldError(() => buildApnsRequest(content({ notification: { data: { aps: 'x' } } }), BUNDLE), 'pushPayloadInvalid', '"aps"');
    assert.deepEqual(portablePayload({ url: 'https://a.example', data: { url: 'from-data', other: '1' } }), { aps: {}, other: '1', url: 'https://a.example' });
    const polluted = portablePayload({ data: JSON.parse('{"__proto__": {"polluted": "yes"}, "ok": "1"}') as Record<string, string> });
    assert.deepEqual(polluted, { aps: {}, ok: '1' });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('collapse key and expiry become apns-collapse-id and apns-expiration (unix seconds)', () => {
    const expiresAt = Date.UTC(2026, 11, 1, 21, 0, 0, 999);
    const { headers } = buildApnsRequest(content({ collapseKey: 'order-42', expiresAt }), BUNDLE);
    assert.equal(headers['apns-collapse-id'], 'order-42');
    assert.equal(headers['apns-expiration'], String(Math.floor(expiresAt / 1000)));
    assert.equal(buildApnsRequest(content({ expiresAt: 0 }), BUNDLE).headers['apns-expiration'], '0', '0 = deliver once, do not store');
  });

  test('a collapse id over 64 bytes is refused, counting bytes not characters', () => {
    assert.equal(buildApnsRequest(content({ collapseKey: 'x'.repeat(64) }), BUNDLE).headers['apns-collapse-id'], 'x'.repeat(64));
    assertHeraldError(() => buildApnsRequest(content({ collapseKey: 'x'.repeat(65) }), BUNDLE), 'pushPayloadInvalid', '65 bytes', '64');
    assertHeraldError(() => buildApnsRequest(content({ collapseKey: 'é'.repeat(33) }), BUNDLE), 'pushPayloadInvalid', '66 bytes');
  });
});

describe('APNs payload: raw overrides', () => {
  test('overrides.apns.payload deep-merges over the mapping; null removes a key', () => {
    const c = content({
      notification: { title: 'T', body: 'B', sound: 'default', data: { a: '1' } },
      overrides: { apns: { payload: { aps: { alert: { subtitle: 'S' }, sound: null, 'thread-id': 'orders' }, a: { nested: true }, extra: [1, 2] } } },
    });
    assert.deepEqual(body(c), { aps: { alert: { title: 'T', body: 'B', subtitle: 'S' }, 'thread-id': 'orders' }, a: { nested: true }, extra: [1, 2] });
    assert.deepEqual(c.overrides.apns?.payload?.aps, { alert: { subtitle: 'S' }, sound: null, 'thread-id': 'orders' }, 'the override object is not changed');
  });

  test('an override that adds an alert to a data-only push makes it an alert push', () => {
    const r = buildApnsRequest(content({ notification: { data: { k: 'v' } }, overrides: { apns: { payload: { aps: { alert: { 'loc-key': 'NEW_MSG' } } } } } }), BUNDLE);
    assert.equal(r.pushType, 'alert');
    assert.equal(r.headers['apns-priority'], '10');
    assert.deepEqual(JSON.parse(r.payload.toString()), { aps: { alert: { 'loc-key': 'NEW_MSG' } }, k: 'v' });
  });

  test('a payload override whose aps is not an object is refused', () => {
    assertHeraldError(() => buildApnsRequest(content({ overrides: { apns: { payload: { aps: 'nope' } } } }), BUNDLE), 'pushPayloadInvalid', '"aps"');
  });

  test('overrides.apns.headers replace computed headers; names are case-insensitive', () => {
    const r = buildApnsRequest(content({ collapseKey: 'a', overrides: { apns: { headers: { 'APNS-Priority': '5', 'apns-collapse-id': 'b', 'apns-expiration': '0' } } } }), BUNDLE);
    assert.deepEqual(r.headers, { 'apns-push-type': 'alert', 'apns-priority': '5', 'apns-topic': BUNDLE, 'apns-collapse-id': 'b', 'apns-expiration': '0' });
  });

  test('the push type from the headers picks the topic suffix; an explicit apns-topic wins', () => {
    const suffixes: Record<string, string> = {
      alert: '',
      voip: '.voip',
      liveactivity: '.push-type.liveactivity',
      location: '.location-query',
      complication: '.complication',
      fileprovider: '.pushkit.fileprovider',
      pushtotalk: '.voip-ptt',
      mdm: '',
    };
    for (const [type, suffix] of Object.entries(suffixes)) {
      const r = buildApnsRequest(content({ overrides: { apns: { headers: { 'apns-push-type': type } } } }), BUNDLE);
      assert.equal(r.pushType, type);
      assert.equal(r.headers['apns-topic'], BUNDLE + suffix, type);
    }
    const explicit = buildApnsRequest(content({ overrides: { apns: { headers: { 'apns-push-type': 'mdm', 'apns-topic': 'com.apple.mgmt.External.abc' } } } }), BUNDLE);
    assert.equal(explicit.headers['apns-topic'], 'com.apple.mgmt.External.abc');
  });

  test('a background push type from the headers gets content-available and priority 5', () => {
    const r = buildApnsRequest(content({ overrides: { apns: { headers: { 'apns-push-type': 'background' } } } }), BUNDLE);
    assert.equal(r.headers['apns-priority'], '5');
    assert.deepEqual(JSON.parse(r.payload.toString()).aps, { alert: { title: 'Shipped', body: 'On its way' }, 'content-available': 1 });
  });

  test('header overrides that APNs would refuse are refused up front', () => {
    const bad = (headers: Record<string, string>, ...parts: string[]) =>
      assertHeraldError(() => buildApnsRequest(content({ overrides: { apns: { headers } } }), BUNDLE), 'pushPayloadInvalid', ...parts);
    bad({ authorization: 'bearer x' }, 'only apns-*', 'authorization');
    bad({ ':path': '/elsewhere' }, 'only apns-*');
    bad({ 'apns-id': '6f1b8f3c-8a5e-4d4b-9a6e-0c1d2e3f4a5b' }, 'apns-id');
    bad({ 'apns-push-type': 'shout' }, 'apns-push-type', 'shout');
    bad({ 'apns-priority': '7' }, 'apns-priority');
    bad({ 'apns-expiration': 'tomorrow' }, 'apns-expiration');
    bad({ 'apns-collapse-id': 'y'.repeat(65) }, 'apns-collapse-id');
    bad({ 'apns-push-type': 'background', 'apns-priority': '10' }, 'background', 'priority 5');
    bad({ 'apns-topic': 'a\r\nb' }, 'single-line');
    bad({ 'apns-topic': '' }, 'non-empty');
    assertHeraldError(() => buildApnsRequest(content({ overrides: { apns: { headers: { 'apns-topic': 7 } as unknown as Record<string, string> } } }), BUNDLE), 'pushPayloadInvalid');
  });
});

describe('APNs payload: size limits', () => {
  // {"aps":{"alert":{"body":"<filler>"}}} is 29 bytes around the filler.
  const sized = (bytes: number, headers?: Record<string, string>) =>
    content({ notification: { body: 'x'.repeat(bytes - 29) }, overrides: headers ? { apns: { headers } } : {} });

  test('4096 bytes pass, 4097 are refused naming apns and both sizes', () => {
    assert.equal(buildApnsRequest(sized(4096), BUNDLE).payload.length, 4096);
    const err = assertHeraldError(() => buildApnsRequest(sized(4097), BUNDLE), 'pushPayloadTooLarge', '4097 bytes', '4096-byte limit');
    assert.deepEqual(err.details, { provider: 'apns', bytes: 4097, limit: 4096 });
  });

  test('VoIP pushes may carry 5120 bytes', () => {
    assert.equal(buildApnsRequest(sized(5120, { 'apns-push-type': 'voip' }), BUNDLE).payload.length, 5120);
    assertHeraldError(() => buildApnsRequest(sized(5121, { 'apns-push-type': 'voip' }), BUNDLE), 'pushPayloadTooLarge', '5121 bytes', '5120-byte limit', 'VoIP');
  });

  test('the limit counts UTF-8 bytes of the merged payload', () => {
    const c = content({ notification: { body: 'é'.repeat(2000) }, overrides: { apns: { payload: { pad: 'z'.repeat(60) } } } });
    assertHeraldError(() => buildApnsRequest(c, BUNDLE), 'pushPayloadTooLarge', '4096-byte limit');
  });
});
