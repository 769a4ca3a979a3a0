import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mac, SubscriberTokens } from '../../src/core/keys/subscriber-tokens.js';

const A = 'a'.repeat(32);
const B = 'b'.repeat(40);

test('HMAC-SHA256 matches RFC 4231 test case 2', () => {
  // key "Jefe", data "what do ya want for nothing?"
  const hex = createHmac('sha256', 'Jefe').update('what do ya want for nothing?').digest('hex');
  assert.equal(hex, '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  assert.equal(Buffer.from(mac(Buffer.from('Jefe'), 'what do ya want for nothing?'), 'base64url').toString('hex'), hex);
});

test('subscriber tokens verify for their subscriber only', () => {
  const t = new SubscriberTokens([A]);
  const token = t.token('sub_42');
  assert.match(token, /^st_[A-Za-z0-9_-]{43}$/);
  assert.ok(t.verify('sub_42', token));
  assert.ok(!t.verify('sub_43', token));
  assert.ok(!t.verify('sub_42', token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A')));
  assert.ok(!t.verify('sub_42', 'nonsense'));
});

test('rotation: the new secret signs, the old one still verifies until removed', () => {
  const before = new SubscriberTokens([A]).token('sub_1');
  const rotated = new SubscriberTokens([B, A]);
  assert.ok(rotated.verify('sub_1', before), 'old tokens keep working');
  assert.notEqual(rotated.token('sub_1'), before);
  assert.ok(!new SubscriberTokens([B]).verify('sub_1', before), 'gone once the old secret is dropped');
});

test('signed links carry their payload, expire, and resist tampering', () => {
  const t = new SubscriberTokens([A]);
  const now = Date.UTC(2026, 10, 23);
  const link = t.signLink({ subscriber: 'sub_7', action: 'unsubscribe', category: 'marketing' }, now + 3600_000);
  assert.deepEqual(t.verifyLink(link, now), { subscriber: 'sub_7', action: 'unsubscribe', category: 'marketing' });
  assert.throws(() => t.verifyLink(link, now + 3600_001 + 1000), { code: 41002 });
  const [body, sig] = link.split('.');
  const forged = Buffer.from(JSON.stringify({ subscriber: 'sub_8', action: 'unsubscribe', exp: 9e9 })).toString('base64url');
  assert.throws(() => t.verifyLink(`${forged}.${sig}`, now), { code: 40303 });
  assert.throws(() => t.verifyLink(`${body}`, now), { code: 40303 });
  assert.throws(() => t.verifyLink('', now), { code: 40303 });
  assert.throws(() => t.verifyLink(t.token('sub_7').slice(3), now), { code: 40303 }, 'a subscriber token is not a link');
  assert.throws(() => new SubscriberTokens(['short']), /32 or more/);
});
