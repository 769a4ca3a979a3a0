import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../src/ports/clock.js';
import type { PushContent, PushSender, PushTarget } from '../../src/ports/push-sender.js';
import { createHmsSender, type HmsSenderOptions } from '../../src/adapters/providers/hms/sender.js';
import { startHmsMock, type HmsMock } from '../mocks/hms/hms-mock.js';

let mock: HmsMock;
const senders: PushSender[] = [];

before(async () => {
  mock = await startHmsMock({ appId: '104857600', clientId: '104857600', clientSecret: 'c1ient-s3cret' });
});
after(async () => {
  await Promise.all(senders.map((s) => s.close()));
  await mock.close();
});
beforeEach(() => {
  mock.requests.length = 0;
  mock.tokenRequests.length = 0;
});

function sender(extra: Partial<HmsSenderOptions> = {}): PushSender {
  const s = createHmsSender({
    app: 'default',
    appId: mock.appId,
    clientId: mock.clientId,
    clientSecret: mock.clientSecret,
    baseUrl: mock.url,
    tokenUrl: mock.tokenUrl,
    ca: mock.ca,
    clock: systemClock,
    ...extra,
  });
  senders.push(s);
  return s;
}

const targets = (...tokens: string[]): PushTarget[] => tokens.map((token) => ({ token, keys: null }));
const content = (extra: Partial<PushContent> = {}): PushContent => ({
  id: 'push-7',
  notification: { title: 'Shipped', body: 'On its way', url: 'https://shop.example/o/7', data: { order: '7' } },
  overrides: {},
  priority: 'high',
  ...extra,
});

describe('HMS sender against the Push Kit mock', () => {
  test('sends the documented request: app id in the path, bearer token, {validate_only, message{…, token[]}}', async () => {
    const s = sender();
    const push = s.encode(content({ expiresAt: Date.now() + 3_600_000 }));
    const outcomes = await s.send(push, targets('tok-a', 'tok-b'));
    assert.equal(outcomes.length, 2);
    for (const o of outcomes) {
      assert.equal(o.kind, 'ok');
      assert.match((o as { providerId?: string }).providerId ?? '', /^\d+$/, 'the requestId');
    }

    assert.equal(mock.tokenRequests.length, 1);
    assert.deepEqual(mock.tokenRequests[0]!.form, { grant_type: 'client_credentials', client_id: mock.clientId, client_secret: mock.clientSecret });
    assert.equal(mock.requests.length, 1);
    const req = mock.requests[0]!;
    assert.equal(req.path, `/v1/${mock.appId}/messages:send`);
    assert.match(req.authorization ?? '', /^Bearer hms-/);
    assert.match(req.contentType ?? '', /^application\/json/);
    const message = req.body.message as Record<string, unknown> & { android: Record<string, unknown> };
    assert.equal(req.body.validate_only, false);
    assert.deepEqual(message.token, ['tok-a', 'tok-b']);
    assert.equal(message.data, '{"order":"7"}');
    assert.equal(message.android.urgency, 'HIGH');
    assert.match(message.android.ttl as string, /^(3599|3600)s$/);
    assert.deepEqual(message.android.notification, { title: 'Shipped', body: 'On its way', click_action: { type: 2, url: 'https://shop.example/o/7' } });
  });

  test('the token is fetched once, then renewed and the request repeated after 80200003', async () => {
    const s = sender();
    const push = s.encode(content());
    for (let i = 0; i < 3; i++) assert.deepEqual((await s.send(push, targets(`t${i}`))).map((o) => o.kind), ['ok']);
    assert.equal(mock.tokenRequests.length, 1, 'cached across sends');
    const firstAuth = mock.requests[0]!.authorization;

    mock.expireTokens();
    const before = mock.counters.sendRequests;
    assert.deepEqual((await s.send(push, targets('t9'))).map((o) => o.kind), ['ok']);
    assert.equal(mock.counters.sendRequests - before, 2, 'refused once (80200003), then accepted');
    assert.equal(mock.tokenRequests.length, 2);
    assert.notEqual(mock.requests.at(-1)!.authorization, firstAuth);
  });

  test('80200001 renews the token once; a second refusal is rejected, and bad credentials never reach Push Kit', async () => {
    const s = sender();
    const push = s.encode(content());
    await s.send(push, targets('x'));
    mock.revokeTokens();
    assert.deepEqual((await s.send(push, targets('x'))).map((o) => o.kind), ['ok'], 'renewed and repeated');

    mock.respondNext({ status: 401, code: '80200001', msg: 'Oauth authentication error' }, { status: 401, code: '80200001', msg: 'Oauth authentication error' });
    assert.deepEqual(await s.send(push, targets('x')), [{ kind: 'rejected', status: 401, reason: '80200001' }]);

    const wrong = sender({ clientSecret: 'nope' });
    const sendsBefore = mock.counters.sendRequests;
    assert.deepEqual(await wrong.send(wrong.encode(content()), targets('x', 'y')), [
      { kind: 'retry', reason: 'oauth_token_unavailable' },
      { kind: 'retry', reason: 'oauth_token_unavailable' },
    ]);
    assert.equal(mock.counters.sendRequests, sendsBefore);
  });

  test('1,500 targets go out as requests of 1000 and 500 tokens, one outcome per target in order', async () => {
    const s = sender();
    const tokens = Array.from({ length: 1500 }, (_, i) => `tok-${i}`);
    mock.script('tok-1234', 'illegal');
    const outcomes = await s.send(s.encode(content()), targets(...tokens));
    assert.equal(outcomes.length, 1500);
    assert.deepEqual(mock.requests.map((r) => r.tokens.length).sort((a, b) => b - a), [1000, 500]);
    assert.deepEqual([...mock.requests.flatMap((r) => r.tokens)].sort(), [...tokens].sort());
    assert.equal(outcomes[1234]!.kind, 'invalid_token');
    assert.equal(outcomes.filter((o) => o.kind === 'ok').length, 1499);
  });

  test('a partial success (80100000) invalidates exactly the illegal tokens', async () => {
    const s = sender();
    mock.script('bad-1', 'illegal');
    mock.script('bad-2', 'illegal');
    const outcomes = await s.send(s.encode(content()), targets('good-1', 'bad-1', 'good-2', 'bad-2'));
    assert.deepEqual(outcomes.map((o) => o.kind), ['ok', 'invalid_token', 'ok', 'invalid_token']);
    assert.deepEqual(outcomes[1], { kind: 'invalid_token', status: 200, reason: 'illegal_token' });
    // The script is used up: the next request takes them again.
    assert.deepEqual((await s.send(s.encode(content()), targets('bad-1'))).map((o) => o.kind), ['ok']);
  });

  test('every token invalid (80300007) invalidates all of them', async () => {
    const s = sender();
    mock.script('dead-1', 'illegal');
    mock.script('dead-2', 'illegal');
    assert.deepEqual(await s.send(s.encode(content()), targets('dead-1', 'dead-2')), [
      { kind: 'invalid_token', status: 400, reason: '80300007' },
      { kind: 'invalid_token', status: 400, reason: '80300007' },
    ]);
  });

  test('503 flow control backs the app off for Retry-After; other 5xx are retried', async () => {
    const s = sender();
    const push = s.encode(content());
    mock.respondNext({ status: 503, retryAfter: '7' });
    assert.deepEqual(await s.send(push, targets('a', 'b')), [
      { kind: 'throttled', target: 'credential', status: 503, afterMs: 7000 },
      { kind: 'throttled', target: 'credential', status: 503, afterMs: 7000 },
    ]);
    mock.respondNext({ status: 500, code: '81000001', msg: 'System inner error', retryAfter: '2' });
    assert.deepEqual(await s.send(push, targets('a')), [{ kind: 'retry', status: 500, reason: '81000001', afterMs: 2000 }]);
    assert.deepEqual((await s.send(push, targets('a'))).map((o) => o.kind), ['ok'], 'and then it goes through');
  });

  test('a message the mock finds malformed (80100003), sensitive content (80100016) and another app id are rejected', async () => {
    const s = sender();
    const loud = s.encode(content({ overrides: { hms: { message: { android: { urgency: 'LOUD' } } } } }));
    assert.deepEqual(await s.send(loud, targets('a')), [{ kind: 'rejected', status: 400, reason: '80100003' }]);
    mock.respondNext({ status: 400, code: '80100016', msg: 'sensitive' });
    assert.deepEqual(await s.send(s.encode(content()), targets('a')), [{ kind: 'rejected', status: 400, reason: '80100016' }]);
    const other = sender({ appId: '999' });
    assert.deepEqual(await other.send(other.encode(content()), targets('a')), [{ kind: 'rejected', status: 403, reason: '80300002' }]);
  });

  test('connections are kept alive across sends', async () => {
    const s = sender({ maxSockets: 2 });
    const push = s.encode(content());
    const before = mock.counters.connections;
    for (let i = 0; i < 5; i++) await Promise.all([s.send(push, targets('a')), s.send(push, targets('b'))]);
    assert.ok(mock.counters.connections - before <= 2, `opened ${mock.counters.connections - before} connections for 10 requests`);
  });

  test('a slow answer is a retry after requestTimeoutMs; a closed sender answers retry', async () => {
    const s = sender({ requestTimeoutMs: 150 });
    const push = s.encode(content());
    await s.send(push, targets('warm'));
    mock.setDelay(1000);
    try {
      // The mock would answer (ok) after a second: a timeout outcome shows the sender gave up first.
      assert.deepEqual(await s.send(push, targets('a', 'b')), [
        { kind: 'retry', reason: 'timeout' },
        { kind: 'retry', reason: 'timeout' },
      ]);
    } finally {
      mock.setDelay(0);
    }
    await s.close();
    await s.close();
    assert.deepEqual(await s.send(push, targets('a')), [{ kind: 'retry', reason: 'closed' }]);
  });

  test('a push encoded by another provider is rejected, not sent', async () => {
    const s = sender();
    const before = mock.counters.sendRequests;
    assert.deepEqual(await s.send({ provider: 'fcm', bytes: 1 }, targets('a')), [{ kind: 'rejected', reason: 'not_an_hms_push' }]);
    assert.deepEqual(await s.send(s.encode(content()), []), []);
    assert.equal(mock.counters.sendRequests, before);
  });
});
