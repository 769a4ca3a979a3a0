import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HeraldError } from '../../src/errors/index.js';
import type { PushContent } from '../../src/ports/push-sender.js';
import { MAX_PLAINTEXT_BYTES } from '../../src/adapters/providers/webpush/encryption.js';
import { DEFAULT_WEB_PUSH_ENDPOINTS, endpointMatcher } from '../../src/adapters/providers/webpush/endpoint-allowlist.js';
import { encodeWebPush, portableWebPushPayload, webPushTtlSeconds } from '../../src/adapters/providers/webpush/payload.js';

const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);

function content(extra: Partial<PushContent> = {}): PushContent {
  return { id: 'push-1', notification: {}, overrides: {}, priority: 'normal', ...extra };
}

function json(content_: PushContent): unknown {
  return JSON.parse(encodeWebPush(content_).plaintext.toString('utf8'));
}

function assertHeraldError(fn: () => unknown, name: string, ...parts: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof HeraldError, String(err));
    assert.equal(err.errorName, name);
    for (const part of parts) assert.ok(err.message.includes(part), `"${err.message}" should mention ${part}`);
    return true;
  });
}

describe('Web Push payload', () => {
  test('the service worker gets id, title, body, url, image, tag, badge_count and data', () => {
    assert.deepEqual(
      json(
        content({
          notification: { title: 'Shipped', body: 'On its way', url: 'https://shop.example/o/42', image: 'https://cdn.example/p.png', sound: 'default', badge: 2, data: { order: '42' } },
          collapseKey: 'order-42',
        }),
      ),
      { id: 'push-1', title: 'Shipped', body: 'On its way', url: 'https://shop.example/o/42', image: 'https://cdn.example/p.png', tag: 'order-42', badge_count: 2, data: { order: '42' } },
    );
    assert.deepEqual(portableWebPushPayload(content()), { id: 'push-1' }, 'absent fields are left out');
  });

  test('webpush.payload merges over the mapping; null removes a field', () => {
    assert.deepEqual(
      json(content({ notification: { title: 'T', data: { a: '1' } }, overrides: { webpush: { payload: { data: { b: 2 }, title: null, actions: [{ action: 'open', title: 'Open' }] } } } })),
      { id: 'push-1', data: { a: '1', b: 2 }, actions: [{ action: 'open', title: 'Open' }] },
    );
    assertHeraldError(() => encodeWebPush(content({ overrides: { webpush: { payload: [] as unknown as Record<string, unknown> } } })), 'pushPayloadInvalid', 'webpush');
  });

  test('urgency follows priority unless webpush.urgency says otherwise', () => {
    assert.equal(encodeWebPush(content({ priority: 'high' })).urgency, 'high');
    assert.equal(encodeWebPush(content({ priority: 'low' })).urgency, 'low');
    assert.equal(encodeWebPush(content({ priority: 'high', overrides: { webpush: { urgency: 'very-low' } } })).urgency, 'very-low');
    assertHeraldError(() => encodeWebPush(content({ overrides: { webpush: { urgency: 'urgent' as 'high' } } })), 'pushPayloadInvalid', 'webpush', 'urgency');
  });

  test('Topic: webpush.topic, else a collapse key that is a valid RFC 8030 topic', () => {
    assert.equal(encodeWebPush(content({ collapseKey: 'order-42' })).topic, 'order-42');
    assert.equal(encodeWebPush(content({ collapseKey: 'order 42' })).topic, undefined, 'not base64url');
    assert.equal(encodeWebPush(content({ collapseKey: 'x'.repeat(33) })).topic, undefined, 'longer than 32');
    assert.equal(encodeWebPush(content({ collapseKey: 'order-42', overrides: { webpush: { topic: 'mine' } } })).topic, 'mine');
    assertHeraldError(() => encodeWebPush(content({ overrides: { webpush: { topic: 'not/valid' } } })), 'pushPayloadInvalid', 'webpush', 'topic');
  });

  test('TTL: the override, the time left to expiresAt, or the default, whichever applies and is least', () => {
    const ttl = (extra: Partial<PushContent>, now = NOW) => webPushTtlSeconds(encodeWebPush(content(extra)), now, 2_419_200);
    assert.equal(ttl({}), 2_419_200);
    assert.equal(ttl({ overrides: { webpush: { ttl: 60 } } }), 60);
    assert.equal(ttl({ expiresAt: NOW + 90_500 }), 91, 'rounded up');
    assert.equal(ttl({ expiresAt: NOW + 90_000, overrides: { webpush: { ttl: 60 } } }), 60);
    assert.equal(ttl({ expiresAt: NOW + 30_000, overrides: { webpush: { ttl: 60 } } }), 30);
    assert.equal(ttl({ expiresAt: NOW - 5_000 }), 0, 'past the expiry: deliver now or drop');
    assertHeraldError(() => encodeWebPush(content({ overrides: { webpush: { ttl: -1 } } })), 'pushPayloadInvalid', 'webpush', 'ttl');
    assertHeraldError(() => encodeWebPush(content({ overrides: { webpush: { ttl: 1.5 } } })), 'pushPayloadInvalid', 'webpush', 'ttl');
  });

  test(`plaintext up to ${MAX_PLAINTEXT_BYTES} bytes is accepted, one more is refused naming webpush`, () => {
    const overhead = Buffer.byteLength(JSON.stringify({ id: 'push-1', body: '' }));
    const exact = encodeWebPush(content({ notification: { body: 'x'.repeat(MAX_PLAINTEXT_BYTES - overhead) } }));
    assert.equal(exact.bytes, MAX_PLAINTEXT_BYTES);
    assert.equal(exact.plaintext.length, MAX_PLAINTEXT_BYTES);
    assertHeraldError(() => encodeWebPush(content({ notification: { body: 'x'.repeat(MAX_PLAINTEXT_BYTES - overhead + 1) } })), 'pushPayloadTooLarge', 'webpush', String(MAX_PLAINTEXT_BYTES + 1));
    assertHeraldError(() => encodeWebPush(content({ notification: { body: 'é'.repeat(2000) } })), 'pushPayloadTooLarge', 'webpush', 'bytes');
  });
});

describe('Web Push endpoint allowlist', () => {
  const url = (u: string) => new URL(u);
  test('the defaults cover the browsers\' push services and nothing near them', () => {
    const allowed = endpointMatcher(DEFAULT_WEB_PUSH_ENDPOINTS);
    for (const ok of [
      'https://fcm.googleapis.com/fcm/send/abc',
      'https://updates.push.services.mozilla.com/wpush/v2/abc',
      'https://wns2-par02p.notify.windows.com/w/?token=abc',
      'https://web.push.apple.com/QO2x',
      'https://FCM.googleapis.com./fcm/send/abc',
    ]) {
      assert.ok(allowed(url(ok)), ok);
    }
    for (const no of [
      'https://push.services.mozilla.com/x',
      'https://evilpush.services.mozilla.com/x',
      'https://fcm.googleapis.com.evil.example/x',
      'https://googleapis.com/x',
      'https://127.0.0.1/push/x',
    ]) {
      assert.ok(!allowed(url(no)), no);
    }
  });

  test('entries may pin a port or a whole origin; bad entries fail at start', () => {
    const allowed = endpointMatcher(['127.0.0.1:8443', 'http://localhost:9000', 'https://*.relay.example']);
    assert.ok(allowed(url('https://127.0.0.1:8443/p')));
    assert.ok(!allowed(url('https://127.0.0.1:8444/p')));
    assert.ok(allowed(url('http://localhost:9000/p')));
    assert.ok(!allowed(url('https://localhost:9000/p')), 'origin pins the scheme');
    assert.ok(allowed(url('https://a.relay.example/p')));
    assert.ok(!allowed(url('http://a.relay.example/p')));
    assert.ok(endpointMatcher(['127.0.0.1'])(url('http://127.0.0.1:1234/p')), 'a bare host allows any port');
    assert.throws(() => endpointMatcher(['a b:c']), /allowlist entry/);
  });
});
