import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { twilioSignature } from '../../src/adapters/providers/sms/status-callback.js';
import { SubscriberTokens } from '../../src/core/keys/subscriber-tokens.js';
import { signPreferenceLink } from '../../src/core/notify/preference-links.js';
import { startPushRig, type PushRig } from '../helpers/push-rig.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const SECRET = 'intake-test-secret-0123456789abcdefghij';
const AUTH_TOKEN = 'twilio-auth-token-for-tests-0123';
const BASE = 'https://herald.example.test';
const TWILIO = { 'twilio-account': 'AC00000000000000000000000000000000', 'twilio-auth-token': AUTH_TOKEN, 'twilio-phone-number': '+14155550199', 'twilio-base-url': 'http://127.0.0.1:9' };
const ONE_CLICK = 'List-Unsubscribe=One-Click';
const FORM = 'application/x-www-form-urlencoded';

let rig: PushRig;
before(async () => (rig = await startPushRig({ 'base-url': BASE, 'subscriber-token-secrets': SECRET, ...TWILIO })));
after(() => rig.close());

/** A raw request (forms, HTML, no credentials): status, content type, headers and the body text. */
async function raw(url: string, method: string, body?: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  const json = res.headers.get('content-type')?.startsWith('application/json') && text.trim() ? JSON.parse(text) : undefined;
  return { status: res.status, headers: res.headers, text, json };
}

async function link(subscriber: string, body: Record<string, unknown>): Promise<{ token: string; url: string; path: string }> {
  const res = await rig.call('POST', `/v1/subscribers/${subscriber}/preference-links`, body);
  assert.equal(res.status, 200, JSON.stringify(res.json));
  return res.json;
}

const prefsOf = async (id: string) => (await rig.call('GET', `/v1/subscribers/${id}/preferences`)).json;
const linkPath = (token: string) => `${rig.server.url}/v1/preferences/${token}`;

describe('signed preference links', () => {
  before(async () => {
    assert.equal((await rig.call('PUT', '/v1/categories/marketing', { description: 'News <script>alert(1)</script> & "offers"', channels: ['email', 'push'] })).status, 200);
    assert.equal((await rig.call('PUT', '/v1/categories/orders', { description: 'Order updates', channels: ['email'] })).status, 200);
  });

  it('creates links: url under base-url, path, token, expiry; refuses bad bodies, unknown subscribers and missing scopes', async () => {
    await rig.call('PUT', '/v1/subscribers/link-1', { email: 'l1@example.com' });
    const before = Date.now();
    const made = await rig.call('POST', '/v1/subscribers/link-1/preference-links', { action: 'unsubscribe-category', category: 'marketing' });
    const after = Date.now();
    assert.equal(made.status, 200, JSON.stringify(made.json));
    assert.equal(made.json.url, `${BASE}/v1/preferences/${made.json.token}`);
    assert.equal(made.json.path, `/v1/preferences/${made.json.token}`);
    assert.match(made.json.token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    const expires = Date.parse(made.json.expires_at);
    // Sixty days from the moment the server made it, which lies between before and after.
    assert.ok(expires >= Math.floor(before / 1000) * 1000 + 60 * 86_400_000 && expires <= after + 60 * 86_400_000, made.json.expires_at);
    const short = (await rig.call('POST', '/v1/subscribers/link-1/preference-links', { action: 'manage', expires_in: '30d' })).json;
    assert.ok(Math.abs(Date.parse(short.expires_at) - (before + 30 * 86_400_000)) < 5000, short.expires_at);

    for (const [body, word] of [
      [{}, 'action'], [{ action: 'delete-everything' }, 'action must be one of'], [{ action: 'unsubscribe-category' }, 'category is required'],
      [{ action: 'unsubscribe-category', category: 'Not A Name' }, 'category must be'], [{ action: 'unsubscribe-channel' }, 'channel is required'],
      [{ action: 'unsubscribe-channel', channel: 'fax' }, 'channel must be one of'], [{ action: 'unsubscribe-all', category: 'marketing' }, 'only for unsubscribe-category'],
      [{ action: 'unsubscribe-category', category: 'marketing', channel: 'email' }, 'only for unsubscribe-channel'],
      [{ action: 'manage', expires_in: 'forever' }, 'expires_in'], [{ action: 'manage', expires_in: '400d' }, 'expires_in'], [{ action: 'manage', expires_in: '1s' }, 'expires_in'],
      [{ action: 'manage', extra: 1 }, 'extra'], ['{"action":', 'JSON'],
    ] as const) {
      const res = await rig.call('POST', '/v1/subscribers/link-1/preference-links', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.ok(res.json.error.includes(word), `${JSON.stringify(body)}: ${res.json.error}`);
    }
    assert.equal((await rig.call('POST', '/v1/subscribers/link-1/preference-links', { action: 'unsubscribe-category', category: 'no-such-category' })).json.code, 40407);
    assert.equal((await rig.call('POST', '/v1/subscribers/nobody/preference-links', { action: 'unsubscribe-all' })).json.code, 40406);
    const reader = await rig.key(['subscribers:read']);
    assert.equal((await rig.call('POST', '/v1/subscribers/link-1/preference-links', { action: 'unsubscribe-all' }, reader)).status, 403);
    assert.equal((await rig.call('POST', '/v1/subscribers/link-1/preference-links', { action: 'unsubscribe-all' }, '')).status, 401);
    const writer = await rig.key(['subscribers:write']);
    assert.equal((await rig.call('POST', '/v1/subscribers/link-1/preference-links', { action: 'unsubscribe-all' }, writer)).status, 200);
  });

  it('one-click POST with the RFC 8058 form turns the category off, keeps everything else, is idempotent and audited', async () => {
    await rig.call('PUT', '/v1/subscribers/oc-1', { email: 'oc1@example.com' });
    const doc = { enabled: true, channels: { sms: false }, categories: { marketing: { channels: { push: false } }, orders: { enabled: true } }, quiet_hours: { start: '22:00', end: '07:00' }, frequency_caps: [{ max: 5, per: '1h' }] };
    assert.equal((await rig.call('PUT', '/v1/subscribers/oc-1/preferences', doc)).status, 200);
    const { url, token } = await link('oc-1', { action: 'unsubscribe-category', category: 'marketing' });
    assert.ok(url.startsWith(BASE));

    const res = await raw(linkPath(token), 'POST', ONE_CLICK, { 'content-type': FORM });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.success, true);
    assert.equal(res.json.changed, true);
    assert.deepEqual(res.json.preferences.categories.marketing, { enabled: false, channels: { push: false } });
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const prefs = await prefsOf('oc-1');
    assert.deepEqual(prefs.categories, { marketing: { enabled: false, channels: { push: false } }, orders: { enabled: true } });
    assert.deepEqual([prefs.enabled, prefs.channels, prefs.quiet_hours, prefs.frequency_caps], [true, { sms: false }, doc.quiet_hours, doc.frequency_caps]);

    const again = await raw(linkPath(token), 'POST', ONE_CLICK, { 'content-type': FORM });
    assert.equal(again.status, 200);
    assert.equal(again.json.changed, false, 'a second click changes nothing');

    const audit = (await rig.call('GET', '/v1/audit?action=preferences.unsubscribe&actor=link:oc-1')).json;
    assert.equal(audit.length, 1, JSON.stringify(audit));
    assert.equal(audit[0].target, 'oc-1');
    assert.deepEqual(audit[0].details, { via: 'unsubscribe-category link', action: 'unsubscribe-category', category: 'marketing' });
  });

  it('each action: a channel off (empty body), everything off (JSON), multipart one-click, manage replaces the document', async () => {
    await rig.call('PUT', '/v1/subscribers/act-1', { email: 'a1@example.com' });
    const channel = await link('act-1', { action: 'unsubscribe-channel', channel: 'email' });
    const empty = await raw(linkPath(channel.token), 'POST');
    assert.equal(empty.status, 200, empty.text);
    assert.deepEqual((await prefsOf('act-1')).channels, { email: false });

    const sms = await link('act-1', { action: 'unsubscribe-channel', channel: 'sms' });
    const boundary = 'xYzZY';
    const multipart = `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`;
    assert.equal((await raw(linkPath(sms.token), 'POST', multipart, { 'content-type': `multipart/form-data; boundary=${boundary}` })).status, 200);
    assert.deepEqual((await prefsOf('act-1')).channels, { email: false, sms: false });

    const all = await link('act-1', { action: 'unsubscribe-all' });
    const json = await raw(linkPath(all.token), 'POST', '{}', { 'content-type': 'application/json' });
    assert.equal(json.status, 200, json.text);
    assert.equal((await prefsOf('act-1')).enabled, false);
    const doc = await raw(linkPath(all.token), 'POST', JSON.stringify({ enabled: true }), { 'content-type': 'application/json' });
    assert.equal(doc.status, 400, 'an unsubscribe link cannot turn things on');
    assert.match(doc.json.error, /manage link/);
    assert.equal((await raw(linkPath(all.token), 'POST', '{"enabled":', { 'content-type': 'application/json' })).status, 400);
    assert.equal((await prefsOf('act-1')).enabled, false);

    const manage = await link('act-1', { action: 'manage' });
    const replaced = await raw(linkPath(manage.token), 'POST', JSON.stringify({ enabled: true, channels: { push: false }, categories: { orders: { channels: { email: false } } } }), { 'content-type': 'application/json' });
    assert.equal(replaced.status, 200, replaced.text);
    assert.deepEqual(await prefsOf('act-1'), { enabled: true, channels: { push: false }, categories: { orders: { channels: { email: false } } }, frequency_caps: [] });
    for (const [body, type] of [['', FORM], ['', 'application/json'], ['a=b', FORM], ['hello', 'text/plain'], [JSON.stringify({ channels: { fax: true } }), 'application/json'], ['[1]', 'application/json']] as const) {
      const res = await raw(linkPath(manage.token), 'POST', body, { 'content-type': type });
      assert.equal(res.status, 400, `${type} ${body}: ${res.text}`);
      assert.equal(res.json.http, 400);
    }
    const click = await raw(linkPath(manage.token), 'POST', ONE_CLICK, { 'content-type': FORM });
    assert.equal(click.status, 200, click.text);
    assert.equal((await prefsOf('act-1')).enabled, false, 'one-click on a manage link turns everything off');
    const audit = (await rig.call('GET', '/v1/audit?actor=link:act-1')).json as { action: string }[];
    assert.deepEqual(audit.map((e) => e.action).sort(), ['preferences.replace', 'preferences.unsubscribe', 'preferences.unsubscribe', 'preferences.unsubscribe', 'preferences.unsubscribe']);
  });

  it('refuses tampered, foreign, other and expired links (403/410) and links of erased subscribers (404)', async () => {
    await rig.call('PUT', '/v1/subscribers/bad-1', { email: 'b1@example.com' });
    const { token } = await link('bad-1', { action: 'unsubscribe-all' });
    const [body, sig] = token.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ s: 'bad-1', a: 'manage', exp: 9_999_999_999 })).toString('base64url');
    const ours = new SubscriberTokens([SECRET]);
    const foreign = new SubscriberTokens(['someone-elses-secret-0123456789abcdef']);
    const cases: [string, number, number][] = [
      [`${body}.${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`, 403, 40303],
      [`${forged}.${sig}`, 403, 40303],
      ['not-a-link', 403, 40303],
      [`${body}`, 403, 40303],
      [ours.token('bad-1'), 403, 40303],
      ['x'.repeat(5000), 403, 40303],
      [signPreferenceLink(foreign, { subscriber: 'bad-1', action: 'unsubscribe-all' }, Date.now()), 403, 40303],
      [ours.signLink({ s: 'bad-1', a: 'delete' }, Date.now() + 60_000), 403, 40303],
      [ours.signLink({ s: 'bad-1', a: 'unsubscribe-category' }, Date.now() + 60_000), 403, 40303],
      [signPreferenceLink(ours, { subscriber: 'bad-1', action: 'unsubscribe-all' }, Date.now() - 10 * 86_400_000, 86_400_000), 410, 41002],
    ];
    for (const [t, status, code] of cases) {
      for (const method of ['GET', 'POST']) {
        const res = await raw(linkPath(t), method, method === 'POST' ? ONE_CLICK : undefined, method === 'POST' ? { 'content-type': FORM } : {});
        assert.equal(res.status, status, `${method} ${t.slice(0, 40)}: ${res.text}`);
        assert.equal(res.json.code, code);
      }
    }
    assert.equal((await prefsOf('bad-1')).enabled, true, 'nothing was applied');

    // Links the test signs with the server's secret work like the server's own.
    const own = signPreferenceLink(ours, { subscriber: 'bad-1', action: 'unsubscribe-channel', channel: 'push' }, Date.now());
    assert.equal((await raw(linkPath(own), 'POST')).status, 200);

    assert.equal((await rig.call('DELETE', '/v1/subscribers/bad-1')).status, 200);
    for (const method of ['GET', 'POST']) {
      const res = await raw(linkPath(token), method);
      assert.equal(res.status, 404, res.text);
      assert.equal(res.json.code, 40406);
    }
  });

  it('GET answers the action and the preferences as JSON, changes nothing, and serves an escaped HTML page to browsers', async () => {
    await rig.call('PUT', '/v1/subscribers/get-1', { email: 'g1@example.com' });
    const { token } = await link('get-1', { action: 'unsubscribe-category', category: 'marketing' });
    const json = await raw(linkPath(token), 'GET');
    assert.equal(json.status, 200, json.text);
    assert.deepEqual([json.json.subscriber, json.json.action, json.json.category, json.json.preferences.enabled], ['get-1', 'unsubscribe-category', 'marketing', true]);
    assert.ok(Date.parse(json.json.expires_at) > Date.now());
    assert.equal((await raw(linkPath(token), 'GET', undefined, { accept: 'application/json, text/html' })).json.action, 'unsubscribe-category', 'a tie goes to JSON');

    const html = await raw(linkPath(token), 'GET', undefined, { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' });
    assert.equal(html.status, 200);
    assert.match(html.headers.get('content-type')!, /^text\/html/);
    assert.match(html.headers.get('content-security-policy')!, /default-src 'none'/);
    assert.equal(html.headers.get('referrer-policy'), 'no-referrer');
    assert.ok(html.text.includes('News &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;offers&quot;'), html.text);
    assert.ok(!html.text.includes('<script'), 'no raw script from the category description');
    assert.doesNotMatch(html.text, /<(link|img|script)\b|src=|href=/i, 'self-contained');
    assert.match(html.text, /<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe<\/button><\/form>/);
    assert.equal((await prefsOf('get-1')).categories.marketing, undefined, 'GET changes nothing');

    // What the page's button sends: the one-click form, from a browser.
    const done = await raw(linkPath(token), 'POST', ONE_CLICK, { 'content-type': FORM, accept: 'text/html' });
    assert.equal(done.status, 200);
    assert.match(done.headers.get('content-type')!, /^text\/html/);
    assert.match(done.text, /You are unsubscribed/);
    assert.equal((await prefsOf('get-1')).categories.marketing.enabled, false);
    assert.match((await raw(linkPath(token), 'GET', undefined, { accept: 'text/html' })).text, /already unsubscribed/);

    const manage = await link('get-1', { action: 'manage' });
    const page = await raw(linkPath(manage.token), 'GET', undefined, { accept: 'text/html' });
    assert.match(page.text, /<th scope="row">E-mail<\/th><td>on<\/td>/);
    assert.match(page.text, /<th scope="row">News &lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; &quot;offers&quot; \(marketing\)<\/th><td>off<\/td>/);
  });
});

describe('SMS status callbacks', () => {
  const FORM_FIELDS = { MessageSid: 'SM0123456789abcdef0123456789abcdef', MessageStatus: 'delivered', AccountSid: TWILIO['twilio-account'], To: '+14155550100', From: '+14155550199' };
  const encode = (form: Record<string, string>) => new URLSearchParams(form).toString();
  const post = (server: TestServer, body: string, headers: Record<string, string>, path = '/v1/notify/sms/status') => raw(`${server.url}${path}`, 'POST', body, headers);

  it('accepts a callback signed for base-url and answers 200 whether or not a delivery matched', async () => {
    const signature = twilioSignature(AUTH_TOKEN, `${BASE}/v1/notify/sms/status`, FORM_FIELDS);
    const res = await post(rig.server, encode(FORM_FIELDS), { 'content-type': `${FORM}; charset=utf-8`, 'x-twilio-signature': signature });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { success: true, matched: false });
    const failed = { ...FORM_FIELDS, MessageStatus: 'undelivered', ErrorCode: '30005' };
    assert.equal((await post(rig.server, encode(failed), { 'content-type': FORM, 'x-twilio-signature': twilioSignature(AUTH_TOKEN, `${BASE}/v1/notify/sms/status`, failed) })).status, 200);
  });

  it('refuses bad signatures (403) and bodies that are not a status callback form (400)', async () => {
    const good = twilioSignature(AUTH_TOKEN, `${BASE}/v1/notify/sms/status`, FORM_FIELDS);
    for (const [form, headers] of [
      [FORM_FIELDS, {}],
      [FORM_FIELDS, { 'x-twilio-signature': 'not base64!' }],
      [FORM_FIELDS, { 'x-twilio-signature': twilioSignature('wrong-token', `${BASE}/v1/notify/sms/status`, FORM_FIELDS) }],
      [FORM_FIELDS, { 'x-twilio-signature': twilioSignature(AUTH_TOKEN, `${BASE}/v1/other`, FORM_FIELDS) }],
      [{ ...FORM_FIELDS, MessageStatus: 'failed' }, { 'x-twilio-signature': good }],
    ] as const) {
      const res = await post(rig.server, encode(form), { 'content-type': FORM, ...headers });
      assert.equal(res.status, 403, `${JSON.stringify(headers)}: ${res.text}`);
      assert.match(res.json.error, /X-Twilio-Signature/);
    }
    const notCallback = { AccountSid: TWILIO['twilio-account'], Body: 'hello' };
    for (const [body, type, sig] of [
      [JSON.stringify(FORM_FIELDS), 'application/json', good],
      [encode(FORM_FIELDS), 'text/plain', good],
      ['', FORM, good],
      [`${encode(FORM_FIELDS)}&MessageStatus=sent`, FORM, good],
      [encode(notCallback), FORM, twilioSignature(AUTH_TOKEN, `${BASE}/v1/notify/sms/status`, notCallback)],
    ] as const) {
      const res = await post(rig.server, body, { 'content-type': type, 'x-twilio-signature': sig });
      assert.equal(res.status, 400, `${type} ${body}: ${res.text}`);
      assert.equal(res.json.http, 400);
    }
  });

  it('without base-url checks the signature against the request\'s own URL; without Twilio answers a clear 400', async () => {
    const plain = await startTestServer({ ...TWILIO });
    try {
      const url = `${plain.url}/v1/notify/sms/status?attempt=1`;
      const res = await post(plain, encode(FORM_FIELDS), { 'content-type': FORM, 'x-twilio-signature': twilioSignature(AUTH_TOKEN, url, FORM_FIELDS) }, '/v1/notify/sms/status?attempt=1');
      assert.equal(res.status, 200, res.text);
      const stripped = await post(plain, encode(FORM_FIELDS), { 'content-type': FORM, 'x-twilio-signature': twilioSignature(AUTH_TOKEN, `${plain.url}/v1/notify/sms/status`, FORM_FIELDS) }, '/v1/notify/sms/status?attempt=1');
      assert.equal(stripped.status, 403, 'the query string is part of what Twilio signs');
    } finally {
      await plain.close();
    }
    const off = await startTestServer();
    try {
      const res = await post(off, encode(FORM_FIELDS), { 'content-type': FORM, 'x-twilio-signature': 'x' });
      assert.equal(res.status, 400);
      assert.equal(res.json.code, 40073);
      assert.match(res.json.error, /twilio-account/);
    } finally {
      await off.close();
    }
  });
});

describe('e-mail bounces and complaints', () => {
  const PATH = '/v1/notify/email/events';

  it('takes one event or a batch', async () => {
    const one = await rig.call('POST', PATH, { address: 'Gone@Example.com', type: 'bounce', reason: '550 5.1.1 no such user', message_id: '<n1_abc@herald>' });
    assert.equal(one.status, 200, JSON.stringify(one.json));
    assert.deepEqual(one.json, { accepted: 1 });
    const batch = await rig.call('POST', PATH, { events: [
      { address: 'a@example.com', type: 'bounce', permanent: false },
      { address: 'b@example.com', type: 'complaint' },
      { address: 'c@example.com', type: 'bounce', permanent: true, message_id: 'bare-id@host' },
    ] });
    assert.equal(batch.status, 200, JSON.stringify(batch.json));
    assert.deepEqual(batch.json, { accepted: 3 });
    const max = await rig.call('POST', PATH, { events: Array.from({ length: 1000 }, (_, i) => ({ address: `u${i}@example.com`, type: 'bounce', reason: 'r'.repeat(500) })) });
    assert.deepEqual(max.json, { accepted: 1000 });
  });

  it('validates strictly, naming the field and the index', async () => {
    const ok = { address: 'a@example.com', type: 'bounce' };
    for (const [body, word] of [
      [{}, 'address'], [[ok], 'body'], ['"bounce"', 'body'], [{ address: 'nope', type: 'bounce' }, 'address: must be an e-mail address'],
      [{ address: 'a@example.com' }, 'type: must be'], [{ ...ok, type: 'delivered' }, 'type: must be'],
      [{ ...ok, permanent: 'yes' }, 'permanent: must be true or false'], [{ address: 'a@example.com', type: 'complaint', permanent: true }, 'permanent: only for bounces'],
      [{ ...ok, reason: 'x'.repeat(501) }, 'reason'], [{ ...ok, reason: 5 }, 'reason'], [{ ...ok, message_id: 'has space' }, 'message_id'], [{ ...ok, message_id: '' }, 'message_id'],
      [{ ...ok, kind: 'bounce' }, 'kind: unknown field'],
      [{ events: [] }, 'events: must have 1 to 1000'], [{ events: ok }, 'events: must be a list'], [{ events: [ok], extra: 1 }, 'extra: not allowed'],
      [{ events: [ok, ok, { ...ok, address: 'x' }] }, 'events[2].address'], [{ events: [ok, 'bounce'] }, 'events[1]: must be an object'],
      [{ events: [ok, { ...ok, type: 'complaint', permanent: false }] }, 'events[1].permanent'],
      [{ events: Array.from({ length: 1001 }, () => ok) }, 'more than 1000 items'],
      ['', 'body'], ['{"address":', 'JSON'],
    ] as const) {
      const res = await rig.call('POST', PATH, body);
      assert.equal(res.status, 400, JSON.stringify(body).slice(0, 80));
      assert.ok(res.json.error.includes(word), `${JSON.stringify(body).slice(0, 80)}: ${res.json.error}`);
    }
  });

  it('needs notify:send', async () => {
    const body = { address: 'a@example.com', type: 'bounce' };
    assert.equal((await rig.call('POST', PATH, body, await rig.key(['notify:read', 'subscribers:write']))).status, 403);
    assert.equal((await rig.call('POST', PATH, body, '')).status, 401);
    assert.equal((await rig.call('POST', PATH, body, await rig.key(['notify:send']))).status, 200);
  });
});
