import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, verify } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { createApnsSender, type ApnsSenderOptions } from '../../src/adapters/providers/apns/sender.js';
import { systemClock } from '../../src/ports/clock.js';
import type { Outcome } from '../../src/ports/provider.js';
import type { PushContent, PushSender, PushTarget } from '../../src/ports/push-sender.js';
import { apnsClientCertificate } from '../mocks/apns/client-certificate.js';
import { startApnsMock, type ApnsMock, type ApnsMockOptions } from '../mocks/apns/mock.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { eventually } from '../helpers/wait.js';

const KEY_ID = 'ABC1234567';
const TEAM_ID = 'TEAM123456';
const BUNDLE = 'com.example.app';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const KEY_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const PUBLIC_PEM = publicKey.export({ type: 'spki', format: 'pem' }) as string;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const deviceToken = (n: number) => n.toString(16).padStart(64, '0');
const targets = (from: number, count: number): PushTarget[] => Array.from({ length: count }, (_, i) => ({ token: deviceToken(from + i), keys: null }));
const CONTENT: PushContent = { id: 'push-1', notification: { title: 'Shipped', body: 'On its way' }, overrides: {}, priority: 'high' };

function tokenMock(options: ApnsMockOptions = {}): Promise<ApnsMock> {
  return startApnsMock({ token: { publicKey: PUBLIC_PEM, keyId: KEY_ID, teamId: TEAM_ID }, bundleId: BUNDLE, ...options });
}

function tokenSender(mock: ApnsMock, options: Partial<ApnsSenderOptions> = {}): PushSender {
  return createApnsSender({
    app: 'default',
    baseUrl: mock.url,
    bundleId: BUNDLE,
    auth: { kind: 'token', keyPem: KEY_PEM, keyId: KEY_ID, teamId: TEAM_ID },
    ca: mock.ca,
    clock: systemClock,
    ...options,
  });
}

/** Runs body with a mock and a sender, closing both whatever happens. */
async function withSender(mockOptions: ApnsMockOptions, senderOptions: Partial<ApnsSenderOptions>, body: (mock: ApnsMock, sender: PushSender) => Promise<void>): Promise<void> {
  const mock = await tokenMock(mockOptions);
  const sender = tokenSender(mock, senderOptions);
  try {
    await body(mock, sender);
  } finally {
    await sender.close();
    await mock.close();
  }
}

function decodeJwt(authorization: string) {
  assert.match(authorization, /^bearer [\w-]+\.[\w-]+\.[\w-]+$/);
  const [h, c, s] = authorization.slice('bearer '.length).split('.') as [string, string, string];
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>,
    claims: JSON.parse(Buffer.from(c, 'base64url').toString()) as Record<string, unknown>,
    valid: verify('sha256', Buffer.from(`${h}.${c}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url')),
  };
}

function assertAllOk(outcomes: Outcome[], count: number): void {
  assert.equal(outcomes.length, count);
  const notOk = outcomes.filter((o) => o.kind !== 'ok');
  assert.deepEqual(notOk, [], 'every send succeeded');
}

/** Each device token reached the mock exactly once. */
function assertEachOnce(mock: ApnsMock, count: number): void {
  const tokens = mock.requests.map((r) => r.token);
  assert.equal(tokens.length, count, 'no request lost or duplicated');
  assert.equal(new Set(tokens).size, count);
}

describe('APNs sender: requests', () => {
  test('sends exactly the request APNs documents: path, every header, body', () =>
    withSender({}, {}, async (mock, sender) => {
      const expiresAt = Date.now() + 3_600_000;
      const push = sender.encode({
        ...CONTENT,
        notification: { title: 'Shipped', body: 'On its way', sound: 'default', badge: 1, url: 'https://shop.example/orders/42', data: { order: '42' } },
        collapseKey: 'order-42',
        expiresAt,
      });
      assert.equal(push.provider, 'apns');
      const outcomes = await sender.send(push, targets(1, 2));
      assertAllOk(outcomes, 2);
      assert.equal(mock.requests.length, 2);
      const [first, second] = mock.requests as [(typeof mock.requests)[0], (typeof mock.requests)[0]];
      assert.equal(first.method, 'POST');
      assert.equal(first.path, `/3/device/${deviceToken(1)}`);
      assert.equal(second.path, `/3/device/${deviceToken(2)}`);
      const names = Object.keys(first.headers).sort();
      assert.deepEqual(names, [':authority', ':method', ':path', ':scheme', 'apns-collapse-id', 'apns-expiration', 'apns-id', 'apns-priority', 'apns-push-type', 'apns-topic', 'authorization']);
      assert.equal(first.headers[':scheme'], 'https');
      assert.equal(first.headers[':authority'], `127.0.0.1:${mock.port}`);
      assert.equal(first.headers['apns-push-type'], 'alert');
      assert.equal(first.headers['apns-priority'], '10');
      assert.equal(first.headers['apns-topic'], BUNDLE);
      assert.equal(first.headers['apns-expiration'], String(Math.floor(expiresAt / 1000)));
      assert.equal(first.headers['apns-collapse-id'], 'order-42');
      assert.match(String(first.headers['apns-id']), UUID);
      assert.notEqual(first.headers['apns-id'], second.headers['apns-id'], 'a fresh apns-id per request');
      assert.deepEqual(outcomes, [
        { kind: 'ok', providerId: first.headers['apns-id'] },
        { kind: 'ok', providerId: second.headers['apns-id'] },
      ]);
      const jwt = decodeJwt(String(first.headers.authorization));
      assert.deepEqual(jwt.header, { alg: 'ES256', kid: KEY_ID });
      assert.deepEqual(Object.keys(jwt.claims).sort(), ['iat', 'iss']);
      assert.equal(jwt.claims.iss, TEAM_ID);
      assert.ok(jwt.valid, 'signed by the .p8 key');
      assert.deepEqual(JSON.parse(first.body), {
        aps: { alert: { title: 'Shipped', body: 'On its way' }, sound: 'default', badge: 1 },
        order: '42',
        url: 'https://shop.example/orders/42',
      });
      assert.equal(second.body, first.body);
      assert.equal(push.bytes, Buffer.byteLength(first.body));
    }));

  test('a background push goes out as background with priority 5, and a VoIP push to the .voip topic', () =>
    withSender({}, {}, async (mock, sender) => {
      await sender.send(sender.encode({ ...CONTENT, notification: { data: { sync: '1' } } }), targets(1, 1));
      await sender.send(sender.encode({ ...CONTENT, overrides: { apns: { headers: { 'apns-push-type': 'voip' } } } }), targets(2, 1));
      const [background, voip] = mock.requests;
      assert.equal(background?.headers['apns-push-type'], 'background');
      assert.equal(background?.headers['apns-priority'], '5');
      assert.deepEqual(JSON.parse(background!.body), { aps: { 'content-available': 1 }, sync: '1' });
      assert.equal(voip?.headers['apns-topic'], `${BUNDLE}.voip`);
    }));

  test('the JWT is reused across requests and renewed after ExpiredProviderToken', async () => {
    // The mock's clock runs 40 minutes ahead of Herald's: the token is fine at first, and 25
    // minutes later (still inside Herald's reuse window) APNs sees it as over an hour old.
    const clock = new ManualClock(Date.now() - 30 * 60_000);
    const mock = await tokenMock({ now: () => clock.now() + 40 * 60_000 });
    const sender = tokenSender(mock, { clock });
    try {
      const push = sender.encode(CONTENT);
      assertAllOk(await sender.send(push, targets(1, 3)), 3);
      assertAllOk(await sender.send(push, targets(4, 2)), 2);
      const first = mock.requests.map((r) => r.headers.authorization);
      assert.equal(new Set(first).size, 1, 'one JWT for every request');
      clock.advance(25 * 60_000);
      assert.deepEqual(await sender.send(push, targets(6, 1)), [{ kind: 'retry', status: 403, reason: 'ExpiredProviderToken' }]);
      assertAllOk(await sender.send(push, targets(7, 2)), 2);
      const renewed = mock.requests.slice(-2).map((r) => String(r.headers.authorization));
      assert.equal(renewed[0], renewed[1]);
      assert.notEqual(renewed[0], first[0], 'a new JWT after the expiry');
      assert.equal(decodeJwt(renewed[0]!).claims.iat, Math.floor(clock.now() / 1000));
    } finally {
      await sender.close();
      await mock.close();
    }
  });

  test('APNs answers map through the outcome table', () =>
    withSender({}, {}, async (mock, sender) => {
      const gone = Date.now() - 86_400_000;
      mock.answer(deviceToken(1), { status: 410, reason: 'Unregistered', timestamp: gone });
      mock.answer(deviceToken(2), { status: 400, reason: 'BadDeviceToken' });
      mock.answer(deviceToken(3), { status: 429, reason: 'TooManyRequests' });
      mock.answer(deviceToken(4), { status: 503, reason: 'ServiceUnavailable', retryAfter: 120 });
      mock.answer(deviceToken(5), { status: 500, reason: 'InternalServerError' }, { status: 200 });
      const outcomes = await sender.send(sender.encode(CONTENT), [...targets(1, 6), { token: 'not-hex/../x', keys: null }]);
      assert.deepEqual(outcomes.slice(0, 5), [
        { kind: 'invalid_token', status: 410, reason: 'Unregistered', since: gone },
        { kind: 'invalid_token', status: 400, reason: 'BadDeviceToken' },
        { kind: 'throttled', target: 'device', status: 429, reason: 'TooManyRequests' },
        { kind: 'retry', status: 503, reason: 'ServiceUnavailable', afterMs: 120_000 },
        { kind: 'retry', status: 500, reason: 'InternalServerError' },
      ]);
      assert.equal(outcomes[5]?.kind, 'ok');
      assert.deepEqual(outcomes[6], { kind: 'invalid_token', status: 400, reason: 'BadDeviceToken' }, 'a malformed token is never sent');
      assert.equal(mock.requests.length, 6);
      assert.equal((await sender.send(sender.encode(CONTENT), targets(5, 1)))[0]?.kind, 'ok', 'the script for a token runs out into the default');
    }));

  test('the mock checks credentials and topic as APNs does', async () => {
    const mock = await tokenMock();
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const wrongKey = tokenSender(mock, { auth: { kind: 'token', keyPem: other, keyId: KEY_ID, teamId: TEAM_ID } });
    const wrongBundle = tokenSender(mock, { bundleId: 'com.example.other' });
    try {
      assert.deepEqual(await wrongKey.send(wrongKey.encode(CONTENT), targets(1, 1)), [{ kind: 'rejected', status: 403, reason: 'InvalidProviderToken' }]);
      assert.deepEqual(await wrongBundle.send(wrongBundle.encode(CONTENT), targets(1, 1)), [{ kind: 'rejected', status: 400, reason: 'BadTopic' }]);
    } finally {
      await wrongKey.close();
      await wrongBundle.close();
      await mock.close();
    }
  });

  test('certificate auth: the TLS client certificate is the credential, no authorization header', async () => {
    const client = apnsClientCertificate();
    const mock = await startApnsMock({ clientCa: client.ca, bundleId: BUNDLE });
    const sender = tokenSender(mock, { auth: { kind: 'certificate', certPem: client.cert, keyPem: client.encryptedKey, passphrase: client.passphrase } });
    const withoutCertificate = tokenSender(mock);
    try {
      assertAllOk(await sender.send(sender.encode(CONTENT), targets(1, 2)), 2);
      assert.equal(mock.requests[0]?.headers.authorization, undefined);
      assert.deepEqual(await withoutCertificate.send(withoutCertificate.encode(CONTENT), targets(3, 1)), [{ kind: 'rejected', status: 403, reason: 'MissingProviderToken' }]);
    } finally {
      await sender.close();
      await withoutCertificate.close();
      await mock.close();
    }
  });
});

describe('APNs sender: connection behaviour', () => {
  test('SETTINGS_MAX_CONCURRENT_STREAMS 5: 200 concurrent sends never have more than 5 streams open', () =>
    withSender({ maxConcurrentStreams: 5, delayMs: 3 }, {}, async (mock, sender) => {
      const push = sender.encode(CONTENT);
      const outcomes = await Promise.all(targets(1, 200).map((t) => sender.send(push, [t])));
      assertAllOk(outcomes.flat(), 200);
      assert.equal(mock.peakConcurrentStreams, 5);
      assert.equal(mock.refusedStreams, 0, 'the client never had to be refused');
      assert.equal(mock.connectionsOpened, 1);
      assertEachOnce(mock, 200);
    }));

  test('the limit dropping to 1 mid-flight is followed at once, and every send completes', () =>
    withSender({ maxConcurrentStreams: 5, delayMs: 4 }, {}, async (mock, sender) => {
      const sending = sender.send(sender.encode(CONTENT), targets(1, 100));
      await mock.whenRequests(20);
      mock.setMaxConcurrentStreams(1);
      mock.resetPeaks();
      assertAllOk(await sending, 100);
      assert.equal(mock.peakConcurrentStreams, 1);
      // Only streams sent before the new SETTINGS reached the client may have been refused (and re-sent).
      assert.ok(mock.refusedStreams <= 5, `refused ${mock.refusedStreams}`);
      assertEachOnce(mock, 100);
      assert.equal(mock.connectionsOpened, 1);
    }));

  test('the limit dropping to 1 after each rejected push (OpenRadar 27870881) still gets every push an answer', () =>
    withSender({ maxConcurrentStreams: 10, delayMs: 2, dropToOneOnReject: true }, {}, async (mock, sender) => {
      for (let i = 1; i <= 60; i += 3) mock.answer(deviceToken(i), { status: 400, reason: 'BadDeviceToken' });
      const outcomes = await sender.send(sender.encode(CONTENT), targets(1, 60));
      outcomes.forEach((o, i) => assert.equal(o.kind, (i + 1) % 3 === 1 ? 'invalid_token' : 'ok', `target ${i + 1}`));
      assertEachOnce(mock, 60);
    }));

  test('GOAWAY after the 50th request: streams above its last-stream-id move to a new connection, none lost or repeated', () =>
    withSender({ maxConcurrentStreams: 100, delayMs: 2, goawayAfter: 50 }, {}, async (mock, sender) => {
      assertAllOk(await sender.send(sender.encode(CONTENT), targets(1, 200)), 200);
      assertEachOnce(mock, 200);
      assert.equal(mock.connectionsOpened, 2);
      const onFirst = mock.requests.filter((r) => r.session === 1);
      assert.ok(onFirst.length >= 50 && onFirst.length < 200, `first connection served ${onFirst.length}`);
      const last = Math.max(...onFirst.map((r) => r.streamId));
      assert.ok(onFirst.every((r) => r.streamId <= last));
    }));

  test('GOAWAY on demand mid-flight: every send completes exactly once', () =>
    withSender({ maxConcurrentStreams: 50, delayMs: 10 }, {}, async (mock, sender) => {
      const sending = sender.send(sender.encode(CONTENT), targets(1, 300));
      await mock.whenRequests(60);
      mock.goaway();
      assertAllOk(await sending, 300);
      assertEachOnce(mock, 300);
      assert.equal(mock.connectionsOpened, 2);
    }));

  // The timeout turns an unbounded wait into a failure; how long the bounded one takes is not asserted.
  test('APNs going away and coming back on the same port: bounded wait, backoff, then sends succeed', { timeout: 120_000 }, async () => {
    const first = await tokenMock();
    const port = first.port;
    const sender = tokenSender(first, { requestTimeoutMs: 1000 });
    let dropper: Server | undefined;
    let second: ApnsMock | undefined;
    try {
      const push = sender.encode(CONTENT);
      assertAllOk(await sender.send(push, targets(1, 1)), 1);
      await first.close();

      // While APNs is "down", every connection is accepted and dropped at once.
      let attempts = 0;
      dropper = createServer((socket) => {
        attempts++;
        socket.destroy();
      });
      await new Promise<void>((resolve) => dropper!.listen(port, '127.0.0.1', resolve));
      const started = Date.now();
      assert.deepEqual(await sender.send(push, targets(2, 1)), [{ kind: 'retry', reason: 'connect' }]);
      // Lower bounds only: it kept trying for the request's time, and did not give up at the first drop.
      const waited = Date.now() - started;
      assert.ok(waited >= 900, `failed after ${waited} ms`);
      assert.ok(attempts >= 2 && attempts <= 20, `${attempts} connection attempts in ~1 s: reconnects back off`);
      await new Promise<void>((resolve) => dropper!.close(() => resolve()));
      dropper = undefined;

      // Back on the same port: the next reconnect, once its backoff is over, finds it.
      second = await tokenMock({ port });
      let outcome: Outcome | undefined;
      await eventually('a send to succeed once APNs is back', async () => ([outcome] = await sender.send(push, targets(3, 1)), outcome?.kind === 'ok'));
      assertAllOk(await sender.send(push, targets(4, 5)), 5);
      assert.equal(second.connectionsOpened, 1);
    } finally {
      await sender.close();
      if (dropper) await new Promise<void>((resolve) => dropper!.close(() => resolve()));
      await second?.close();
    }
  });

  test('no answer within the request timeout is a retry; the connection keeps serving', () =>
    withSender({}, { requestTimeoutMs: 300 }, async (mock, sender) => {
      // The mock would answer 200 after 5 s: a timeout outcome shows the sender gave up first.
      mock.answer(deviceToken(1), { status: 200, delayMs: 5000 });
      const push = sender.encode(CONTENT);
      const outcomes = await sender.send(push, targets(1, 2));
      assert.deepEqual(outcomes[0], { kind: 'retry', reason: 'timeout' });
      assert.equal(outcomes[1]?.kind, 'ok');
      assertAllOk(await sender.send(push, targets(3, 1)), 1);
      assert.equal(mock.connectionsOpened, 1);
    }));

  test('close() resolves in-flight sends as retry; later sends too; close is idempotent', () =>
    withSender({}, {}, async (mock, sender) => {
      mock.answer(deviceToken(1), { status: 200, delayMs: 5000 });
      const push = sender.encode(CONTENT);
      const sending = sender.send(push, targets(1, 1));
      await mock.whenRequests(1);
      await sender.close();
      assert.deepEqual(await sending, [{ kind: 'retry', reason: 'closed' }]);
      assert.deepEqual(await sender.send(push, targets(2, 1)), [{ kind: 'retry', reason: 'closed' }]);
      await sender.close();
    }));

  test('send() refuses a push that another provider encoded', () =>
    withSender({}, {}, async (_mock, sender) => {
      await assert.rejects(sender.send({ provider: 'fcm', bytes: 10 }, targets(1, 1)), TypeError);
    }));
});
