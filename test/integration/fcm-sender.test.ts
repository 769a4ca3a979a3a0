import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import type { Outcome } from '../../src/ports/provider.js';
import type { PushContent, PushSender, PushTarget } from '../../src/ports/push-sender.js';
import { createFcmSender, type FcmSenderOptions } from '../../src/adapters/providers/fcm/sender.js';
import { encodeFcmPush } from '../../src/adapters/providers/fcm/encoded-push.js';
import { startFcmMock, type FcmMock } from '../mocks/fcm/mock.js';
import { testServiceAccount } from '../mocks/fcm/service-account.js';
import { freePort } from '../helpers/ports.js';
import { OffsetClock } from '../helpers/manual-clock.js';
import { eventually } from '../helpers/wait.js';

let mock: FcmMock;
const senders: PushSender[] = [];
/** Moves the clock the sender and the mock share, for expiry tests without sleeping. */
const clock = new OffsetClock();

before(async () => {
  mock = await startFcmMock({ maxConcurrentStreams: 20, clock });
});
after(async () => {
  await Promise.all(senders.map((s) => s.close()));
  await mock.close();
});
beforeEach(() => {
  mock.reset();
  clock.offsetMs = 0;
});

function sender(over: Partial<FcmSenderOptions> = {}, on: FcmMock = mock): PushSender {
  const s = createFcmSender({ app: 'default', serviceAccount: on.serviceAccount, baseUrl: on.url, ca: on.ca, clock, ...over });
  senders.push(s);
  return s;
}

function push(over: Partial<PushContent> = {}): PushContent {
  return { id: 'push-1', notification: { title: 'Shipped', body: 'On its way', data: { order: '42' } }, overrides: {}, priority: 'high', ...over };
}

const targets = (...tokens: string[]): PushTarget[] => tokens.map((token) => ({ token, keys: null }));
const tokens = (n: number, prefix = 'tok'): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

test('sends the documented request: POST /v1/projects/{id}/messages:send, Bearer token, JSON body with the token', async () => {
  const s = sender();
  const encoded = s.encode(push());
  const [outcome] = await s.send(encoded, targets('fcm-token:APA91b_x-1'));
  assert.equal(outcome!.kind, 'ok');
  assert.match((outcome as { providerId: string }).providerId, /^projects\/herald-test\/messages\/0:\d+%[0-9a-f]+$/);

  assert.equal(mock.requests.length, 1);
  const r = mock.requests[0]!;
  assert.equal(r.httpVersion, '2.0');
  assert.equal(r.method, 'POST');
  assert.equal(r.path, '/v1/projects/herald-test/messages:send');
  assert.equal(r.headers['content-type'], 'application/json');
  assert.match(String(r.headers.authorization), /^Bearer ya29\.mock\.[\w-]+$/);
  assert.equal(r.raw, encodeFcmPush(push()).body('fcm-token:APA91b_x-1', Date.now()));
  assert.deepEqual(r.message, {
    notification: { title: 'Shipped', body: 'On its way' },
    data: { order: '42' },
    android: { priority: 'HIGH' },
    apns: { headers: { 'apns-priority': '10' } },
    webpush: { headers: { Urgency: 'high' } },
    token: 'fcm-token:APA91b_x-1',
  });

  // The OAuth exchange reached the token endpoint (over HTTP/1.1) with a correct assertion.
  assert.equal(mock.tokenRequests.length, 1);
  const grant = mock.tokenRequests[0]!;
  assert.equal(grant.error, undefined);
  assert.equal(grant.form.grant_type, 'urn:ietf:params:oauth:grant-type:jwt-bearer');
  assert.equal(grant.claims!.iss, mock.serviceAccount.client_email);
  assert.equal(grant.claims!.aud, mock.tokenUrl);
});

test('one OAuth exchange for many sends; revoked tokens are replaced after a 401 and the send retried once', async () => {
  const s = sender();
  const encoded = s.encode(push());
  const first = await s.send(encoded, targets(...tokens(150)));
  assert.ok(first.every((o) => o.kind === 'ok'));
  assert.equal(mock.counters.tokensIssued, 1);

  assert.ok(mock.revokeAccessTokens() >= 1);
  const second = await s.send(encoded, targets(...tokens(60)));
  assert.ok(second.every((o) => o.kind === 'ok'), JSON.stringify(second.find((o) => o.kind !== 'ok')));
  assert.equal(mock.counters.tokensIssued, 2, 'a burst of 401s for one token fetches one new token');
  assert.equal(mock.counters.unauthorized, 60);
  assert.equal(mock.counters.sends, 150 + 60 + 60);
});

test('an access token FCM keeps refusing: exactly one retry, then a retry outcome', async () => {
  // Tokens that expire the moment they are issued, while the sender believes they last an hour.
  const expiring = await startFcmMock({ tokenLifetimeS: 0 });
  try {
    const s = sender({}, expiring);
    const [outcome] = await s.send(s.encode(push()), targets('t1'));
    assert.deepEqual(outcome, { kind: 'retry', status: 401, reason: 'UNAUTHENTICATED' });
    assert.equal(expiring.counters.sends, 2);
    assert.equal(expiring.counters.tokensIssued, 2);
    await s.close();
  } finally {
    await expiring.close();
  }
});

test('a token close to expiry is renewed before use (clock-driven), with no 401', async () => {
  const s = sender();
  const encoded = s.encode(push());
  assert.equal((await s.send(encoded, targets('a')))[0]!.kind, 'ok');
  clock.offsetMs = 56 * 60_000;
  assert.equal((await s.send(encoded, targets('b')))[0]!.kind, 'ok');
  assert.equal(mock.counters.tokensIssued, 2);
  assert.equal(mock.counters.unauthorized, 0);
  // Past the mock's own expiry of the first token, the renewed one still works.
  clock.offsetMs = 62 * 60_000;
  assert.equal((await s.send(encoded, targets('c')))[0]!.kind, 'ok');
  assert.equal(mock.counters.unauthorized, 0);
});

test('every FCM error code maps to its outcome end to end', async () => {
  mock.script('unregistered', { error: 'UNREGISTERED' });
  mock.script('bad-token', { error: 'INVALID_ARGUMENT' });
  mock.script('bad-field', { error: 'INVALID_ARGUMENT', message: "Invalid value at 'message.android.collapse_key'" });
  mock.script('mismatch', { error: 'SENDER_ID_MISMATCH' });
  mock.script('device-quota', { error: 'QUOTA_EXCEEDED', quota: 'device', retryAfter: 10 });
  mock.script('project-quota', { error: 'QUOTA_EXCEEDED', quota: 'project', retryAfter: 60 });
  mock.script('unavailable', { error: 'UNAVAILABLE', retryAfter: 3 });
  mock.script('internal', { error: 'INTERNAL' });
  mock.script('third-party', { error: 'THIRD_PARTY_AUTH_ERROR' });
  mock.script('flaky', { error: 'UNAVAILABLE' });
  const s = sender();
  const outcomes = await s.send(s.encode(push()), targets('unregistered', 'bad-token', 'bad-field', 'mismatch', 'device-quota', 'project-quota', 'unavailable', 'internal', 'third-party', 'flaky', 'bad token with spaces'));
  const expected: Outcome[] = [
    { kind: 'invalid_token', status: 404, reason: 'UNREGISTERED' },
    { kind: 'invalid_token', status: 400, reason: 'INVALID_ARGUMENT' },
    { kind: 'rejected', status: 400, reason: 'INVALID_ARGUMENT' },
    { kind: 'rejected', status: 403, reason: 'SENDER_ID_MISMATCH' },
    { kind: 'throttled', target: 'device', status: 429, reason: 'QUOTA_EXCEEDED', afterMs: 10_000 },
    { kind: 'throttled', target: 'credential', status: 429, reason: 'QUOTA_EXCEEDED', afterMs: 60_000 },
    { kind: 'retry', status: 503, reason: 'UNAVAILABLE', afterMs: 3_000 },
    { kind: 'retry', status: 500, reason: 'INTERNAL' },
    { kind: 'rejected', status: 401, reason: 'THIRD_PARTY_AUTH_ERROR' },
    { kind: 'retry', status: 503, reason: 'UNAVAILABLE' },
    // The mock, like FCM, judges the token's format itself.
    { kind: 'invalid_token', status: 400, reason: 'INVALID_ARGUMENT' },
  ];
  assert.deepEqual(outcomes, expected);
  // THIRD_PARTY_AUTH_ERROR is a 401 about Firebase's stored credential, not ours: no token refresh, no resend.
  assert.equal(mock.counters.tokensIssued, 1);
  assert.equal(mock.counters.sends, expected.length);
  // A script is a queue: once used up, the token succeeds again.
  assert.equal((await s.send(s.encode(push()), targets('flaky')))[0]!.kind, 'ok');
});

test('requests FCM itself refuses: a field value it does not know, another project', async () => {
  const s = sender();
  const [bad] = await s.send(s.encode(push({ overrides: { fcm: { message: { android: { priority: 'URGENT' } } } } })), targets('t'));
  assert.deepEqual(bad, { kind: 'rejected', status: 400, reason: 'INVALID_ARGUMENT' });
  const other = sender({ serviceAccount: { ...mock.serviceAccount, project_id: 'someone-else' } });
  const [denied] = await other.send(other.encode(push()), targets('t'));
  assert.deepEqual(denied, { kind: 'rejected', status: 403, reason: 'PERMISSION_DENIED' });
  assert.equal(mock.requests.at(-1)!.path, '/v1/projects/someone-else/messages:send');
});

test('many concurrent sends share one HTTP/2 session, within the peer stream limit', async () => {
  // Answers wait until many streams are open at once, however slowly the machine opens them.
  const release = mock.hold();
  try {
    const s = sender();
    const sending = s.send(s.encode(push()), targets(...tokens(400)));
    await eventually('many streams open at once', () => mock.counters.inFlight >= 10);
    release();
    const outcomes = await sending;
    assert.ok(outcomes.every((o) => o.kind === 'ok'));
    assert.equal(mock.counters.sessions, 1);
    assert.equal(mock.counters.sends, 400);
    assert.ok(mock.counters.maxInFlight <= 20, `at most the announced 20 streams at once, saw ${mock.counters.maxInFlight}`);
    assert.ok(mock.counters.maxInFlight >= 10, `streams are multiplexed, saw ${mock.counters.maxInFlight}`);
  } finally {
    release();
  }
});

test('transport failures are retry outcomes: refused connection, reset stream, timeout, unreachable token endpoint', async () => {
  const closedPort = await freePort();
  const down = sender({ baseUrl: `https://127.0.0.1:${closedPort}`, requestTimeoutMs: 1_000 });
  const [refused] = await down.send(down.encode(push()), targets('t'));
  assert.deepEqual(refused, { kind: 'retry', reason: 'transport connect' });

  mock.script('reset', { reset: true });
  mock.script('slow', { delayMs: 3_000 });
  const s = sender({ requestTimeoutMs: 400 });
  const outcomes = await s.send(s.encode(push()), targets('reset', 'slow', 'fine'));
  assert.deepEqual(outcomes, [{ kind: 'retry', reason: 'transport reset' }, { kind: 'retry', reason: 'transport timeout' }, { kind: 'ok', providerId: (outcomes[2] as { providerId: string }).providerId }]);

  const noTokens = sender({ serviceAccount: { ...mock.serviceAccount, token_uri: `https://127.0.0.1:${closedPort}/token` } });
  assert.deepEqual(await noTokens.send(noTokens.encode(push()), targets('t')), [{ kind: 'retry', reason: 'oauth token unavailable' }]);
});

test('the mock refuses an assertion signed by a key it does not know', async () => {
  const stranger = testServiceAccount(mock.tokenUrl).account;
  const s = sender({ serviceAccount: stranger });
  assert.deepEqual(await s.send(s.encode(push()), targets('t')), [{ kind: 'retry', reason: 'oauth token unavailable' }]);
  assert.equal(mock.tokenRequests[0]!.error, 'invalid_grant');
  mock.addAccount(stranger.client_email, testServiceAccount(mock.tokenUrl).publicKeyPem);
  const forged = sender({ serviceAccount: stranger });
  assert.deepEqual(await forged.send(forged.encode(push()), targets('t')), [{ kind: 'retry', reason: 'oauth token unavailable' }]);
  assert.equal(mock.tokenRequests[1]!.error, 'invalid_grant', 'the signature is checked against the registered public key');
  assert.equal(mock.counters.sends, 0);
});

test('ttl is computed from expiresAt when each request goes out (injected clock)', async () => {
  const s = sender();
  // Half a second of slack so the few real milliseconds this test takes do not change whole seconds.
  const encoded = s.encode(push({ expiresAt: clock.now() + 600_500 }));
  clock.offsetMs = 120_000;
  await s.send(encoded, targets('a'));
  clock.offsetMs = 301_000;
  await s.send(encoded, targets('b'));
  const ttls = mock.requests.map((r) => [(r.message!.android as { ttl: string }).ttl, ((r.message!.webpush as { headers: Record<string, string> }).headers).TTL]);
  assert.deepEqual(ttls, [['480s', '480'], ['299s', '299']]);
});

test('close: in-flight sends resolve as retry, later sends too, and close is idempotent', async () => {
  const release = mock.hold();
  try {
    const s = sender();
    const pending = s.send(s.encode(push()), targets('x', 'y'));
    await eventually('both sends at the mock', () => mock.counters.inFlight >= 2);
    await Promise.all([s.close(), s.close()]);
    const outcomes = await pending;
    assert.ok(outcomes.every((o) => o.kind === 'retry'), JSON.stringify(outcomes));
    assert.deepEqual(await s.send(s.encode(push()), targets('z')), [{ kind: 'retry', reason: 'sender closed' }]);
  } finally {
    release();
  }
});

test('the mock answers in Google error shape over HTTP/2, and over HTTP/1.1 too', async () => {
  const s = sender();
  await s.send(s.encode(push()), targets('warm-up'));
  const authorization = String(mock.requests[0]!.headers.authorization);
  mock.script('gone', { error: 'UNREGISTERED' }, { error: 'UNREGISTERED' });
  const body = JSON.stringify({ message: { token: 'gone', data: { a: 'b' } } });
  const path = `/v1/projects/${mock.project}/messages:send`;

  const session = connect(mock.url, { ca: mock.ca });
  const h2 = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = session.request({ ':method': 'POST', ':path': path, authorization, 'content-type': 'application/json' });
    let status = 0;
    let text = '';
    req.on('response', (h) => (status = Number(h[':status'])));
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => resolve({ status, text }));
    req.on('error', reject);
    req.end(body);
  });
  session.close();
  assert.equal(h2.status, 404);
  assert.deepEqual(JSON.parse(h2.text), {
    error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND', details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'UNREGISTERED' }] },
  });

  const h1 = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = httpsRequest(`${mock.url}${path}`, { method: 'POST', ca: mock.ca, headers: { authorization, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
  assert.equal(h1.status, 404);
  assert.equal(JSON.parse(h1.text).error.details[0].errorCode, 'UNREGISTERED');
  assert.equal(mock.requests.at(-1)!.httpVersion, '1.1');
});

