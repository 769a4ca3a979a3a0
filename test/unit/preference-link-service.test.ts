import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditContext } from '../../src/core/audit/audit-trail.js';
import { SubscriberTokens } from '../../src/core/keys/subscriber-tokens.js';
import { PreferenceLinkService } from '../../src/core/notify/preference-link-service.js';
import { LINK_LIFETIME_MS, signPreferenceLink, type PreferenceLink } from '../../src/core/notify/preference-links.js';
import { preferencesToJson, parsePreferences, type PreferencesJson } from '../../src/core/notify/preferences/index.js';
import { HeraldError } from '../../src/errors/index.js';
import { ManualClock } from '../helpers/manual-clock.js';

const SECRET = 's'.repeat(32);
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

/** The service over in-memory stand-ins that record what it asked of them. */
function setup(options: { bucket?: number } = {}) {
  const clock = new ManualClock(NOW);
  const tokens = new SubscriberTokens([SECRET]);
  const prefs = new Map<string, PreferencesJson>([['u1', preferencesToJson(parsePreferences({}))]]);
  const categories = new Set(['news']);
  const calls: string[] = [];
  const audits: { ctx: AuditContext; action: string; target: string; details: Record<string, unknown> }[] = [];
  let bucket = options.bucket ?? Infinity;
  const service = new PreferenceLinkService({
    tokens,
    clock,
    limits: {
      async take(subscriber, nowMs) {
        calls.push(`take ${subscriber} ${nowMs}`);
        if (bucket-- <= 0) throw new HeraldError('tooManyRequests');
      },
    },
    directory: {
      async getSubscriber(id) {
        calls.push(`getSubscriber ${id}`);
        if (!prefs.has(id)) throw new HeraldError('subscriberNotFound');
        return { id } as never;
      },
      async getCategory(name) {
        calls.push(`getCategory ${name}`);
        if (!categories.has(name)) throw new HeraldError('categoryNotFound');
        return { name } as never;
      },
      async getPreferences(id) {
        if (!prefs.has(id)) throw new HeraldError('subscriberNotFound');
        return prefs.get(id);
      },
      async setPreferences(id, json) {
        calls.push(`setPreferences ${id}`);
        const wire = preferencesToJson(parsePreferences(json));
        prefs.set(id, wire);
        return wire;
      },
    },
    audit: {
      async record(ctx, action, target, details = {}) {
        audits.push({ ctx, action, target, details });
      },
    },
  });
  const sign = (link: PreferenceLink, lifetime = LINK_LIFETIME_MS) => signPreferenceLink(tokens, link, clock.now(), lifetime);
  return { service, clock, tokens, prefs, calls, audits, sign };
}

async function code(promise: Promise<unknown>): Promise<number | undefined> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof HeraldError, String(err));
    return err.code;
  }
  return undefined;
}

async function detail(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof HeraldError && err.code === 40000, String(err));
    return err.message;
  }
  assert.fail('expected a 400');
}

test('issuing checks the request, then the category, then the subscriber, and signs what it checked', async () => {
  const { service, calls } = setup();
  const rows: [Parameters<PreferenceLinkService['issue']>[1], RegExp][] = [
    [{ action: 'subscribe' }, /action must be one of unsubscribe-category, unsubscribe-channel, unsubscribe-all, manage/],
    [{ action: 'unsubscribe-category' }, /category is required for unsubscribe-category/],
    [{ action: 'unsubscribe-category', category: 'News!' }, /category must be a category name/],
    [{ action: 'unsubscribe-all', category: 'news' }, /category is only for unsubscribe-category links/],
    [{ action: 'unsubscribe-channel' }, /channel is required for unsubscribe-channel/],
    [{ action: 'unsubscribe-channel', channel: 'fax' }, /channel must be one of push, email, sms, webhook, inapp/],
    [{ action: 'manage', channel: 'email' }, /channel is only for unsubscribe-channel links/],
    [{ action: 'unsubscribe-all', expiresIn: '59s' }, /expires_in must be a duration from 1m to 365d/],
    [{ action: 'unsubscribe-all', expiresIn: '366d' }, /expires_in must be a duration from 1m to 365d/],
    [{ action: 'unsubscribe-all', expiresIn: 'soon' }, /expires_in must be a duration from 1m to 365d/],
  ];
  for (const [request, message] of rows) assert.match(await detail(service.issue('u1', request)), message, JSON.stringify(request));
  assert.deepEqual(calls, [], 'a bad request looks nothing up');

  assert.equal(await code(service.issue('ghost', { action: 'unsubscribe-category', category: 'gone' })), 40407, 'the category is checked first');
  assert.equal(await code(service.issue('ghost', { action: 'unsubscribe-category', category: 'news' })), 40406);
  assert.equal(await code(service.issue('ghost', { action: 'unsubscribe-all', expiresIn: '0s' })), 40000, 'the lifetime before the subscriber');
});

test('an issued link opens to what was asked and expires after its lifetime (the default or expires_in)', async () => {
  const { service, clock } = setup();
  const issued = await service.issue('u1', { action: 'unsubscribe-category', category: 'news' });
  assert.deepEqual(issued.link, { subscriber: 'u1', action: 'unsubscribe-category', category: 'news' });
  assert.equal(issued.expiresAt, NOW + LINK_LIFETIME_MS);
  assert.deepEqual(await service.open(issued.token), { link: issued.link, expiresAt: NOW + LINK_LIFETIME_MS });

  const short = await service.issue('u1', { action: 'unsubscribe-channel', channel: 'sms', expiresIn: '1h' });
  assert.equal(short.expiresAt, NOW + 3600_000);
  clock.advance(3600_000);
  assert.deepEqual((await service.open(short.token)).link, { subscriber: 'u1', action: 'unsubscribe-channel', channel: 'sms' });
  clock.advance(1000);
  assert.equal(await code(service.open(short.token)), 41002);
});

test('opening refuses tampered, foreign and over-long tokens before spending the bucket, then spends one per open', async () => {
  const { service, calls, sign } = setup({ bucket: 2 });
  const token = sign({ subscriber: 'u1', action: 'unsubscribe-all' });
  const foreign = signPreferenceLink(new SubscriberTokens(['f'.repeat(32)]), { subscriber: 'u1', action: 'unsubscribe-all' }, NOW);
  assert.equal(await code(service.open(`${token}x`)), 40303);
  assert.equal(await code(service.open(foreign)), 40303);
  assert.equal(await code(service.open(`${token}${'a'.repeat(2048)}`)), 40303);
  assert.deepEqual(calls, []);
  await service.open(token);
  await service.open(token);
  assert.equal(await code(service.open(token)), 42901);
  assert.deepEqual(calls, [`take u1 ${NOW}`, `take u1 ${NOW}`, `take u1 ${NOW}`]);
});

test('a click unsubscribes once: a repeat writes nothing and adds nothing to the audit log', async () => {
  const { service, calls, audits } = setup();
  const link: PreferenceLink = { subscriber: 'u1', action: 'unsubscribe-channel', channel: 'email' };
  const first = await service.apply(link, { kind: 'click' }, '203.0.113.7');
  assert.equal(first.changed, true);
  assert.equal(first.applied, 'unsubscribe-channel');
  assert.equal(first.preferences.channels.email, false);
  assert.deepEqual(audits, [{
    ctx: { actor: 'link:u1', address: '203.0.113.7' },
    action: 'preferences.unsubscribe',
    target: 'u1',
    details: { via: 'unsubscribe-channel link', action: 'unsubscribe-channel', channel: 'email' },
  }]);
  const again = await service.apply(link, { kind: 'click' }, '203.0.113.7');
  assert.deepEqual(again, { changed: false, applied: 'unsubscribe-channel', preferences: first.preferences });
  assert.equal(calls.filter((c) => c.startsWith('setPreferences')).length, 1);
  assert.equal(audits.length, 1);
});

test('a manage link: a click turns everything off, a document replaces the preferences', async () => {
  const { service, audits, prefs } = setup();
  const manage: PreferenceLink = { subscriber: 'u1', action: 'manage' };
  const click = await service.apply(manage, { kind: 'click' }, '::1');
  assert.deepEqual([click.changed, click.applied, click.preferences.enabled], [true, 'unsubscribe-all', false]);
  assert.deepEqual(audits.pop()?.details, { via: 'manage link', action: 'unsubscribe-all' });

  const doc = await service.apply(manage, { kind: 'document', document: { enabled: true, channels: { sms: false } } }, '::1');
  assert.deepEqual([doc.changed, doc.applied, doc.preferences.enabled, doc.preferences.channels.sms], [true, 'replace', true, false]);
  assert.deepEqual(prefs.get('u1'), doc.preferences);
  assert.deepEqual(audits.pop(), { ctx: { actor: 'link:u1', address: '::1' }, action: 'preferences.replace', target: 'u1', details: { via: 'manage link' } });

  // The same document again is stored (it is a replace) but changes nothing, so it is not audited.
  const same = await service.apply(manage, { kind: 'document', document: { enabled: true, channels: { sms: false } } }, '::1');
  assert.equal(same.changed, false);
  assert.equal(audits.length, 0);
});

test('a link of an erased subscriber answers 404 and writes nothing', async () => {
  const { service, prefs, calls, audits } = setup();
  prefs.delete('u1');
  const link: PreferenceLink = { subscriber: 'u1', action: 'unsubscribe-all' };
  assert.equal(await code(service.preferences(link)), 40406);
  assert.equal(await code(service.apply(link, { kind: 'click' }, '::1')), 40406);
  assert.deepEqual([calls, audits], [[], []]);
});
