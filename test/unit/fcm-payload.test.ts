import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeraldError } from '../../src/errors/index.js';
import type { PushContent } from '../../src/ports/push-sender.js';
import { encodeFcmPush, jsonStringChars } from '../../src/adapters/providers/fcm/encoded-push.js';
import { FCM_MAX_TTL_SECONDS, FCM_PAYLOAD_LIMIT_BYTES, fcmMessage, fcmPayloadBytes } from '../../src/adapters/providers/fcm/payload.js';

const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);

function content(over: Partial<PushContent> = {}): PushContent {
  return { id: 'p1', notification: {}, overrides: {}, priority: 'normal', ...over };
}

/** The message FCM would receive for `token` at `now`. */
function sent(c: PushContent, token = 'tok', now = NOW): { message: Record<string, unknown> } {
  return JSON.parse(encodeFcmPush(c).body(token, now)) as { message: Record<string, unknown> };
}

function heraldError(name: string, detail: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof HeraldError, String(err));
    assert.equal(err.errorName, name);
    assert.match(err.message, detail);
    return true;
  };
}

test('maps every portable field, high priority, collapse key and expiry', () => {
  const c = content({
    notification: { title: 'Shipped', body: 'On its way', url: 'https://shop.example/o/42', image: 'https://cdn.example/i.png', sound: 'default', badge: 3, data: { order: '42' } },
    priority: 'high',
    collapseKey: 'order-42',
    expiresAt: NOW + 3_600_000,
  });
  assert.deepEqual(sent(c, 'device-token-1'), {
    message: {
      notification: { title: 'Shipped', body: 'On its way', image: 'https://cdn.example/i.png' },
      data: { url: 'https://shop.example/o/42', order: '42' },
      android: { priority: 'HIGH', collapse_key: 'order-42', ttl: '3600s', notification: { sound: 'default', notification_count: 3 } },
      apns: {
        headers: { 'apns-priority': '10', 'apns-collapse-id': 'order-42', 'apns-expiration': String((NOW + 3_600_000) / 1000) },
        payload: { aps: { sound: 'default', badge: 3, 'mutable-content': 1 } },
        fcm_options: { image: 'https://cdn.example/i.png' },
      },
      webpush: { headers: { Urgency: 'high', TTL: '3600', Topic: 'order-42' }, fcm_options: { link: 'https://shop.example/o/42' } },
      token: 'device-token-1',
    },
  });
});

test('normal and low priority; a push without title or body goes to iOS at priority 5', () => {
  const normal = sent(content({ notification: { title: 't' }, priority: 'normal' })).message;
  assert.deepEqual(normal.android, { priority: 'NORMAL' });
  assert.deepEqual(normal.apns, { headers: { 'apns-priority': '10' } });
  assert.deepEqual(normal.webpush, { headers: { Urgency: 'normal' } });

  const low = sent(content({ notification: { title: 't' }, priority: 'low' })).message;
  assert.deepEqual(low.android, { priority: 'NORMAL' });
  assert.deepEqual(low.apns, { headers: { 'apns-priority': '5' } });
  assert.deepEqual(low.webpush, { headers: { Urgency: 'low' } });

  const dataOnly = sent(content({ notification: { data: { k: 'v' } }, priority: 'high' })).message;
  assert.deepEqual(dataOnly.apns, { headers: { 'apns-priority': '5' } });
  assert.equal(dataOnly.notification, undefined);
  assert.deepEqual(dataOnly.data, { k: 'v' });
});

test('url: data.url always, the Web Push link only for https; an explicit data.url wins', () => {
  const plain = sent(content({ notification: { title: 't', url: 'myapp://orders/42' } })).message;
  assert.deepEqual(plain.data, { url: 'myapp://orders/42' });
  assert.equal((plain.webpush as Record<string, unknown>).fcm_options, undefined);
  const both = sent(content({ notification: { url: 'https://a.example', data: { url: 'https://b.example' } } })).message;
  assert.deepEqual(both.data, { url: 'https://b.example' });
  // A collapse key outside RFC 8030's Topic alphabet is not sent as Topic.
  const topic = sent(content({ collapseKey: 'has space' })).message;
  assert.deepEqual(topic.webpush, { headers: { Urgency: 'normal' } });
});

test('overrides.fcm.message merges over the mapping; null removes a key', () => {
  const c = content({
    notification: { title: 't', sound: 'default', data: { a: '1' } },
    priority: 'high',
    overrides: { fcm: { message: { android: { priority: 'NORMAL', notification: { channel_id: 'orders' } }, data: { b: '2' }, apns: null, fcm_options: { analytics_label: 'x' } } } },
  });
  const m = sent(c).message;
  assert.deepEqual(m.android, { priority: 'NORMAL', notification: { sound: 'default', channel_id: 'orders' } });
  assert.deepEqual(m.data, { a: '1', b: '2' });
  assert.equal(m.apns, undefined);
  assert.deepEqual(m.fcm_options, { analytics_label: 'x' });
  // An override of the ttl is the caller's choice and is not recomputed.
  const ttl = sent(content({ expiresAt: NOW + 60_000, overrides: { fcm: { message: { android: { ttl: '5s' } } } } })).message;
  assert.equal((ttl.android as Record<string, unknown>).ttl, '5s');
  assert.equal(((ttl.webpush as Record<string, unknown>).headers as Record<string, unknown>).TTL, '60');
});

test('refuses overrides that choose the target, non-string data, reserved keys and long collapse keys', () => {
  for (const key of ['token', 'topic', 'condition']) {
    assert.throws(() => encodeFcmPush(content({ overrides: { fcm: { message: { [key]: 'x' } } } })), heraldError('pushPayloadInvalid', new RegExp(`fcm: fcm\\.message\\.${key} cannot be set`)));
  }
  assert.throws(() => encodeFcmPush(content({ overrides: { fcm: { message: { data: { n: 42 } } } } })), heraldError('pushPayloadInvalid', /fcm: fcm\.message\.data\.n is number; FCM data values must be strings/));
  assert.throws(() => encodeFcmPush(content({ overrides: { fcm: { message: { data: { o: { deep: '1' } } } } } })), heraldError('pushPayloadInvalid', /data\.o is object/));
  assert.throws(() => encodeFcmPush(content({ overrides: { fcm: { message: { android: { data: { b: true } } } } } })), heraldError('pushPayloadInvalid', /android\.data\.b is boolean/));
  assert.throws(() => encodeFcmPush(content({ overrides: { fcm: { message: { data: 'text' } } } })), heraldError('pushPayloadInvalid', /must be an object of strings/));
  assert.throws(() => encodeFcmPush(content({ notification: { data: { google_x: '1' } } })), heraldError('pushPayloadInvalid', /google_x is a key FCM reserves/));
  assert.throws(() => encodeFcmPush(content({ notification: { data: { from: '1' } } })), heraldError('pushPayloadInvalid', /from is a key FCM reserves/));
  assert.throws(() => encodeFcmPush(content({ overrides: { fcm: { message: [] as unknown as Record<string, unknown> } } })), heraldError('pushPayloadInvalid', /fcm\.message must be an object/));
  assert.throws(() => encodeFcmPush(content({ collapseKey: 'k'.repeat(65) })), heraldError('pushPayloadInvalid', /collapse_key is 65 bytes/));
  assert.doesNotThrow(() => encodeFcmPush(content({ collapseKey: 'k'.repeat(64) })));
});

test('size limit: data + notification up to 4000 bytes, refused above it naming fcm and the sizes', () => {
  const overhead = fcmPayloadBytes(fcmMessage(content({ notification: { title: '', data: { k: '' } } })));
  const fill = FCM_PAYLOAD_LIMIT_BYTES - overhead;
  const atLimit = encodeFcmPush(content({ notification: { title: '', data: { k: 'x'.repeat(fill) } } }));
  assert.equal(atLimit.bytes, FCM_PAYLOAD_LIMIT_BYTES);
  assert.equal(atLimit.provider, 'fcm');
  assert.throws(
    () => encodeFcmPush(content({ notification: { title: '', data: { k: 'x'.repeat(fill + 1) } } })),
    heraldError('pushPayloadTooLarge', /fcm: data \+ notification are 4001 bytes, over the 4000-byte limit/),
  );
  // Multi-byte characters count as bytes, and an override can push the payload over too.
  assert.throws(() => encodeFcmPush(content({ notification: { body: 'é'.repeat(2000) } })), heraldError('pushPayloadTooLarge', /4\d{3} bytes/));
  assert.throws(() => encodeFcmPush(content({ overrides: { fcm: { message: { data: { big: 'y'.repeat(4000) } } } } })), heraldError('pushPayloadTooLarge', /fcm/));
});

test('ttl is the time left at send time, capped at 28 days and never negative', () => {
  const push = encodeFcmPush(content({ expiresAt: NOW + 90_500 }));
  const ttlAt = (now: number) => {
    const m = (JSON.parse(push.body('t', now)) as { message: { android: { ttl: string }; webpush: { headers: { TTL: string } } } }).message;
    return [m.android.ttl, m.webpush.headers.TTL];
  };
  assert.deepEqual(ttlAt(NOW), ['90s', '90']);
  assert.deepEqual(ttlAt(NOW + 30_000), ['60s', '60']);
  assert.deepEqual(ttlAt(NOW + 200_000), ['0s', '0']);
  const far = encodeFcmPush(content({ expiresAt: NOW + 60 * 86_400_000 }));
  assert.equal((JSON.parse(far.body('t', NOW)) as { message: { android: { ttl: string } } }).message.android.ttl, `${FCM_MAX_TTL_SECONDS}s`);
  // Without an expiry there is no ttl at all (FCM's default of four weeks applies).
  const none = sent(content()).message;
  assert.deepEqual(none.android, { priority: 'NORMAL' });
});

test('each target body is the shared prefix plus the JSON-escaped token', () => {
  const push = encodeFcmPush(content({ notification: { title: 'hi "there"' } }));
  for (const token of ['abc:APA91b-_.x', 'with"quote\\and\u2028sep', 'ünï']) {
    const body = push.body(token, NOW);
    assert.equal((JSON.parse(body) as { message: { token: string } }).message.token, token);
    assert.ok(body.endsWith(`"token":"${jsonStringChars(token)}"}}`));
  }
  assert.equal(jsonStringChars('plain-token_1:2.3'), 'plain-token_1:2.3');
  assert.equal(jsonStringChars('a"b'), 'a\\"b');
  // A message emptied by overrides still makes valid JSON.
  const empty = encodeFcmPush(content({ overrides: { fcm: { message: { android: null, apns: null, webpush: null } } } }));
  assert.equal(empty.body('t', NOW), '{"message":{"token":"t"}}');
});
