import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SmsSender } from '../../src/ports/notify-channels.js';
import { createTwilioSender, type TwilioSenderOptions } from '../../src/adapters/providers/sms/sender.js';
import { parseStatusCallback, twilioSignature, verifyTwilioSignature } from '../../src/adapters/providers/sms/status-callback.js';
import { startTwilioMock, type TwilioMock } from '../mocks/twilio/twilio-mock.js';

const FROM = '+15005550006';
const TO = '+14155550123';
let mock: TwilioMock;
const senders: SmsSender[] = [];

/** Where the mock posts status callbacks: records each with its URL, headers and decoded form. */
interface Callback {
  url: string;
  signature: string | undefined;
  form: Record<string, string>;
}
let callbackServer: Server;
let callbackUrl: string;
const callbacks: Callback[] = [];

before(async () => {
  mock = await startTwilioMock({ accountSid: 'AC' + 'a1'.repeat(16), authToken: 'auth-t0ken-that-must-not-leak', fromNumbers: [FROM], messagingServiceSids: ['MG' + 'b2'.repeat(16)] });
  callbackServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const sig = req.headers['x-twilio-signature'];
      callbacks.push({
        url: `http://${req.headers.host}${req.url}`,
        signature: Array.isArray(sig) ? sig[0] : sig,
        form: Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
  callbackUrl = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/v1/callbacks/sms?delivery=d-17`;
});
after(async () => {
  await Promise.all(senders.map((s) => s.close()));
  await mock.close();
  await new Promise<void>((resolve) => callbackServer.close(() => resolve()));
});
beforeEach(() => {
  mock.requests.length = 0;
  callbacks.length = 0;
});

function sender(extra: Partial<TwilioSenderOptions> = {}): SmsSender {
  const s = createTwilioSender({ baseUrl: mock.url, accountSid: mock.accountSid, authToken: mock.authToken, from: FROM, allowHttp: true, ...extra });
  senders.push(s);
  return s;
}

describe('Twilio sender against the Messages API mock', () => {
  test('posts the documented form with Basic auth and answers ok with the message SID', async () => {
    const outcome = await sender().send({ to: TO, body: 'Your code is 123456 €', statusCallback: callbackUrl });
    assert.equal(outcome.kind, 'ok');
    const providerId = (outcome as { providerId?: string }).providerId ?? '';
    assert.match(providerId, /^SM[0-9a-f]{32}$/);

    assert.equal(mock.requests.length, 1);
    const r = mock.requests[0]!;
    assert.equal(r.method, 'POST');
    assert.equal(r.path, `/2010-04-01/Accounts/${mock.accountSid}/Messages.json`);
    assert.equal(r.authorization, `Basic ${Buffer.from(`${mock.accountSid}:${mock.authToken}`).toString('base64')}`);
    assert.match(r.contentType ?? '', /^application\/x-www-form-urlencoded/);
    assert.deepEqual(r.form, { To: TO, From: FROM, Body: 'Your code is 123456 €', StatusCallback: callbackUrl });
    assert.equal(mock.messages.get(providerId)?.numSegments, 1);
  });

  test('a Messaging Service replaces From, and StatusCallback is only sent when given', async () => {
    const service = 'MG' + 'b2'.repeat(16);
    const outcome = await sender({ messagingServiceSid: service }).send({ to: TO, body: 'hi' });
    assert.equal(outcome.kind, 'ok');
    assert.deepEqual(mock.requests[0]!.form, { To: TO, MessagingServiceSid: service, Body: 'hi' });
  });

  test('connections are kept alive across sends', async () => {
    const s = sender();
    for (let i = 0; i < 3; i++) assert.equal((await s.send({ to: TO, body: `n${i}` })).kind, 'ok');
    assert.equal(mock.requests.length, 3);
    assert.equal(new Set(mock.requests.map((r) => r.remotePort)).size, 1, 'one connection for three sequential sends');
  });

  test('a wrong token is refused with 20003 → rejected, and the token appears nowhere in the outcome', async () => {
    const outcome = await sender({ authToken: 'wrong-secret-token' }).send({ to: TO, body: 'x' });
    assert.deepEqual(outcome, { kind: 'rejected', status: 401, reason: '20003' });
    assert.doesNotMatch(JSON.stringify(outcome), /wrong-secret-token|auth-t0ken/);
  });

  test('a From the account does not own → 21606 rejected', async () => {
    assert.deepEqual(await sender({ from: '+15005550001' }).send({ to: TO, body: 'x' }), { kind: 'rejected', status: 400, reason: '21606' });
  });

  test('a number that is not E.164 is dead before any request', async () => {
    assert.deepEqual(await sender().send({ to: '4155550123', body: 'x' }), { kind: 'invalid_token', reason: 'not_e164' });
    assert.deepEqual(await sender().send({ to: TO, body: '' }), { kind: 'rejected', reason: 'empty_body' });
    assert.equal(mock.requests.length, 0);
  });

  test('each scripted gateway error maps to its outcome', async () => {
    const s = sender();
    const cases: { to: string; answer: Parameters<TwilioMock['script']>[1]; expect: unknown }[] = [
      { to: '+14155550101', answer: { status: 400, code: 21211 }, expect: { kind: 'invalid_token', status: 400, reason: '21211' } },
      { to: '+14155550102', answer: { status: 400, code: 21614 }, expect: { kind: 'invalid_token', status: 400, reason: '21614' } },
      { to: '+14155550103', answer: { status: 400, code: 21610 }, expect: { kind: 'invalid_token', status: 400, reason: '21610' } },
      { to: '+14155550104', answer: { status: 400, code: 21612 }, expect: { kind: 'rejected', status: 400, reason: '21612' } },
      { to: '+14155550105', answer: { status: 400, code: 21408 }, expect: { kind: 'rejected', status: 400, reason: '21408' } },
      { to: '+14155550106', answer: { status: 429, code: 20429, retryAfter: '3' }, expect: { kind: 'throttled', target: 'credential', status: 429, reason: '20429', afterMs: 3_000 } },
      { to: '+14155550107', answer: { status: 429 }, expect: { kind: 'throttled', target: 'credential', status: 429 } },
      { to: '+14155550108', answer: { status: 500, code: 20500 }, expect: { kind: 'retry', status: 500, reason: '20500' } },
      { to: '+14155550109', answer: { status: 503, retryAfter: '10' }, expect: { kind: 'retry', status: 503, afterMs: 10_000 } },
    ];
    for (const c of cases) mock.script(c.to, c.answer);
    for (const c of cases) assert.deepEqual(await s.send({ to: c.to, body: 'x' }), c.expect, `${c.to} ${JSON.stringify(c.answer)}`);
    // Scripts are used up: the next send to the same number goes through.
    assert.equal((await s.send({ to: cases[0]!.to, body: 'x' })).kind, 'ok');
  });

  test('no answer in time → retry(timeout); nobody listening → retry(network); closed → retry(closed)', async () => {
    mock.script('+14155550110', { status: 500, delayMs: 500 });
    assert.deepEqual(await sender({ timeoutMs: 100 }).send({ to: '+14155550110', body: 'x' }), { kind: 'retry', reason: 'timeout' });

    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    const s = sender({ baseUrl: `http://127.0.0.1:${port}` });
    const outcome = await s.send({ to: TO, body: 'x' });
    assert.deepEqual(outcome, { kind: 'retry', reason: 'network' });

    await s.close();
    assert.deepEqual(await s.send({ to: TO, body: 'x' }), { kind: 'retry', reason: 'closed' });
  });

  test('configuration is checked up front, and errors never carry the token', () => {
    const base = { accountSid: 'AC1', authToken: 'super-secret-token', from: FROM };
    assert.throws(() => createTwilioSender({ ...base, baseUrl: 'http://gateway.local' }), /https/);
    assert.throws(() => createTwilioSender({ ...base, from: undefined }), /From/);
    assert.throws(() => createTwilioSender({ ...base, baseUrl: 'not a url' }), /valid URL/);
    for (const bad of [{ baseUrl: 'http://x' }, { from: undefined }, { baseUrl: '::' }]) {
      try {
        createTwilioSender({ ...base, ...bad });
      } catch (err) {
        assert.doesNotMatch(String((err as Error).message), /super-secret-token/);
      }
    }
  });
});

describe('Twilio status callbacks', () => {
  test('the mock posts a signed callback that Herald parses and verifies; tampering fails', async () => {
    const outcome = await sender().send({ to: TO, body: 'hello', statusCallback: callbackUrl });
    const messageSid = (outcome as { providerId: string }).providerId;

    await mock.deliver(messageSid, 'delivered');
    assert.equal(callbacks.length, 1);
    const cb = callbacks[0]!;
    assert.equal(cb.url, callbackUrl);
    assert.equal(verifyTwilioSignature(mock.authToken, cb.url, cb.form, cb.signature), true);
    assert.deepEqual(parseStatusCallback(cb.form), {
      sid: messageSid,
      status: 'delivered',
      final: true,
      addressDead: false,
      to: TO,
      from: FROM,
      accountSid: mock.accountSid,
    });

    // Any change to a parameter, the URL, the token or the signature breaks it.
    assert.equal(verifyTwilioSignature(mock.authToken, cb.url, { ...cb.form, MessageStatus: 'failed' }, cb.signature), false);
    assert.equal(verifyTwilioSignature(mock.authToken, cb.url, { ...cb.form, Extra: '' }, cb.signature), false);
    assert.equal(verifyTwilioSignature(mock.authToken, cb.url.replace('d-17', 'd-18'), cb.form, cb.signature), false);
    assert.equal(verifyTwilioSignature('another-token', cb.url, cb.form, cb.signature), false);
    const flipped = Buffer.from(cb.signature!, 'base64');
    flipped[0]! ^= 1;
    assert.equal(verifyTwilioSignature(mock.authToken, cb.url, cb.form, flipped.toString('base64')), false);
    assert.equal(verifyTwilioSignature(mock.authToken, cb.url, cb.form, undefined), false);
    assert.equal(verifyTwilioSignature(mock.authToken, cb.url, cb.form, ''), false);
    assert.equal(verifyTwilioSignature(mock.authToken, cb.url, cb.form, 'not base64 at all'), false);
  });

  test('an undelivered message carries its error code; 30005/30006 mark the number dead', async () => {
    const outcome = await sender().send({ to: TO, body: 'hello', statusCallback: callbackUrl });
    const messageSid = (outcome as { providerId: string }).providerId;
    await mock.deliver(messageSid, 'sent');
    await mock.deliver(messageSid, 'undelivered', '30005');
    assert.equal(callbacks.length, 2);
    for (const cb of callbacks) assert.equal(verifyTwilioSignature(mock.authToken, cb.url, cb.form, cb.signature), true);
    assert.deepEqual(
      [parseStatusCallback(callbacks[0]!.form), parseStatusCallback(callbacks[1]!.form)].map((r) => r && { status: r.status, final: r.final, errorCode: r.errorCode, addressDead: r.addressDead }),
      [
        { status: 'sent', final: false, errorCode: undefined, addressDead: false },
        { status: 'undelivered', final: true, errorCode: '30005', addressDead: true },
      ],
    );
  });
});

describe('Twilio signature and callback parsing (pure)', () => {
  test("Twilio's documented example signature", () => {
    const params = { CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030', To: '+18005551212' };
    const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
    assert.equal(twilioSignature('12345', url, params), '0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
    assert.equal(verifyTwilioSignature('12345', url, params, '0/KCTR6DLpKmkAf8muzZqo1nDgQ='), true);
  });

  test('a default port on either side of a proxy still verifies', () => {
    const params = { MessageSid: 'SM1', MessageStatus: 'sent' };
    const withPort = twilioSignature('tok', 'https://herald.example:443/cb?x=1', params);
    const withoutPort = twilioSignature('tok', 'https://herald.example/cb?x=1', params);
    assert.equal(verifyTwilioSignature('tok', 'https://herald.example/cb?x=1', params, withPort), true);
    assert.equal(verifyTwilioSignature('tok', 'https://herald.example:443/cb?x=1', params, withoutPort), true);
    assert.equal(verifyTwilioSignature('tok', 'https://herald.example:8443/cb?x=1', params, withoutPort), false);
  });

  test('parseStatusCallback accepts the old field names and refuses what is not a status report', () => {
    assert.deepEqual(parseStatusCallback({ SmsSid: 'SM1', SmsStatus: 'failed', ErrorCode: '30007' }), {
      sid: 'SM1',
      status: 'failed',
      errorCode: '30007',
      final: true,
      addressDead: false,
    });
    assert.deepEqual(parseStatusCallback({ MessageSid: 'SM1', MessageStatus: 'queued', ErrorCode: '' }), { sid: 'SM1', status: 'queued', final: false, addressDead: false });
    assert.equal(parseStatusCallback({ MessageStatus: 'delivered' }), undefined);
    assert.equal(parseStatusCallback({ MessageSid: 'SM1' }), undefined);
    assert.equal(parseStatusCallback({ MessageSid: 'SM1', MessageStatus: 'exploded' }), undefined);
    assert.equal(parseStatusCallback({ MessageSid: 'SM1', MessageStatus: 'constructor' }), undefined);
  });
});
