import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { createHeraldClient, HeraldHttpError, type HeraldClient, type InboxItem, type Subscription, type TopicEvent, type WebSocketConstructor } from '../../clients/typescript/src/index.js';
import { eventually, startPushRig, type PushRig } from '../helpers/push-rig.js';
import { randomTopic } from '../helpers/server.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

/**
 * The typed client (clients/typescript) against a real Herald with mock providers. The client
 * reaches Herald through a TCP proxy, so a test can drop its connections and see it resume.
 */
let rig: PushRig;
let proxy: TcpProxy;
/** The client under test, through the proxy. */
let client: HeraldClient;
/** A second client straight to the server, for what happens while the proxy is cut. */
let direct: HeraldClient;
const quickBackoff = { initialMs: 20, maxMs: 200 };

before(async () => {
  rig = await startPushRig({ 'keepalive-interval': '300ms' });
  const url = new URL(rig.server.url);
  proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port) });
  const apiKey = rig.admin.slice('Bearer '.length);
  client = createHeraldClient({ baseUrl: proxy.via(rig.server.url), apiKey });
  direct = createHeraldClient({ baseUrl: rig.server.url, apiKey });
});
after(async () => {
  await proxy.close();
  await rig.close();
});

const fcmToken = (): string => `fcm-${randomBytes(24).toString('base64url')}`;

describe('typed client: generated routes', () => {
  test('registers devices and lists them by user', async () => {
    const user = `user-${randomBytes(4).toString('hex')}`;
    for (const token of [fcmToken(), fcmToken()]) {
      const { data, error, response } = await client.POST('/v1/devices', { body: { provider: 'fcm', token, user, platform: 'android' } });
      assert.equal(response.status, 201, JSON.stringify(error));
      assert.equal(data?.user, user);
      assert.equal(data?.state, 'active');
    }
    const { data } = await client.GET('/v1/devices', { params: { query: { user } } });
    assert.equal(data?.devices.length, 2);
    assert.ok(data.devices.every((d) => d.user === user && d.provider === 'fcm'));
  });

  test('sends a push and follows it until done', async () => {
    const user = `user-${randomBytes(4).toString('hex')}`;
    const token = fcmToken();
    assert.equal((await client.POST('/v1/devices', { body: { provider: 'fcm', token, user } })).response.status, 201);
    const sent = await client.POST('/v1/push', { body: { to: { users: [user] }, notification: { title: 'Shipped', body: 'Order 1042' } } });
    assert.equal(sent.response.status, 202, JSON.stringify(sent.error));
    const id = sent.data!.id;
    await eventually('the push to be done', async () => (await client.GET('/v1/push/{id}', { params: { path: { id } } })).data?.state === 'done');
    const { data } = await client.GET('/v1/push/{id}/deliveries', { params: { path: { id } } });
    assert.deepEqual(data?.deliveries.map((d) => d.state), ['sent']);
    assert.ok(rig.fcm.requests.some((r) => JSON.stringify(r.message).includes(token)), 'the FCM mock got the push');
  });

  test('an error answer is typed and carries Herald\'s error shape', async () => {
    const { data, error, response } = await client.GET('/v1/push/{id}', { params: { path: { id: 'no-such-push' } } });
    assert.equal(data, undefined);
    assert.equal(response.status, 404);
    assert.equal(error?.http, 404);
    assert.equal(typeof error?.code, 'number');
  });

  test('without credentials the middleware sends none, and Herald refuses', async () => {
    const anonymous = createHeraldClient({ baseUrl: rig.server.url });
    const { response } = await anonymous.GET('/v1/devices');
    assert.equal(response.status, 401);
  });
});

/** Collects what a subscription hands out. */
function collector(): { messages: TopicEvent[]; ids(): string[] } {
  const messages: TopicEvent[] = [];
  return { messages, ids: () => messages.map((m) => m.id) };
}

async function publishAll(via: HeraldClient, topic: string, texts: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const text of texts) ids.push((await via.publish(topic, text, { title: 'T', priority: 4, tags: ['a'] })).id);
  return ids;
}

for (const format of ['sse', 'ws', 'json'] as const) {
  describe(`typed client: subscribe over ${format}`, () => {
    const WebSocketClass = WebSocket as unknown as WebSocketConstructor;

    test('receives what is published, then resumes after a dropped connection with nothing lost or repeated', async () => {
      const topic = randomTopic();
      const got = collector();
      const errors: unknown[] = [];
      const sub: Subscription = client.subscribe(topic, {
        format, WebSocket: WebSocketClass, backoff: quickBackoff,
        onMessage: (m) => got.messages.push(m),
        onError: (err) => errors.push(err),
      });
      try {
        await eventually('the first connection', () => sub.connections === 1);
        const first = await publishAll(client, topic, ['one', 'two']);
        await eventually('two messages', () => got.messages.length === 2);
        assert.deepEqual(got.ids(), first);
        assert.deepEqual(got.messages.map((m) => [m.message, m.title, m.priority, m.tags]), [['one', 'T', 4, ['a']], ['two', 'T', 4, ['a']]]);
        assert.equal(sub.lastId, first[1]);

        // Dropped: what is published meanwhile arrives after the reconnect, once.
        proxy.cut();
        await eventually('the drop to be noticed', () => errors.length > 0);
        const missed = await publishAll(direct, topic, ['three', 'four']);
        proxy.restore();
        await eventually('the second connection', () => sub.connections >= 2);
        const last = await publishAll(client, topic, ['five']);
        await eventually('five messages', () => got.messages.length >= 5);
        assert.deepEqual(got.ids(), [...first, ...missed, ...last]);
      } finally {
        proxy.restore();
        sub.close();
        await sub.closed;
      }
    });
  });
}

describe('typed client: subscribe', () => {
  test('a first connection starts where `since` says', async () => {
    const topic = randomTopic();
    const earlier = await publishAll(client, topic, ['a', 'b', 'c']);
    const got = collector();
    const sub = client.subscribe(topic, { since: earlier[0], onMessage: (m) => got.messages.push(m) });
    await eventually('two replayed messages', () => got.messages.length === 2);
    assert.deepEqual(got.ids(), earlier.slice(1));
    sub.close();
    await sub.closed;
  });

  test('gives up on a refusal that retrying cannot change, and says so', async () => {
    const anonymous = createHeraldClient({ baseUrl: rig.server.url, apiKey: 'hk_not-a-real-key-0000000000000000' });
    const errors: [unknown, number | undefined][] = [];
    const sub = anonymous.subscribe(randomTopic(), { onMessage: () => assert.fail('no message expected'), onError: (e, retry) => errors.push([e, retry]) });
    await sub.closed;
    assert.equal(errors.length, 1);
    assert.ok(errors[0]![0] instanceof HeraldHttpError);
    assert.equal((errors[0]![0] as HeraldHttpError).status, 401);
    assert.equal(errors[0]![1], undefined);
  });

  test('aborting the signal ends the subscription', async () => {
    const controller = new AbortController();
    const sub = client.subscribe(randomTopic(), { format: 'sse', signal: controller.signal, onMessage: () => {} });
    await eventually('the connection', () => sub.connections === 1);
    controller.abort();
    await sub.closed;
  });
});

describe('typed client: notify face (hand-written until documented)', () => {
  before(async () => {
    assert.equal((await rig.call('PUT', '/v1/categories/client-news', { channels: ['inapp'] })).status, 200);
    const template = { category: 'client-news', channels: { inapp: { title: 'Hello {{ n }}', body: 'Item {{ n }}' } } };
    assert.equal((await rig.call('PUT', '/v1/templates/client-hello', template)).status, 201);
  });

  test('manages a subscriber: create, read, update, delete', async () => {
    const id = `sub-${randomBytes(4).toString('hex')}`;
    const created = await client.putSubscriber(id, { email: 'ada@example.com', name: 'Ada', data: { plan: 'pro' } });
    assert.equal(created.id, id);
    assert.equal(created.email, 'ada@example.com');
    // PUT replaces the whole record: what is left out has no value afterwards.
    const updated = await client.putSubscriber(id, { name: 'Ada L.', email: null, data: { plan: 'team' } });
    assert.equal(updated.name, 'Ada L.');
    assert.equal(updated.email, undefined);
    assert.equal(updated.created_at, created.created_at);
    assert.deepEqual((await client.getSubscriber(id)).data, { plan: 'team' });
    assert.deepEqual(await client.deleteSubscriber(id), { success: true });
    await assert.rejects(client.getSubscriber(id), (err: unknown) => err instanceof HeraldHttpError && err.status === 404 && err.body?.http === 404);
  });

  test('sends a notify and reads it from the inbox stream with a subscriber token', async () => {
    const id = `sub-${randomBytes(4).toString('hex')}`;
    await client.putSubscriber(id, {});
    const issued = await client.POST('/v1/subscriber-tokens', { body: { subscriber: id } });
    const token = issued.data!.token;
    const items: InboxItem[] = [];
    const counts: number[] = [];
    const stream = client.inboxStream(id, { token, backoff: quickBackoff, onItem: (item) => items.push(item), onUnread: (n) => counts.push(n) });
    try {
      await eventually('the opening unread count', () => counts.length > 0);
      assert.equal(counts[0], 0);
      const accepted = await client.notify({ template: 'client-hello', category: 'client-news', to: { subscribers: [id] }, channels: ['inapp'], data: { n: '1' } });
      assert.equal(accepted.recipients, 1);
      await eventually('the item on the stream', () => items.length === 1);
      assert.equal(items[0]!.title, 'Hello 1');
      assert.equal(items[0]!.notification_id, accepted.id);
      assert.equal(counts.at(-1), 1);
      await eventually('the notification done', async () => (await client.getNotification(accepted.id)).state === 'done');
      const page = await client.getInbox(id, { unread: true }, token);
      assert.deepEqual(page.items.map((i) => i.id), [items[0]!.id]);

      // Dropped and back: the stream reconnects and announces the count again.
      const before = stream.connections;
      proxy.cut();
      proxy.restore();
      await eventually('the inbox stream back', () => stream.connections > before);
      await client.notify({ template: 'client-hello', category: 'client-news', to: { subscribers: [id] }, channels: ['inapp'], data: { n: '2' } });
      await eventually('the second item', () => items.length === 2);
      assert.equal(items[1]!.title, 'Hello 2');
    } finally {
      proxy.restore();
      stream.close();
      await stream.closed;
    }
  });

  test('a token for another subscriber is refused and the stream gives up', async () => {
    const [mine, theirs] = [`sub-${randomBytes(4).toString('hex')}`, `sub-${randomBytes(4).toString('hex')}`];
    await client.putSubscriber(mine, {});
    await client.putSubscriber(theirs, {});
    const token = (await client.POST('/v1/subscriber-tokens', { body: { subscriber: theirs } })).data!.token;
    const errors: unknown[] = [];
    const stream = client.inboxStream(mine, { token, onItem: () => assert.fail('no item expected'), onError: (e) => errors.push(e) });
    await stream.closed;
    assert.equal((errors[0] as HeraldHttpError).status, 401);
  });
});
