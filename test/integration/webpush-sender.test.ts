import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../src/ports/clock.js';
import type { PushContent, PushSender, PushTarget } from '../../src/ports/push-sender.js';
import { generateVapidKeys, type VapidKeys } from '../../src/adapters/providers/webpush/vapid.js';
import { DEFAULT_WEB_PUSH_ENDPOINTS, createWebPushSender, type WebPushSenderOptions } from '../../src/adapters/providers/webpush/sender.js';
import { startWebPushMock, type MockSubscription, type WebPushMock } from '../mocks/webpush/webpush-mock.js';

let mock: WebPushMock;
let vapid: VapidKeys;
const senders: PushSender[] = [];
const SUBJECT = 'mailto:ops@herald.example';

before(async () => {
  mock = await startWebPushMock();
  vapid = generateVapidKeys();
});
after(async () => {
  await Promise.all(senders.map((s) => s.close()));
  await mock.close();
});
beforeEach(() => {
  mock.messages.length = 0;
  mock.answers.length = 0;
});

function sender(extra: Partial<WebPushSenderOptions> = {}, outbound: Partial<WebPushSenderOptions['outbound']> = {}): PushSender {
  const s = createWebPushSender({
    app: 'default',
    vapid: { ...vapid, subject: SUBJECT },
    outbound: { allowHttp: true, allowedHosts: ['127.0.0.1'], endpointAllowlist: [...DEFAULT_WEB_PUSH_ENDPOINTS, '127.0.0.1'], ...outbound },
    clock: systemClock,
    ...extra,
  });
  senders.push(s);
  return s;
}

const target = (sub: Pick<MockSubscription, 'endpoint' | 'keys'>): PushTarget => ({ token: sub.endpoint, keys: sub.keys });
const content = (extra: Partial<PushContent> = {}): PushContent => ({
  id: 'push-9',
  notification: { title: 'Backup done', body: '42 GB in 3 min', url: 'https://nas.example/backups', data: { run: '81' } },
  overrides: {},
  priority: 'normal',
  ...extra,
});

describe('Web Push sender against the push-service mock', () => {
  test('the mock decrypts exactly the payload Herald encoded, for each subscription', async () => {
    const s = sender();
    const subs = [mock.createSubscription({ applicationServerKey: vapid.publicKey }), mock.createSubscription()];
    const push = s.encode(content());
    const outcomes = await s.send(push, subs.map(target));
    for (const o of outcomes) {
      assert.equal(o.kind, 'ok');
      assert.match((o as { providerId?: string }).providerId ?? '', new RegExp(`^${mock.url}/message/`));
    }
    assert.equal(mock.messages.length, 2);
    const expected = { id: 'push-9', title: 'Backup done', body: '42 GB in 3 min', url: 'https://nas.example/backups', data: { run: '81' } };
    for (const m of mock.messages) assert.deepEqual(JSON.parse(m.plaintext.toString('utf8')), expected);
    assert.deepEqual(new Set(mock.messages.map((m) => m.subscription)), new Set(subs.map((x) => x.id)));
  });

  test('VAPID: ES256 JWT with aud = the endpoint origin, exp within 24 h, our subject; one JWT per origin', async () => {
    const s = sender();
    const verifiedBefore = mock.counters.vapidVerifications;
    const subs = [mock.createSubscription(), mock.createSubscription(), mock.createSubscription()];
    await s.send(s.encode(content()), subs.map(target));
    await s.send(s.encode(content({ id: 'again' })), subs.slice(0, 1).map(target));
    const nowS = Date.now() / 1000;
    for (const m of mock.messages) {
      assert.equal(m.vapid.aud, mock.url);
      assert.equal(m.vapid.sub, SUBJECT);
      assert.equal(m.vapid.key, vapid.publicKey);
      assert.ok(m.vapid.exp > nowS && m.vapid.exp <= nowS + 24 * 3600);
    }
    assert.equal(new Set(mock.messages.map((m) => m.vapid.jwt)).size, 1, 'the cached JWT is reused for the same origin');
    assert.equal(mock.counters.vapidVerifications - verifiedBefore, 1);
  });

  test('a subscription bound to another VAPID key refuses the push (403 → rejected)', async () => {
    const s = sender();
    const sub = mock.createSubscription({ applicationServerKey: generateVapidKeys().publicKey });
    assert.deepEqual(await s.send(s.encode(content()), [target(sub)]), [{ kind: 'rejected', status: 403, reason: 'vapid_forbidden' }]);
  });

  test('TTL, Urgency and Topic headers follow expiresAt, priority and the collapse key', async () => {
    const s = sender();
    const sub = mock.createSubscription();
    await s.send(s.encode(content({ priority: 'high', collapseKey: 'backup-81', expiresAt: Date.now() + 3_600_000 })), [target(sub)]);
    await s.send(s.encode(content()), [target(sub)]);
    await s.send(s.encode(content({ collapseKey: 'not a topic', overrides: { webpush: { urgency: 'very-low', ttl: 90 } } })), [target(sub)]);
    const seen = mock.messages.map((m) => ({ ttl: m.ttl, urgency: m.urgency, topic: m.topic }));
    assert.ok(seen[0]!.ttl === 3600 || seen[0]!.ttl === 3599, `TTL ${seen[0]!.ttl}`);
    assert.deepEqual(seen, [
      { ttl: seen[0]!.ttl, urgency: 'high', topic: 'backup-81' },
      { ttl: 28 * 24 * 3600, urgency: 'normal', topic: undefined },
      { ttl: 90, urgency: 'very-low', topic: undefined },
    ]);
  });

  test('404 and 410 mean the subscription is gone: invalid_token', async () => {
    const s = sender();
    const gone = mock.createSubscription();
    mock.unsubscribe(gone.id);
    const unknown = { endpoint: `${mock.url}/push/never-issued`, keys: gone.keys };
    assert.deepEqual(await s.send(s.encode(content()), [target(gone), target(unknown)]), [
      { kind: 'invalid_token', status: 410, reason: 'subscription_gone' },
      { kind: 'invalid_token', status: 404, reason: 'subscription_not_found' },
    ]);
  });

  test('429 throttles the device for Retry-After; 413 is rejected; 500 is retried', async () => {
    const s = sender();
    const sub = mock.createSubscription();
    mock.script(sub.id, { status: 429, retryAfter: '120' }, { status: 413 }, { status: 500 });
    const push = s.encode(content());
    assert.deepEqual(await s.send(push, [target(sub)]), [{ kind: 'throttled', target: 'device', status: 429, reason: 'too_many_requests', afterMs: 120_000 }]);
    assert.deepEqual(await s.send(push, [target(sub)]), [{ kind: 'rejected', status: 413, reason: 'payload_too_large' }]);
    assert.deepEqual(await s.send(push, [target(sub)]), [{ kind: 'retry', status: 500, reason: 'http_500' }]);
    assert.deepEqual((await s.send(push, [target(sub)])).map((o) => o.kind), ['ok']);
  });

  test('a redirect is not followed: rejected, and its target never hears from us', async () => {
    const s = sender();
    const sub = mock.createSubscription();
    const elsewhere = mock.createSubscription();
    mock.script(sub.id, { status: 301, location: elsewhere.endpoint });
    assert.deepEqual(await s.send(s.encode(content()), [target(sub)]), [{ kind: 'rejected', status: 301, reason: 'redirect_not_followed' }]);
    // A later push of ours reaches the mock after anything the redirect could have set off.
    const marker = mock.createSubscription();
    assert.deepEqual((await s.send(s.encode(content()), [target(marker)])).map((o) => o.kind), ['ok']);
    assert.deepEqual(mock.answers.map((a) => a.path), [`/push/${sub.id}`, `/push/${marker.id}`]);
    assert.equal(mock.answers[0]!.status, 301);
  });

  test('private addresses are refused before any connection reaches the push service', async () => {
    const sub = mock.createSubscription();
    const port = new URL(mock.url).port;
    const connectionsBefore = mock.counters.connections;
    // Allowed as push services, but the SSRF guard has no exemption for loopback.
    const strict = sender({}, { allowedHosts: [], endpointAllowlist: ['127.0.0.1', 'localhost'] });
    const push = strict.encode(content());
    const [literal, named] = await strict.send(push, [target(sub), { token: `http://localhost:${port}/push/${sub.id}`, keys: sub.keys }]);
    assert.equal(literal!.kind, 'rejected');
    assert.match((literal as { reason: string }).reason, /^forbidden_address: .*127\.0\.0\.1.*loopback/);
    assert.equal(named!.kind, 'rejected');
    assert.match((named as { reason: string }).reason, /^forbidden_address: .*localhost: it resolves to/);
    // And http is refused unless allowed.
    const httpsOnly = sender({}, { allowHttp: false });
    assert.deepEqual((await httpsOnly.send(httpsOnly.encode(content()), [target(sub)])).map((o) => [o.kind, (o as { reason?: string }).reason?.split(':')[0]]), [['rejected', 'scheme']]);
    assert.equal(mock.counters.connections, connectionsBefore);
    assert.equal(mock.answers.length, 0);
  });

  test('an endpoint outside the push-service allowlist is refused without a request', async () => {
    const s = sender({}, { endpointAllowlist: DEFAULT_WEB_PUSH_ENDPOINTS });
    const sub = mock.createSubscription();
    const connectionsBefore = mock.counters.connections;
    const [outcome] = await s.send(s.encode(content()), [target(sub)]);
    assert.equal(outcome!.kind, 'rejected');
    assert.match((outcome as { reason: string }).reason, /^endpoint_not_allowed: 127\.0\.0\.1:\d+ is not a known push service/);
    assert.equal(mock.counters.connections, connectionsBefore);
  });

  test('keep-alive: many pushes share a few connections', async () => {
    const s = sender({ concurrency: 4, maxSocketsPerOrigin: 4 });
    const subs = Array.from({ length: 40 }, () => mock.createSubscription());
    const before = mock.counters.connections;
    const push = s.encode(content());
    assert.ok((await s.send(push, subs.map(target))).every((o) => o.kind === 'ok'));
    assert.ok((await s.send(push, subs.map(target))).every((o) => o.kind === 'ok'));
    const opened = mock.counters.connections - before;
    assert.ok(opened >= 1 && opened <= 4, `80 pushes opened ${opened} connections`);
  });

  test('broken subscription keys are invalid_token; a slow service is a retry; a closed sender answers retry', async () => {
    const s = sender({ requestTimeoutMs: 150 });
    const sub = mock.createSubscription();
    const push = s.encode(content());
    assert.deepEqual(await s.send(push, [{ token: sub.endpoint, keys: { p256dh: sub.keys.p256dh.slice(4), auth: sub.keys.auth } }, { token: sub.endpoint, keys: null }]), [
      { kind: 'invalid_token', reason: 'subscription_bad_key' },
      { kind: 'invalid_token', reason: 'subscription_keys_missing' },
    ]);
    mock.setDelay(1000);
    try {
      assert.deepEqual(await s.send(push, [target(sub)]), [{ kind: 'retry', reason: 'timeout' }]);
    } finally {
      mock.setDelay(0);
    }
    await s.close();
    assert.deepEqual(await s.send(push, [target(sub)]), [{ kind: 'retry', reason: 'closed' }]);
    assert.deepEqual(await sender().send({ provider: 'hms', bytes: 1 }, [target(sub)]), [{ kind: 'rejected', reason: 'not_a_webpush_push' }]);
  });

  test('an https push service is reached with an extra trusted CA', async () => {
    const tlsMock = await startWebPushMock({ tls: true });
    try {
      const s = sender({}, { allowHttp: false, ca: tlsMock.ca });
      const sub = tlsMock.createSubscription();
      assert.deepEqual((await s.send(s.encode(content()), [target(sub)])).map((o) => o.kind), ['ok']);
      assert.equal(JSON.parse(tlsMock.messages[0]!.plaintext.toString()).title, 'Backup done');
      assert.equal(tlsMock.messages[0]!.vapid.aud, tlsMock.url);
      const untrusting = sender({}, { allowHttp: false });
      assert.deepEqual((await untrusting.send(untrusting.encode(content()), [target(sub)])).map((o) => [o.kind, (o as { reason?: string }).reason]), [['retry', 'tls: self-signed certificate']]);
    } finally {
      await tlsMock.close();
    }
  });
});
