import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SubscriberTokens } from '../../src/core/keys/subscriber-tokens.js';
import { LINK_LIFETIME_MS, preferenceLinkExpiry, preferenceLinkUrl, readPreferenceLink, signPreferenceLink } from '../../src/core/notify/preference-links.js';
import { HeraldError } from '../../src/errors/index.js';

const A = 'a'.repeat(32);
const B = 'b'.repeat(40);
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof HeraldError);
    return err.code;
  }
  return undefined;
};

test('a link carries its subscriber and action, and expires after its lifetime (whole seconds)', () => {
  const t = new SubscriberTokens([A]);
  const token = signPreferenceLink(t, { subscriber: 'user-1', action: 'unsubscribe-category', category: 'marketing' }, NOW);
  assert.deepEqual(readPreferenceLink(t, token, NOW), { subscriber: 'user-1', action: 'unsubscribe-category', category: 'marketing' });
  assert.equal(preferenceLinkExpiry(token), NOW + LINK_LIFETIME_MS);
  assert.deepEqual(readPreferenceLink(t, token, NOW + LINK_LIFETIME_MS), { subscriber: 'user-1', action: 'unsubscribe-category', category: 'marketing' });
  assert.equal(code(() => readPreferenceLink(t, token, NOW + LINK_LIFETIME_MS + 1000)), 41002);
  const channel = signPreferenceLink(t, { subscriber: 'user-1', action: 'unsubscribe-channel', channel: 'email' }, NOW, 60_000);
  assert.deepEqual(readPreferenceLink(t, channel, NOW + 59_000), { subscriber: 'user-1', action: 'unsubscribe-channel', channel: 'email' });
});

test('tampered, foreign and other signed tokens are refused with 40303; rotated secrets still verify', () => {
  const t = new SubscriberTokens([A]);
  const token = signPreferenceLink(t, { subscriber: 'user-1', action: 'unsubscribe-all' }, NOW);
  const [body, sig] = token.split('.') as [string, string];
  const other = Buffer.from(JSON.stringify({ s: 'user-2', a: 'unsubscribe-all', exp: NOW / 1000 + 100 })).toString('base64url');
  for (const bad of [`${other}.${sig}`, `${body}.${sig.slice(1)}`, body, '', '.', t.token('user-1')]) {
    assert.equal(code(() => readPreferenceLink(t, bad, NOW)), 40303, bad);
  }
  assert.equal(code(() => readPreferenceLink(new SubscriberTokens([B]), token, NOW)), 40303, 'another server');
  assert.equal(code(() => readPreferenceLink(t, t.signLink({ s: 'user-1', a: 'subscribe-all' }, NOW + 1000), NOW)), 40303, 'unknown action');
  assert.equal(code(() => readPreferenceLink(t, t.signLink({ a: 'unsubscribe-all' }, NOW + 1000), NOW)), 40303, 'no subscriber');
  assert.equal(code(() => readPreferenceLink(t, t.signLink({ s: 'u', a: 'unsubscribe-category' }, NOW + 1000), NOW)), 40303, 'no category');
  assert.equal(code(() => readPreferenceLink(t, t.signLink({ s: 'u', a: 'unsubscribe-channel' }, NOW + 1000), NOW)), 40303, 'no channel');
  assert.equal(readPreferenceLink(new SubscriberTokens([B, A]), token, NOW).subscriber, 'user-1', 'old links survive a rotation');
});

test('link URLs join base-url and path with one slash', () => {
  assert.equal(preferenceLinkUrl('https://h.example/', 'abc.def'), 'https://h.example/v1/preferences/abc.def');
  assert.equal(preferenceLinkUrl('https://h.example/herald', 'abc.def'), 'https://h.example/herald/v1/preferences/abc.def');
});
