import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyLinkAction, clickAction, isOneClick, readLinkPost, type LinkPostBody } from '../../src/core/notify/preference-link-actions.js';
import type { PreferenceLink } from '../../src/core/notify/preference-links.js';
import type { PreferencesJson } from '../../src/core/notify/preferences/index.js';
import { HeraldError } from '../../src/errors/index.js';

const FORM = 'application/x-www-form-urlencoded';
const MULTIPART = 'multipart/form-data';
const ALL: PreferenceLink = { subscriber: 'u1', action: 'unsubscribe-all' };
const CATEGORY: PreferenceLink = { subscriber: 'u1', action: 'unsubscribe-category', category: 'news' };
const CHANNEL: PreferenceLink = { subscriber: 'u1', action: 'unsubscribe-channel', channel: 'email' };
const MANAGE: PreferenceLink = { subscriber: 'u1', action: 'manage' };

const multipart = (name: string, value: string, headers = '') =>
  `--b\r\nContent-Disposition: form-data; name=${name}\r\n${headers}\r\n${value}\r\n--b--\r\n`;

/** A body whose JSON parse is counted, so a test sees whether the rules asked for it. */
function body(mediaType: string, raw: string): LinkPostBody & { parses: number } {
  const b = {
    mediaType,
    raw,
    parses: 0,
    json() {
      b.parses += 1;
      return JSON.parse(raw) as unknown;
    },
  };
  return b;
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof HeraldError);
    assert.equal(err.code, 40000);
    return err.message;
  }
  assert.fail('expected a 400');
}

test('RFC 8058 one-click is List-Unsubscribe=One-Click, as a form or a one-field multipart form', () => {
  const rows: [string, string, boolean][] = [
    [FORM, 'List-Unsubscribe=One-Click', true],
    [FORM, 'List-Unsubscribe=One-Click&extra=1', true],
    [FORM, 'List-Unsubscribe=one-click', false],
    [FORM, 'List-Unsubscribe=', false],
    [FORM, 'Unsubscribe=One-Click', false],
    [FORM, '', false],
    [MULTIPART, multipart('"List-Unsubscribe"', 'One-Click'), true],
    [MULTIPART, multipart('List-Unsubscribe', 'One-Click'), true],
    [MULTIPART, multipart('"List-Unsubscribe"', 'One-Click', 'Content-Type: text/plain\r\n'), true],
    [MULTIPART, multipart('"List-Unsubscribe"', 'One-Click').replace(/\r\n/g, '\n'), true],
    [MULTIPART, multipart('"List-Unsubscribe"', 'Subscribe'), false],
    [MULTIPART, multipart('"Other"', 'One-Click'), false],
    [MULTIPART, '', false],
  ];
  for (const [type, raw, expected] of rows) assert.equal(isOneClick(raw, type), expected, `${type} ${JSON.stringify(raw)}`);
});

test('an unsubscribe link takes an empty body, any form, or JSON holding at most List-Unsubscribe: all are a click', () => {
  for (const link of [ALL, CATEGORY, CHANNEL]) {
    for (const [type, raw] of [['', ''], [FORM, 'List-Unsubscribe=One-Click'], [FORM, 'anything=else'], [MULTIPART, 'not even multipart'], ['text/plain', 'hello'],
      ['application/json', ''], ['application/json', '{}'], ['application/json', '{"List-Unsubscribe":"One-Click"}'], ['', ' {}'], ['application/merge-patch+json', '{}']] as const) {
      assert.deepEqual(readLinkPost(link, body(type, raw)), { kind: 'click' }, `${link.action} ${type} ${raw}`);
    }
  }
  // Forms and text are never parsed as JSON: a mail client's body is not ours to judge.
  const form = body(FORM, '{"enabled": true}');
  readLinkPost(ALL, form);
  assert.equal(form.parses, 0);
});

test('an unsubscribe link refuses a preferences document or any other JSON, naming what it would have taken', () => {
  assert.match(refusal(() => readLinkPost(CATEGORY, body('application/json', '{"enabled":true}'))), /only applies unsubscribe-category; it takes no enabled \(a preferences document needs a manage link\)/);
  assert.match(refusal(() => readLinkPost(ALL, body('', '{"List-Unsubscribe":"One-Click","channels":{}}'))), /it takes no channels/);
  for (const raw of ['[]', '"One-Click"', 'null', '1']) {
    assert.match(refusal(() => readLinkPost(ALL, body('application/json', raw))), /body must be empty, the one-click form or a JSON object/, raw);
  }
  // A body that does not parse is the HTTP face's refusal, passed through as it threw it.
  assert.throws(() => readLinkPost(ALL, body('application/json', '{')), SyntaxError);
});

test('a manage link takes a preferences document as JSON, or the one-click form; nothing else', () => {
  const doc = body('application/json', '{"enabled":false}');
  assert.deepEqual(readLinkPost(MANAGE, doc), { kind: 'document', document: { enabled: false } });
  assert.equal(doc.parses, 1);
  assert.deepEqual(readLinkPost(MANAGE, body('', '{"enabled":true}')), { kind: 'document', document: { enabled: true } }, 'no media type, but JSON-looking');
  assert.deepEqual(readLinkPost(MANAGE, body(FORM, 'List-Unsubscribe=One-Click')), { kind: 'click' });
  assert.deepEqual(readLinkPost(MANAGE, body(MULTIPART, multipart('"List-Unsubscribe"', 'One-Click'))), { kind: 'click' });
  assert.match(refusal(() => readLinkPost(MANAGE, body('', ''))), /a manage link takes a preferences document \(JSON\) or the one-click form/);
  assert.match(refusal(() => readLinkPost(MANAGE, body('application/json', '  \n'))), /a manage link takes a preferences document \(JSON\) or the one-click form/);
  assert.match(refusal(() => readLinkPost(MANAGE, body(FORM, 'enabled=false'))), /takes a form only as the one-click List-Unsubscribe=One-Click/);
  assert.match(refusal(() => readLinkPost(MANAGE, body(MULTIPART, multipart('"enabled"', 'false')))), /takes a form only as the one-click/);
  assert.match(refusal(() => readLinkPost(MANAGE, body('text/plain', '{"enabled":false}'))), /takes a preferences document as application\/json/);
});

const PREFS: PreferencesJson = {
  enabled: true,
  channels: { sms: false },
  categories: { news: { channels: { push: false } }, promo: { enabled: false } },
  frequency_caps: [],
};

test('each action turns exactly its own switch off and keeps everything else', () => {
  assert.deepEqual(applyLinkAction(PREFS, 'unsubscribe-all', ALL), { ...PREFS, enabled: false });
  assert.deepEqual(applyLinkAction(PREFS, 'unsubscribe-channel', CHANNEL), { ...PREFS, channels: { sms: false, email: false } });
  assert.deepEqual(applyLinkAction(PREFS, 'unsubscribe-category', CATEGORY),
    { ...PREFS, categories: { news: { channels: { push: false }, enabled: false }, promo: { enabled: false } } }, 'the category keeps its channel switches');
  const fresh = applyLinkAction(PREFS, 'unsubscribe-category', { ...CATEGORY, category: 'billing' });
  assert.deepEqual(fresh.categories.billing, { enabled: false }, 'a category without settings gets one');
  // Object.prototype names are categories like any other, not inherited settings.
  assert.deepEqual(applyLinkAction(PREFS, 'unsubscribe-category', { ...CATEGORY, category: 'constructor' }).categories.constructor, { enabled: false });
  assert.deepEqual(PREFS.channels, { sms: false }, 'the input is not changed');
});

test('an action already in effect returns the same object, so nothing is written or audited', () => {
  const off = { ...PREFS, enabled: false };
  assert.equal(applyLinkAction(off, 'unsubscribe-all', ALL), off);
  assert.equal(applyLinkAction(PREFS, 'unsubscribe-channel', { ...CHANNEL, channel: 'sms' }), PREFS);
  assert.equal(applyLinkAction(PREFS, 'unsubscribe-category', { ...CATEGORY, category: 'promo' }), PREFS);
  assert.equal(applyLinkAction(PREFS, 'manage', MANAGE), PREFS);
});

test('a click on a manage link unsubscribes from everything; other links apply their own action', () => {
  assert.equal(clickAction(MANAGE), 'unsubscribe-all');
  assert.equal(clickAction(ALL), 'unsubscribe-all');
  assert.equal(clickAction(CATEGORY), 'unsubscribe-category');
  assert.equal(clickAction(CHANNEL), 'unsubscribe-channel');
});
