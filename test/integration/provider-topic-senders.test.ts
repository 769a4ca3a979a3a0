import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { systemClock } from '../../src/ports/clock.js';
import type { PushContent, PushSender, PushTarget } from '../../src/ports/push-sender.js';
import { createFcmSender } from '../../src/adapters/providers/fcm/sender.js';
import { createHmsSender } from '../../src/adapters/providers/hms/sender.js';
import { startFcmMock, type FcmMock } from '../mocks/fcm/mock.js';
import { messageProblem, startHmsMock, type HmsMock } from '../mocks/hms/hms-mock.js';

/** FCM and HMS senders with topic and condition targets, against the protocol mocks. */

let fcm: FcmMock;
let hms: HmsMock;
let fcmSender: PushSender;
let hmsSender: PushSender;

before(async () => {
  fcm = await startFcmMock();
  hms = await startHmsMock({ appId: '104857601' });
  fcmSender = createFcmSender({ app: 'default', serviceAccount: fcm.serviceAccount, baseUrl: fcm.url, ca: fcm.ca, clock: systemClock });
  hmsSender = createHmsSender({
    app: 'default', appId: hms.appId, clientId: hms.clientId, clientSecret: hms.clientSecret, baseUrl: hms.url, tokenUrl: hms.tokenUrl, ca: hms.ca, clock: systemClock,
  });
});
after(async () => {
  await Promise.all([fcmSender.close(), hmsSender.close()]);
  await Promise.all([fcm.close(), hms.close()]);
});
beforeEach(() => {
  fcm.reset();
  hms.requests.length = 0;
});

const content = (over: Partial<PushContent> = {}): PushContent => ({
  id: 'push-t', notification: { title: 'Match', body: 'Kick-off' }, overrides: {}, priority: 'normal', ...over,
});
const topic = (token: string): PushTarget => ({ token, keys: null, kind: 'topic' });
const condition = (token: string): PushTarget => ({ token, keys: null, kind: 'condition' });
const tokenTarget = (token: string): PushTarget => ({ token, keys: null });

describe('FCM', () => {
  test('a topic goes as message.topic and a condition as message.condition, never with a token', async () => {
    const push = fcmSender.encode(content());
    const outcomes = await fcmSender.send(push, [topic('sports.news'), condition("'dogs' in topics || 'cats' in topics"), tokenTarget('fcm-tok-1')]);
    assert.deepEqual(outcomes.map((o) => o.kind), ['ok', 'ok', 'ok']);
    assert.match((outcomes[0] as { providerId: string }).providerId, /^projects\/herald-test\/messages\//);
    const byTarget = (pick: (m: Record<string, unknown>) => unknown) => fcm.requests.find((r) => pick(r.message!) !== undefined)!.message!;
    const t = byTarget((m) => m.topic);
    assert.equal(t.topic, 'sports.news');
    assert.equal(t.token, undefined);
    assert.deepEqual(t.notification, { title: 'Match', body: 'Kick-off' });
    const c = byTarget((m) => m.condition);
    assert.equal(c.condition, "'dogs' in topics || 'cats' in topics");
    assert.equal(c.token, undefined);
    assert.equal(byTarget((m) => m.token).token, 'fcm-tok-1');
  });

  test('FCM refusing a topic is a rejected outcome with its reason, not an invalid token', async () => {
    // A name the mock refuses as FCM does: 400 INVALID_ARGUMENT with a BadRequest on message.topic.
    const [bad] = await fcmSender.send(fcmSender.encode(content()), [topic('/topics/news')]);
    assert.equal(bad!.kind, 'rejected');
    assert.equal((bad as { status: number }).status, 400);
    assert.equal((bad as { reason: string }).reason, 'INVALID_ARGUMENT');
    assert.equal(fcm.requests[0]!.status, 400, 'the request reached FCM, which refused it');

    const [badCondition] = await fcmSender.send(fcmSender.encode(content()), [condition("'a' in topics &&")]);
    assert.equal(badCondition!.kind, 'rejected');
  });

  test('the mock answers a malformed target in Google error shape, and refuses token and topic together', async () => {
    const token = await fcmAccessToken();
    const send = async (message: Record<string, unknown>) => {
      const res = await fetchMock(`${fcm.url}/v1/projects/${fcm.project}/messages:send`, token, JSON.stringify({ message }));
      return { status: res.status, body: JSON.parse(res.body) as { error: { status: string; message: string; details: { '@type': string; fieldViolations?: { field: string }[] }[] } } };
    };
    const badTopic = await send({ topic: 'has space', notification: { title: 'x' } });
    assert.equal(badTopic.status, 400);
    assert.equal(badTopic.body.error.status, 'INVALID_ARGUMENT');
    assert.ok(badTopic.body.error.details.some((d) => d.fieldViolations?.[0]?.field === 'message.topic'));
    const six = await send({ condition: ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => `'${n}' in topics`).join(' || ') });
    assert.equal(six.status, 400, 'at most five topics in a condition');
    assert.ok(six.body.error.details.some((d) => d.fieldViolations?.[0]?.field === 'message.condition'));
    const both = await send({ token: 'tok', topic: 'news' });
    assert.equal(both.status, 400);
    assert.match(both.body.error.message, /Oneof field 'target' is already set/);
    const nested = await send({ condition: "('a' in topics && !('b' in topics)) || 'c' in topics" });
    assert.equal(nested.status, 200);
  });
});

describe('HMS', () => {
  test('each topic or condition is a request of its own with message.topic or message.condition; tokens still share one', async () => {
    const push = hmsSender.encode(content({ expiresAt: Date.now() + 3_600_000 }));
    const outcomes = await hmsSender.send(push, [tokenTarget('hms-a'), topic('weather'), tokenTarget('hms-b'), condition("'a' in topics && 'b' in topics")]);
    assert.deepEqual(outcomes.map((o) => o.kind), ['ok', 'ok', 'ok', 'ok']);
    assert.equal(hms.requests.length, 3);
    const tokenRequest = hms.requests.find((r) => r.tokens.length > 0)!;
    assert.deepEqual(tokenRequest.tokens, ['hms-a', 'hms-b']);
    const t = hms.requests.find((r) => r.topic !== undefined)!;
    assert.equal(t.topic, 'weather');
    const message = (t.body as { message: Record<string, unknown> }).message;
    assert.equal(message.token, undefined);
    assert.match(String((message.android as { ttl: string }).ttl), /^\d+s$/, 'the send-time TTL is spliced in for topics too');
    assert.equal(hms.requests.find((r) => r.condition !== undefined)!.condition, "'a' in topics && 'b' in topics");
  });

  test('Push Kit refusing a topic send is a rejected outcome with its code', async () => {
    const [outcome] = await hmsSender.send(hmsSender.encode(content()), [topic('not valid!')]);
    assert.equal(outcome!.kind, 'rejected');
    assert.equal((outcome as { reason: string }).reason, '80100003');
    assert.equal(hms.requests.length, 0, 'the mock records only what it accepted');
  });

  test('the mock refuses token and topic together, and a malformed condition, with 80100003', () => {
    assert.equal(messageProblem({ message: { token: ['t'], topic: 'news' } })?.code, '80100003');
    assert.equal(messageProblem({ message: { condition: "'a' in topics ||" } })?.code, '80100003');
    assert.equal(messageProblem({ message: { condition: "'新闻' in topics && !('b' in topics)" } }), undefined);
    assert.equal(messageProblem({ message: { topic: 'news' } }), undefined);
  });
});

/** An access token the mock issued, taken from a send the sender made with it, to talk to the mock directly. */
async function fcmAccessToken(): Promise<string> {
  await fcmSender.send(fcmSender.encode(content()), [tokenTarget('warm-up')]);
  const auth = fcm.requests.at(-1)!.headers.authorization;
  return String(auth).slice('Bearer '.length);
}

/** A raw POST to the mock over HTTP/1.1, which it serves beside HTTP/2 as Google's front ends do. */
function fetchMock(url: string, bearer: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', ca: fcm.ca, headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
