import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import type { VisitorLimits } from '../../src/core/limits/visitor.js';
import { openAuth } from '../../src/main.js';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';
import { eventuallyValue } from '../helpers/wait.js';
import { startTwilioMock, type TwilioCall, type TwilioMock } from '../mocks/twilio/twilio-mock.js';
import { httpCall, type HttpAnswer, type HttpCallOptions } from '../helpers/http.js';

const FROM = '+15005550006';
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const PHIL = basic('phil', 'phil-pass');
const ANNA = basic('anna', 'anna-pass');
const ADMIN = basic('admin', 'admin-pass');

let twilio: TwilioMock;
let numberSeq = 0;
/** A number no other test uses (the mock keeps verifications per number). */
const freshNumber = () => `+1415555${String(1000 + numberSeq++).padStart(4, '0')}`;

function callFlags(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'auth-file': 'auth.db', 'auth-default-access': 'read-write', 'visitor-request-limit-exempt-hosts': '127.0.0.1,::1',
    'twilio-account': twilio.accountSid, 'twilio-auth-token': twilio.authToken, 'twilio-phone-number': FROM,
    'twilio-base-url': twilio.url, 'twilio-verify-service': twilio.verifyServiceSid, 'twilio-verify-base-url': twilio.url,
    ...extra,
  };
}

async function startWithUsers(flags: Record<string, string>, limits: Partial<VisitorLimits> = {}): Promise<TestServer> {
  const server = await startTestServer(flags, undefined, { visitorLimits: limits });
  const { config } = loadConfig({ env: {}, flags: { 'auth-file': join(server.dir, 'auth.db'), 'database-file': join(server.dir, 'herald.db') } });
  const accounts = (await openAuth(config))!;
  await accounts.auth.addUser('admin', 'admin-pass', 'admin');
  await accounts.auth.addUser('phil', 'phil-pass', 'user');
  await accounts.auth.addUser('anna', 'anna-pass', 'user');
  await accounts.close();
  return server;
}

async function call(server: TestServer, method: string, path: string, options: HttpCallOptions = {}): Promise<HttpAnswer> {
  return httpCall(server.url, method, path, options);
}

/** Verifies a number the way the web app does: ask for a code, read it off the phone, send it back. */
async function addNumber(server: TestServer, auth: string, number: string, channel = 'sms'): Promise<void> {
  const verify = await call(server, 'POST', '/v1/account/phone/verify', { auth, body: { number, channel } });
  assert.equal(verify.status, 200, verify.text);
  const code = twilio.verificationCode(number);
  assert.ok(code, 'the mock holds an open verification');
  const add = await call(server, 'PUT', '/v1/account/phone', { auth, body: { number, code } });
  assert.equal(add.status, 200, add.text);
}

/** The call the mock received for `to` after `before` calls existed. */
function callTo(to: string, seen: Set<string>): Promise<TwilioCall> {
  return eventuallyValue(`a call to ${to}`, () => [...twilio.calls.values()].find((c) => c.to === to && !seen.has(c.sid)));
}
const callSids = () => new Set(twilio.calls.keys());

before(async () => {
  twilio = await startTwilioMock({ fromNumbers: [FROM] });
});
after(() => twilio.close());

describe('phone numbers and calls', () => {
  let server: TestServer;
  before(async () => {
    server = await startWithUsers(callFlags(), { callsPerDay: 100 });
  });
  after(() => server.close());

  test('a number is verified with a code from Verify, listed on the account, and removed', async () => {
    const number = freshNumber();
    const before = twilio.requests.length;
    const verify = await call(server, 'POST', '/v1/account/phone/verify', { auth: PHIL, body: { number, channel: 'sms' } });
    assert.deepEqual([verify.status, verify.json], [200, { success: true }]);
    const sent = twilio.requests.slice(before).find((r) => r.path === `/v2/Services/${twilio.verifyServiceSid}/Verifications`);
    assert.ok(sent, 'Herald asked Verify to send a code');
    assert.equal(sent.authorization, `Basic ${Buffer.from(`${twilio.accountSid}:${twilio.authToken}`).toString('base64')}`);
    assert.deepEqual(sent.form, { To: number, Channel: 'sms' });
    const code = twilio.verificationCode(number)!;

    const wrong = await call(server, 'PUT', '/v1/account/phone', { auth: PHIL, body: { number, code: code === '000000' ? '111111' : '000000' } });
    assert.deepEqual([wrong.status, wrong.json.code], [400, 40034], 'a wrong code adds nothing');
    assert.equal((await call(server, 'GET', '/v1/account', { auth: PHIL })).json.phone_numbers, undefined);

    const add = await call(server, 'PUT', '/v1/account/phone', { auth: PHIL, body: { number, code } });
    assert.deepEqual([add.status, add.json], [200, { success: true }]);
    assert.deepEqual((await call(server, 'GET', '/v1/account', { auth: PHIL })).json.phone_numbers, [number]);
    assert.equal((await call(server, 'GET', '/v1/account', { auth: ANNA })).json.phone_numbers, undefined, "not on another user's account");

    const again = await call(server, 'POST', '/v1/account/phone/verify', { auth: PHIL, body: { number, channel: 'call' } });
    assert.deepEqual([again.status, again.json.code], [409, 40904]);
    const readd = await call(server, 'PUT', '/v1/account/phone', { auth: PHIL, body: { number, code } });
    assert.deepEqual([readd.status, readd.json.code], [409, 40904]);

    const removed = await call(server, 'DELETE', '/v1/account/phone', { auth: PHIL, body: { number } });
    assert.deepEqual([removed.status, removed.json], [200, { success: true }]);
    assert.equal((await call(server, 'GET', '/v1/account', { auth: PHIL })).json.phone_numbers, undefined);
  });

  test('a code read out by a call works too, and numbers keep the order they were added in', async () => {
    const first = freshNumber();
    const second = freshNumber();
    await addNumber(server, ANNA, first, 'call');
    assert.equal(twilio.verifications.get(first)?.channel, 'call');
    await addNumber(server, ANNA, second);
    assert.deepEqual((await call(server, 'GET', '/v1/account', { auth: ANNA })).json.phone_numbers, [first, second]);
    for (const n of [first, second]) await call(server, 'DELETE', '/v1/account/phone', { auth: ANNA, body: { number: n } });
  });

  test('an expired, used or never started verification is 410 41001', async () => {
    const number = freshNumber();
    const none = await call(server, 'PUT', '/v1/account/phone', { auth: PHIL, body: { number, code: '123456' } });
    assert.deepEqual([none.status, none.json.code], [410, 41001]);

    await call(server, 'POST', '/v1/account/phone/verify', { auth: PHIL, body: { number, channel: 'sms' } });
    const code = twilio.verificationCode(number)!;
    twilio.expireVerification(number);
    const expired = await call(server, 'PUT', '/v1/account/phone', { auth: PHIL, body: { number, code } });
    assert.deepEqual([expired.status, expired.json.code], [410, 41001]);
    assert.equal((await call(server, 'GET', '/v1/account', { auth: PHIL })).json.phone_numbers, undefined);
  });

  test('bad input to the phone routes gets ntfy\'s codes, and anonymous callers 401', async () => {
    const number = freshNumber();
    const cases: [string, string, unknown, string | undefined, number, number][] = [
      ['POST', '/v1/account/phone/verify', { number: '0151 1234', channel: 'sms' }, PHIL, 400, 40033],
      ['POST', '/v1/account/phone/verify', { channel: 'sms' }, PHIL, 400, 40033],
      ['POST', '/v1/account/phone/verify', { number, channel: 'email' }, PHIL, 400, 40036],
      ['POST', '/v1/account/phone/verify', '{"number":', PHIL, 400, 40024],
      ['POST', '/v1/account/phone/verify', { number, channel: 'sms' }, undefined, 401, 40101],
      ['PUT', '/v1/account/phone', { number: 'call-me', code: '123456' }, PHIL, 400, 40033],
      ['PUT', '/v1/account/phone', { number, code: '123456' }, undefined, 401, 40101],
      ['DELETE', '/v1/account/phone', { number: '+0' }, PHIL, 400, 40033],
      ['DELETE', '/v1/account/phone', { number }, undefined, 401, 40101],
    ];
    for (const [method, path, body, auth, status, code] of cases) {
      const r = await call(server, method, path, { ...(auth ? { auth } : {}), body });
      assert.deepEqual([r.status, r.json?.code], [status, code], `${method} ${path} ${JSON.stringify(body)}`);
    }
    assert.equal(twilio.verifications.has(number), false, 'nothing reached Verify');
  });

  test('a Verify gateway that fails is 503 50305, not a 500', async () => {
    const number = freshNumber();
    twilio.script(number, { status: 503, code: 20503, message: 'Service unavailable' });
    const r = await call(server, 'POST', '/v1/account/phone/verify', { auth: PHIL, body: { number, channel: 'sms' } });
    assert.deepEqual([r.status, r.json.code], [503, 50305]);
  });

  test('X-Call: yes rings the first verified number and reads the message out', async () => {
    const number = freshNumber();
    await addNumber(server, PHIL, number);
    const topic = randomTopic();
    const seen = callSids();
    const before = twilio.requests.length;
    const r = await call(server, 'POST', `/${topic}`, { auth: PHIL, body: 'Server <db1> is down & out', headers: { 'X-Call': 'yes', Title: 'Outage', Tags: 'warning' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.message, 'Server <db1> is down & out');
    const placed = await callTo(number, seen);
    assert.equal(placed.from, FROM);
    const request = twilio.requests.slice(before).find((q) => q.path.endsWith('/Calls.json'))!;
    assert.equal(request.authorization, `Basic ${Buffer.from(`${twilio.accountSid}:${twilio.authToken}`).toString('base64')}`);
    assert.deepEqual(Object.keys(request.form).sort(), ['From', 'To', 'Twiml']);
    // The message is in the TwiML escaped, so it is spoken, not parsed as markup.
    assert.ok(placed.twiml.includes('Server &lt;db1&gt; is down &amp; out'), placed.twiml);
    const spoken = placed.said.join(' ');
    for (const part of ['Server <db1> is down & out', topic, 'Outage', 'phil']) assert.ok(spoken.includes(part), `${part} in: ${spoken}`);
    assert.ok(placed.loops[0]! > 1, 'the message is repeated');
    await call(server, 'DELETE', '/v1/account/phone', { auth: PHIL, body: { number } });
  });

  test('a number, the Call alias and the JSON `call` field each place a call', async () => {
    const first = freshNumber();
    const second = freshNumber();
    await addNumber(server, ANNA, first);
    await addNumber(server, ANNA, second);
    const topic = randomTopic();

    let seen = callSids();
    assert.equal((await call(server, 'PUT', `/${topic}`, { auth: ANNA, body: 'to the second', headers: { 'X-Call': second } })).status, 200);
    assert.ok((await callTo(second, seen)).said.join(' ').includes('to the second'));

    seen = callSids();
    assert.equal((await call(server, 'POST', `/${topic}`, { auth: ANNA, body: 'by alias', headers: { Call: 'true' } })).status, 200);
    assert.ok((await callTo(first, seen)).said.join(' ').includes('by alias'));

    seen = callSids();
    const json = await call(server, 'POST', '/', { auth: ANNA, body: { topic, message: 'from JSON', call: second } });
    assert.equal(json.status, 200, json.text);
    assert.ok((await callTo(second, seen)).said.join(' ').includes('from JSON'));
    for (const n of [first, second]) await call(server, 'DELETE', '/v1/account/phone', { auth: ANNA, body: { number: n } });
  });

  test('a message too long for inline TwiML is cut so the call still goes', async () => {
    const number = freshNumber();
    await addNumber(server, PHIL, number);
    const seen = callSids();
    const long = 'A&B '.repeat(900).trim();
    assert.equal((await call(server, 'POST', `/${randomTopic()}`, { auth: PHIL, body: long, headers: { 'X-Call': 'yes' } })).status, 200);
    const placed = await callTo(number, seen);
    assert.ok(placed.twiml.length <= 4000, `${placed.twiml.length} characters`);
    assert.ok(placed.said.join(' ').includes('A&B A&B'), 'the start of the message is spoken');
    await call(server, 'DELETE', '/v1/account/phone', { auth: PHIL, body: { number } });
  });

  test('X-Call errors: anonymous 40035, no or another number 40034, bad value 40033, with a delay 40037', async () => {
    const mine = freshNumber();
    await addNumber(server, PHIL, mine);
    const topic = randomTopic();
    const seen = callSids();
    const cases: [string | undefined, Record<string, string>, number, number][] = [
      [undefined, { 'X-Call': 'yes' }, 400, 40035],
      [ANNA, { 'X-Call': 'yes' }, 400, 40034],
      [PHIL, { 'X-Call': freshNumber() }, 400, 40034],
      [PHIL, { 'X-Call': 'no' }, 400, 40034],
      [PHIL, { 'X-Call': 'please' }, 400, 40033],
      [PHIL, { 'X-Call': '+49 151 1234' }, 400, 40033],
      [PHIL, { 'X-Call': 'yes', 'X-Delay': '1h' }, 400, 40037],
    ];
    for (const [auth, headers, status, code] of cases) {
      const r = await call(server, 'POST', `/${topic}`, { ...(auth ? { auth } : {}), body: 'x', headers });
      assert.deepEqual([r.status, r.json?.code], [status, code], JSON.stringify(headers));
    }
    const anonymousJson = await call(server, 'POST', '/', { body: { topic, message: 'x', call: 'yes' } });
    assert.deepEqual([anonymousJson.status, anonymousJson.json.code], [400, 40035]);
    // None of them was published or rang anything.
    assert.deepEqual((await call(server, 'GET', `/${topic}/json?poll=1`)).text, '');
    assert.deepEqual([...twilio.calls.keys()].filter((sid) => !seen.has(sid)), []);
    await call(server, 'DELETE', '/v1/account/phone', { auth: PHIL, body: { number: mine } });
  });
});

describe('the daily call quota and twilio-call-format', () => {
  let server: TestServer;
  before(async () => {
    server = await startWithUsers(callFlags({
      'twilio-call-format': '<Response><Say>{{.Title}}: {{.Message}}, from {{.Sender}} on {{.Topic}}, priority {{.Priority}}, tags {{range .Tags}}{{.}} {{end}}</Say></Response>',
    }), { callsPerDay: 1 });
  });
  after(() => server.close());

  test('one call a day: the first rings with the configured TwiML, the second is 429 42910', async () => {
    const number = freshNumber();
    await addNumber(server, PHIL, number);
    const topic = randomTopic();
    const seen = callSids();
    const first = await call(server, 'POST', `/${topic}`, { auth: PHIL, body: 'Backup <failed>', headers: { 'X-Call': 'yes', Title: 'Nightly', Priority: 'high', Tags: 'a,b' } });
    assert.equal(first.status, 200, first.text);
    const placed = await callTo(number, seen);
    assert.equal(placed.twiml, `<Response><Say>Nightly: Backup &lt;failed&gt;, from phil on ${topic}, priority 4, tags a b </Say></Response>`);

    const second = await call(server, 'POST', `/${topic}`, { auth: PHIL, body: 'again', headers: { 'X-Call': 'yes' } });
    assert.deepEqual([second.status, second.json.code], [429, 42910]);
    const cached = (await call(server, 'GET', `/${topic}/json?poll=1`)).text.trim().split('\n').map((l) => JSON.parse(l).message);
    assert.deepEqual(cached, ['Backup <failed>'], 'the refused message was not published');
  });
});

describe('without a call quota', () => {
  let server: TestServer;
  before(async () => {
    server = await startWithUsers(callFlags(), { callsPerDay: 0 });
  });
  after(() => server.close());

  test('users may not add numbers (401) and calls are 429 42910; admins may add numbers', async () => {
    const number = freshNumber();
    const user = await call(server, 'POST', '/v1/account/phone/verify', { auth: PHIL, body: { number, channel: 'sms' } });
    assert.deepEqual([user.status, user.json.code], [401, 40101]);
    await addNumber(server, ADMIN, number);
    const r = await call(server, 'POST', `/${randomTopic()}`, { auth: ADMIN, body: 'x', headers: { 'X-Call': 'yes' } });
    assert.deepEqual([r.status, r.json.code], [429, 42910]);
  });
});

describe('calls not configured', () => {
  let server: TestServer;
  before(async () => {
    // Twilio for SMS only: no Verify service, so no verified numbers and no calls.
    const flags = callFlags();
    delete flags['twilio-verify-service'];
    server = await startWithUsers(flags, { callsPerDay: 100 });
  });
  after(() => server.close());

  test('the phone routes are 404 and X-Call is 400 40032', async () => {
    const number = freshNumber();
    for (const [method, path] of [['POST', '/v1/account/phone/verify'], ['PUT', '/v1/account/phone'], ['DELETE', '/v1/account/phone']] as const) {
      const r = await call(server, method, path, { auth: PHIL, body: { number, channel: 'sms', code: '123456' } });
      assert.deepEqual([r.status, r.json?.code], [404, 40401], `${method} ${path}`);
    }
    for (const auth of [PHIL, undefined]) {
      const r = await call(server, 'POST', `/${randomTopic()}`, { ...(auth ? { auth } : {}), body: 'x', headers: { 'X-Call': 'yes' } });
      assert.deepEqual([r.status, r.json.code], [400, 40032]);
    }
    assert.equal((await call(server, 'GET', '/v1/account', { auth: PHIL })).json.phone_numbers, undefined);
  });
});
