import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HeraldError } from '../../src/errors/index.js';
import type { PushContent } from '../../src/ports/push-sender.js';
import {
  HMS_MAX_MESSAGE_BYTES,
  HMS_MAX_TTL_SECONDS,
  HmsEncodedPush,
  buildHmsMessage,
  encodeHmsMessage,
  hmsTtlSeconds,
} from '../../src/adapters/providers/hms/payload.js';

const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);

function content(extra: Partial<PushContent> = {}): PushContent {
  return { id: 'push-1', notification: {}, overrides: {}, priority: 'normal', ...extra };
}

function sent(push: HmsEncodedPush, tokens: string[], now = NOW): { validate_only: boolean; message: Record<string, unknown> & { android?: Record<string, unknown> } } {
  return JSON.parse(push.requestBody(tokens, now));
}

function assertHeraldError(fn: () => unknown, name: string, ...parts: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof HeraldError, String(err));
    assert.equal(err.errorName, name);
    for (const part of parts) assert.ok(err.message.includes(part), `"${err.message}" should mention ${part}`);
    return true;
  });
}

describe('HMS portable mapping', () => {
  test('every portable field lands where Push Kit v1 reads it', () => {
    const message = buildHmsMessage(
      content({
        notification: { title: 'Shipped', body: 'On its way', url: 'https://shop.example/o/42', image: 'https://cdn.example/p.png', sound: 'default', badge: 3, data: { order: '42', kind: 'ship' } },
        priority: 'high',
        collapseKey: 'order-42',
      }),
      { badgeClass: 'com.shop.MainActivity' },
    );
    assert.deepEqual(message, {
      data: '{"order":"42","kind":"ship"}',
      android: {
        urgency: 'HIGH',
        bi_tag: 'push-1',
        notification: {
          title: 'Shipped',
          body: 'On its way',
          image: 'https://cdn.example/p.png',
          default_sound: true,
          tag: 'order-42',
          click_action: { type: 2, url: 'https://shop.example/o/42' },
          badge: { set_num: 3, class: 'com.shop.MainActivity' },
        },
      },
    });
  });

  test('data is one JSON string; a data-only push has no notification block', () => {
    const message = buildHmsMessage(content({ notification: { data: { a: '1' } } }));
    assert.deepEqual(message, { data: '{"a":"1"}', android: { urgency: 'NORMAL', bi_tag: 'push-1' } });
    assert.equal(typeof message.data, 'string');
  });

  test('click actions: https URL opens it, another scheme is an intent, none opens the app', () => {
    const click = (url?: string) =>
      ((buildHmsMessage(content({ notification: { title: 't', ...(url ? { url } : {}) } })).android as Record<string, Record<string, unknown>>).notification!).click_action;
    assert.deepEqual(click('https://a.example/x'), { type: 2, url: 'https://a.example/x' });
    assert.deepEqual(click('myapp://orders/42'), { type: 1, intent: 'myapp://orders/42' });
    assert.deepEqual(click(), { type: 3 });
  });

  test('a named sound is an app resource; badges are capped at 99 and carry no class unless configured', () => {
    const n = (buildHmsMessage(content({ notification: { body: 'b', sound: 'chime', badge: 250 } })).android as Record<string, Record<string, unknown>>).notification!;
    assert.equal(n.title, '', 'HMS needs both title and body');
    assert.equal(n.sound, 'chime');
    assert.equal(n.default_sound, false);
    assert.deepEqual(n.badge, { set_num: 99 });
  });

  test('a numeric collapse key (-1..100) is also HMS collapse_key; any other only the notification tag', () => {
    const android = (key: string) => buildHmsMessage(content({ notification: { title: 't' }, collapseKey: key })).android as Record<string, unknown>;
    assert.equal(android('7').collapse_key, 7);
    assert.equal(android('-1').collapse_key, -1);
    assert.equal(android('101').collapse_key, undefined);
    assert.equal(android('order-7').collapse_key, undefined);
    assert.equal((android('order-7').notification as Record<string, unknown>).tag, 'order-7');
  });
});

describe('HMS overrides', () => {
  test('hms.message merges over the mapping key by key; null removes', () => {
    const message = buildHmsMessage(
      content({
        notification: { title: 'T', body: 'B', url: 'https://x.example' },
        overrides: { hms: { message: { android: { notification: { click_action: { type: 1, intent: '#Intent;end', url: null }, channel_id: 'orders' }, bi_tag: null, category: 'IM' } } } },
      }),
    );
    assert.deepEqual(message.android, {
      urgency: 'NORMAL',
      category: 'IM',
      notification: { title: 'T', body: 'B', click_action: { type: 1, intent: '#Intent;end' }, channel_id: 'orders' },
    });
  });

  for (const key of ['token', 'topic', 'condition']) {
    test(`an override setting ${key} is refused`, () => {
      assertHeraldError(() => encodeHmsMessage(content({ overrides: { hms: { message: { [key]: key === 'token' ? ['t'] : 'x' } } } })), 'pushPayloadInvalid', 'hms', key);
    });
  }

  test('data must stay a string; android must stay an object', () => {
    assertHeraldError(() => encodeHmsMessage(content({ overrides: { hms: { message: { data: { a: 1 } } } } })), 'pushPayloadInvalid', 'hms', 'data');
    assertHeraldError(() => encodeHmsMessage(content({ overrides: { hms: { message: { android: 'x' } } } })), 'pushPayloadInvalid', 'hms', 'android');
    const ok = encodeHmsMessage(content({ overrides: { hms: { message: { data: '{"raw":true}' } } } }));
    assert.equal(sent(ok, ['t']).message.data, '{"raw":true}');
  });
});

describe('HMS request body and TTL', () => {
  test('the request is {validate_only:false, message:{…, token:[…]}}', () => {
    const push = encodeHmsMessage(content({ notification: { title: 'a', body: 'b' } }));
    const body = sent(push, ['tok-1', 'tok-2']);
    assert.equal(body.validate_only, false);
    assert.deepEqual(body.message.token, ['tok-1', 'tok-2']);
    assert.equal(body.message.android!.ttl, undefined, 'no expiry: HMS keeps its default');
    assert.equal(push.bytes, Buffer.byteLength(JSON.stringify(buildHmsMessage(content({ notification: { title: 'a', body: 'b' } })))));
  });

  test('the TTL comes from expiresAt at send time, rounded up, within 1 s .. 15 days', () => {
    const push = encodeHmsMessage(content({ notification: { title: 'x"}' }, expiresAt: NOW + 3_600_000 }));
    assert.equal(sent(push, ['t']).message.android!.ttl, '3600s');
    assert.equal(sent(push, ['t'], NOW + 1_000_500).message.android!.ttl, '2600s');
    assert.equal(sent(push, ['t'], NOW + 4_000_000).message.android!.ttl, '1s', 'already past: the least HMS takes');
    assert.equal((sent(push, ['t']).message.android!.notification as Record<string, unknown>).title, 'x"}', 'the splice leaves the rest intact');
    assert.equal(hmsTtlSeconds(NOW + 30 * 86_400_000, NOW), HMS_MAX_TTL_SECONDS);
    assert.equal(hmsTtlSeconds(NOW + 1, NOW), 1);
  });

  test('an explicit android.ttl override wins over expiresAt', () => {
    const push = encodeHmsMessage(content({ expiresAt: NOW + 3_600_000, overrides: { hms: { message: { android: { ttl: '60s' } } } } }));
    assert.equal(sent(push, ['t']).message.android!.ttl, '60s');
  });

  test('an override removing android entirely still yields a valid body', () => {
    const push = encodeHmsMessage(content({ overrides: { hms: { message: { android: null } } } }));
    assert.deepEqual(sent(push, ['t']).message, { token: ['t'] });
  });

  test('messages over 4096 bytes are refused naming hms; the TTL slot counts at its longest', () => {
    const base = Buffer.byteLength(JSON.stringify(buildHmsMessage(content({ notification: { title: '' } }))));
    const fits = 'x'.repeat(HMS_MAX_MESSAGE_BYTES - base);
    assert.equal(encodeHmsMessage(content({ notification: { title: fits } })).bytes, HMS_MAX_MESSAGE_BYTES);
    assertHeraldError(() => encodeHmsMessage(content({ notification: { title: `${fits}x` } })), 'pushPayloadTooLarge', 'hms', '4097');
    const withTtl = encodeHmsMessage(content({ notification: { title: 'a' }, expiresAt: NOW + 1000 }));
    const longest = Buffer.byteLength(withTtl.requestBody(['t'], NOW - 20 * 86_400_000)) - Buffer.byteLength('{"validate_only":false,"message":,"token":["t"]}');
    assert.equal(withTtl.bytes, longest);
  });
});
