import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startReceiver, verify } from '../helpers/event-receiver.js';
import { eventually, startPushRig, type PushRig } from '../helpers/push-rig.js';
import { ManualClock, OffsetClock } from '../helpers/manual-clock.js';

// Issue 15, point 6: app backends register endpoints and receive delivery events, signed per
// Standard Webhooks and retried, instead of polling GET /v1/push/{id}.

const fcmToken = () => `fcm-${randomBytes(24).toString('base64url')}`;

/** A sample's value in Prometheus text; 0 when the series is not there. */
async function metric(baseUrl: string, series: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('event webhooks', () => {
  const clock = new ManualClock(Date.now());
  let rig: PushRig;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  before(async () => {
    receiver = await startReceiver();
    rig = await startPushRig({ 'event-webhook-retry-base': '1s', 'event-webhook-retry-max': '2s', 'event-webhook-max-attempts': '3', 'api-key-request-limit-burst': '100000', 'enable-metrics': 'true' }, { clock });
  });
  after(async () => {
    await rig.close();
    await receiver.close();
  });

  async function register(events: string[]): Promise<{ id: string; secret: string }> {
    const res = await rig.call('POST', '/v1/event-endpoints', { url: receiver.url, events, description: 'test receiver' });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    assert.match(res.json.id, /^ep_[A-Za-z0-9]{16}$/);
    assert.match(res.json.secret, /^whsec_[A-Za-z0-9+/]+=*$/);
    assert.ok(Buffer.from(res.json.secret.slice(6), 'base64').length >= 24, 'a secret of at least 24 random bytes');
    assert.deepEqual(res.json.events, events);
    return { id: res.json.id, secret: res.json.secret };
  }

  const messagesOf = (type: string, pushId?: string) =>
    receiver.received.filter((r) => r.json.type === type && (pushId === undefined || r.json.data.push_id === pushId));

  async function pushTo(token: string): Promise<{ pushId: string; deviceId: string }> {
    const dev = await rig.call('POST', '/v1/devices', { provider: 'fcm', token });
    assert.equal(dev.status, 201, JSON.stringify(dev.json));
    const sent = await rig.call('POST', '/v1/push', { to: { devices: [dev.json.id] }, notification: { title: 'Hi' } });
    assert.equal(sent.status, 202, JSON.stringify(sent.json));
    return { pushId: sent.json.id, deviceId: dev.json.id };
  }

  it("the test's verifier agrees with the Standard Webhooks example signature", () => {
    // The specification's published example: if this fails, the verifier (not Herald) is wrong.
    const headers = { 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330', 'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' };
    assert.equal(verify('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', headers, '{"test": 2432232314}'), true);
    assert.equal(verify('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', headers, '{"test": 2432232315}'), false);
  });

  it('delivers push.delivery.sent, signed, retried after a 500 with the same webhook-id', async () => {
    const endpoint = await register(['push.delivery.sent', 'device.invalidated']);
    receiver.answers.push(500);
    const { pushId, deviceId } = await pushTo(fcmToken());
    await eventually('the first attempt (answered 500)', async () => messagesOf('push.delivery.sent', pushId).length >= 1);
    const first = messagesOf('push.delivery.sent', pushId)[0]!;
    assert.equal(verify(endpoint.secret, first.headers, first.body), true, 'signed with the endpoint secret');
    assert.match(String(first.headers['webhook-id']), /^msg_/);
    assert.equal(String(first.headers['webhook-timestamp']), String(Math.floor(clock.now() / 1000)), 'timestamp in unix seconds of the attempt');
    assert.equal(first.json.data.device_id, deviceId);
    assert.equal(first.json.data.provider, 'fcm');
    assert.equal(first.json.data.state, 'sent');
    assert.match(String(first.json.data.delivery_id), /^dl_/);
    assert.ok(!Number.isNaN(Date.parse(first.json.timestamp)), 'an RFC 3339 timestamp');

    const attempts = async () => (await rig.call('GET', `/v1/event-endpoints/${endpoint.id}/attempts`)).json.attempts as { result: string; status?: number; message_id: string }[];
    await eventually('the failed attempt to be recorded', async () => (await attempts()).some((a) => a.result === 'retrying' && a.status === 500));
    // The retry is due within the backoff (at most 1 s for the first), on Herald's clock.
    clock.advance(1500);
    await eventually('the retry', async () => messagesOf('push.delivery.sent', pushId).length >= 2);
    const second = messagesOf('push.delivery.sent', pushId)[1]!;
    assert.equal(second.headers['webhook-id'], first.headers['webhook-id'], 'the same message id on every attempt');
    assert.equal(second.body, first.body);
    assert.equal(verify(endpoint.secret, second.headers, second.body), true);
    await eventually('the success to be recorded', async () => (await attempts()).some((a) => a.result === 'succeeded' && a.message_id === first.headers['webhook-id']));
    assert.equal(messagesOf('push.delivery.sent', pushId).length, 2, 'no further attempt after the 2xx');

    await rig.call('DELETE', `/v1/event-endpoints/${endpoint.id}`);
  });

  it('an invalid token yields push.delivery.invalid_token and device.invalidated', async () => {
    const endpoint = await register(['*']);
    const token = fcmToken();
    rig.fcm.script(token, { error: 'UNREGISTERED' });
    const { pushId, deviceId } = await pushTo(token);
    await eventually('device.invalidated', async () => messagesOf('device.invalidated').some((m) => m.json.data.device_id === deviceId));
    const invalidated = messagesOf('device.invalidated').find((m) => m.json.data.device_id === deviceId)!;
    assert.equal(verify(endpoint.secret, invalidated.headers, invalidated.body), true);
    assert.equal(invalidated.json.data.push_id, pushId);
    assert.equal(invalidated.json.data.provider, 'fcm');
    await eventually('push.delivery.invalid_token', async () => messagesOf('push.delivery.invalid_token', pushId).length === 1);
    assert.equal(messagesOf('push.delivery.sent', pushId).length, 0, 'nothing was sent');
    await rig.call('DELETE', `/v1/event-endpoints/${endpoint.id}`);
  });

  it('no device.invalidated when the device was registered again after its token died (it stays active)', async () => {
    const endpoint = await register(['push.delivery.invalid_token', 'device.invalidated']);
    const token = randomBytes(32).toString('hex');
    // APNs 410 names when the token died: a minute before the device's (re-)registration below.
    rig.apns.answer(token, { status: 410, reason: 'Unregistered', timestamp: clock.now() - 60_000 });
    const dev = await rig.call('POST', '/v1/devices', { provider: 'apns', token });
    assert.equal(dev.status, 201, JSON.stringify(dev.json));
    const sent = await rig.call('POST', '/v1/push', { to: { devices: [dev.json.id] }, notification: { title: 'Hi' } });
    assert.equal(sent.status, 202, JSON.stringify(sent.json));
    await eventually('push.delivery.invalid_token', async () => messagesOf('push.delivery.invalid_token', sent.json.id).length === 1);
    // Both events of an outcome are queued together: once nothing waits, a device.invalidated would have arrived.
    await eventually('the event queue drained', async () =>
      (await metric(rig.server.url, 'herald_event_webhook_messages{state="ready"}')) + (await metric(rig.server.url, 'herald_event_webhook_messages{state="reserved"}')) === 0);
    assert.deepEqual(messagesOf('device.invalidated').filter((m) => m.json.data.device_id === dev.json.id), [], 'the device was not invalidated');
    assert.equal((await rig.call('GET', `/v1/devices/${dev.json.id}`)).json.state, 'active');
    await rig.call('DELETE', `/v1/event-endpoints/${endpoint.id}`);
  });

  it('counts attempts by result and the messages waiting on /metrics', async () => {
    const url = rig.server.url;
    const before = { succeeded: await metric(url, 'herald_event_webhook_attempts_total{result="succeeded"}'), retrying: await metric(url, 'herald_event_webhook_attempts_total{result="retrying"}') };
    const endpoint = await register(['push.delivery.sent']);
    receiver.answers.push(500);
    const { pushId } = await pushTo(fcmToken());
    await eventually('the first attempt (answered 500)', async () => messagesOf('push.delivery.sent', pushId).length === 1);
    await eventually('the retry counted and waiting', async () =>
      (await metric(url, 'herald_event_webhook_attempts_total{result="retrying"}')) === before.retrying + 1 && (await metric(url, 'herald_event_webhook_messages{state="scheduled"}')) >= 1);
    clock.advance(2500);
    await eventually('the retry delivered', async () => messagesOf('push.delivery.sent', pushId).length === 2);
    await eventually('the success counted', async () => (await metric(url, 'herald_event_webhook_attempts_total{result="succeeded"}')) === before.succeeded + 1);
    await eventually('nothing left waiting', async () => (await metric(url, 'herald_event_webhook_messages{state="scheduled"}')) === 0);
    const text = await (await fetch(`${url}/metrics`)).text();
    assert.match(text, /^herald_event_webhook_attempts_total\{result="failed"\} \d+$/m, 'every result is exported, zero or not');
    assert.match(text, /^herald_event_webhook_lag_seconds \d+(\.\d+)?$/m);
    await rig.call('DELETE', `/v1/event-endpoints/${endpoint.id}`);
  });

  it('app status reports become push.delivery.delivered', async () => {
    const endpoint = await register(['push.delivery.delivered']);
    const { pushId, deviceId } = await pushTo(fcmToken());
    await eventually('the push to be sent', async () => (await rig.call('GET', `/v1/push/${pushId}`)).json.counts?.sent === 1);
    const reported = await rig.call('POST', `/v1/push/${pushId}/status`, { device: deviceId, status: 'delivered' });
    assert.ok(reported.status < 300, JSON.stringify(reported.json));
    await eventually('push.delivery.delivered', async () => messagesOf('push.delivery.delivered', pushId).length === 1);
    const m = messagesOf('push.delivery.delivered', pushId)[0]!;
    assert.equal(verify(endpoint.secret, m.headers, m.body), true);
    assert.equal(m.json.data.device_id, deviceId);
    await rig.call('DELETE', `/v1/event-endpoints/${endpoint.id}`);
  });

  it('rotating the secret signs with the new and the old secret during the overlap', async () => {
    const endpoint = await register(['push.delivery.sent']);
    const rotated = await rig.call('POST', `/v1/event-endpoints/${endpoint.id}/rotate-secret`, {});
    assert.equal(rotated.status, 200, JSON.stringify(rotated.json));
    const fresh = rotated.json.secret as string;
    assert.notEqual(fresh, endpoint.secret);
    const { pushId } = await pushTo(fcmToken());
    await eventually('the event', async () => messagesOf('push.delivery.sent', pushId).length === 1);
    const m = messagesOf('push.delivery.sent', pushId)[0]!;
    assert.equal(verify(fresh, m.headers, m.body), true, 'the new secret verifies');
    assert.equal(verify(endpoint.secret, m.headers, m.body), true, 'so does the old one, during the overlap');
    assert.equal(String(m.headers['webhook-signature']).split(' ').length, 2);

    // Without an overlap the old secret stops at once.
    const again = await rig.call('POST', `/v1/event-endpoints/${endpoint.id}/rotate-secret`, { overlap: '0s' });
    const newest = again.json.secret as string;
    const second = await pushTo(fcmToken());
    await eventually('the event', async () => messagesOf('push.delivery.sent', second.pushId).length === 1);
    const n = messagesOf('push.delivery.sent', second.pushId)[0]!;
    assert.equal(verify(newest, n.headers, n.body), true);
    assert.equal(verify(fresh, n.headers, n.body), false, 'the rotated-out secret no longer verifies');
    await rig.call('DELETE', `/v1/event-endpoints/${endpoint.id}`);
  });

  it('notify channel states become notify.channel.<state>', async () => {
    const endpoint = await register(['notify.channel.sent']);
    assert.equal((await rig.call('PUT', '/v1/categories/events-test', { channels: ['inapp'] })).status < 300, true);
    assert.equal((await rig.call('PUT', '/v1/templates/events-test', { category: 'events-test', channels: { inapp: { title: 'Hello', body: 'there' } } })).status, 201);
    const who = `sub-${randomBytes(5).toString('hex')}`;
    assert.equal((await rig.call('PUT', `/v1/subscribers/${who}`, { name: 'Ann' })).status, 201);
    const sent = await rig.call('POST', '/v1/notify', { template: 'events-test', to: { subscribers: [who] } });
    assert.equal(sent.status, 202, JSON.stringify(sent.json));
    await eventually('notify.channel.sent', async () => messagesOf('notify.channel.sent').some((m) => m.json.data.notification_id === sent.json.id));
    const m = messagesOf('notify.channel.sent').find((x) => x.json.data.notification_id === sent.json.id)!;
    assert.equal(verify(endpoint.secret, m.headers, m.body), true);
    assert.equal(m.json.data.subscriber_id, who);
    assert.equal(m.json.data.channel, 'inapp');
    assert.equal(m.json.data.state, 'sent');
    await rig.call('DELETE', `/v1/event-endpoints/${endpoint.id}`);
  });

  it('gives a message up after event-webhook-max-attempts, and a 410 Gone switches the endpoint off', async () => {
    const endpoint = await register(['push.delivery.sent']);
    receiver.answers.push(503, 503, 503);
    const { pushId } = await pushTo(fcmToken());
    const attempts = async () => (await rig.call('GET', `/v1/event-endpoints/${endpoint.id}/attempts`)).json.attempts as { result: string; attempt: number }[];
    for (let n = 1; n <= 3; n++) {
      await eventually(`attempt ${n}`, async () => messagesOf('push.delivery.sent', pushId).length >= n);
      if (n < 3) {
        await eventually(`attempt ${n} recorded`, async () => (await attempts()).length >= n);
        clock.advance(2500);
      }
    }
    await eventually('the message given up', async () => (await attempts())[0]?.result === 'failed');
    assert.deepEqual((await attempts()).map((a) => [a.attempt, a.result]), [[3, 'failed'], [2, 'retrying'], [1, 'retrying']]);
    clock.advance(10_000);
    const view = await rig.call('GET', `/v1/event-endpoints/${endpoint.id}`);
    assert.equal(view.json.consecutive_failures, 1);
    assert.equal(view.json.enabled, true, 'one failure does not switch it off');

    receiver.answers.push(410);
    const second = await pushTo(fcmToken());
    await eventually('the 410', async () => messagesOf('push.delivery.sent', second.pushId).length === 1);
    await eventually('the endpoint switched off', async () => (await rig.call('GET', `/v1/event-endpoints/${endpoint.id}`)).json.enabled === false);
    const third = await pushTo(fcmToken());
    await eventually('the push sent', async () => (await rig.call('GET', `/v1/push/${third.pushId}`)).json.counts?.sent === 1);
    // Re-enabled, it hears events again.
    const on = await rig.call('PATCH', `/v1/event-endpoints/${endpoint.id}`, { enabled: true });
    assert.equal(on.json.enabled, true);
    assert.equal(on.json.consecutive_failures, 0);
    const fourth = await pushTo(fcmToken());
    await eventually('events again', async () => messagesOf('push.delivery.sent', fourth.pushId).length === 1);
    assert.equal(messagesOf('push.delivery.sent', third.pushId).length, 0, 'nothing reached the switched-off endpoint');
    await rig.call('DELETE', `/v1/event-endpoints/${endpoint.id}`);
  });

  it('lists, reads, updates and deletes endpoints; the secret is not in listings', async () => {
    const endpoint = await register(['push.delivery.failed']);
    const list = await rig.call('GET', '/v1/event-endpoints?limit=1000');
    assert.equal(list.status, 200);
    const listed = (list.json.endpoints as { id: string; secret?: string }[]).find((e) => e.id === endpoint.id);
    assert.ok(listed);
    assert.equal(listed.secret, undefined);
    const one = await rig.call('GET', `/v1/event-endpoints/${endpoint.id}`);
    assert.equal(one.status, 200);
    assert.equal(one.json.secret, undefined, 'reads never carry the secret');
    assert.equal((await rig.call('GET', `/v1/event-endpoints/${endpoint.id}/secret`)).json.secret, endpoint.secret);
    const patched = await rig.call('PATCH', `/v1/event-endpoints/${endpoint.id}`, { events: ['push.delivery.dead', 'push.delivery.failed'], enabled: false });
    assert.equal(patched.status, 200, JSON.stringify(patched.json));
    assert.deepEqual(patched.json.events, ['push.delivery.dead', 'push.delivery.failed']);
    assert.equal(patched.json.enabled, false);
    assert.equal((await rig.call('DELETE', `/v1/event-endpoints/${endpoint.id}`)).status, 204);
    assert.equal((await rig.call('GET', `/v1/event-endpoints/${endpoint.id}`)).status, 404);
    assert.equal((await rig.call('DELETE', `/v1/event-endpoints/${endpoint.id}`)).status, 404);
  });

  it('pages the list with a cursor', async () => {
    const ids = [(await register(['push.delivery.dead'])).id, (await register(['push.delivery.dead'])).id];
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await rig.call('GET', `/v1/event-endpoints?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(page.status, 200);
      assert.ok(page.json.endpoints.length <= 1);
      seen.push(...page.json.endpoints.map((e: { id: string }) => e.id));
      cursor = page.json.next_cursor;
    } while (cursor);
    for (const id of ids) assert.ok(seen.includes(id));
    for (const id of ids) await rig.call('DELETE', `/v1/event-endpoints/${id}`);
  });

  it('refuses bad input with 400 in the common error shape', async () => {
    const cases: [unknown, RegExp][] = [
      [{ url: 'not a url', events: ['*'] }, /url/],
      [{ url: 'ftp://example.com/x', events: ['*'] }, /url/],
      [{ url: 'https://example.com/x', events: ['push.delivery.nope'] }, /unknown event type/],
      [{ url: 'https://example.com/x', events: [] }, /events/],
      [{ url: 'https://example.com/x', events: ['*', 'push.delivery.sent'] }, /events/],
      [{ url: 'https://10.1.2.3/hook', events: ['*'] }, /private or reserved/],
      [{ url: 'https://[::1]/hook', events: ['*'] }, /private or reserved/],
      [{ url: 'https://localhost/hook', events: ['*'] }, /local host/],
      [{ url: 'https://user:pw@example.com/hook', events: ['*'] }, /credentials/],
      [{ url: 'https://example.com/x', events: ['*'], extra: 1 }, /./],
      ['{not json', /./],
    ];
    for (const [body, detail] of cases) {
      const res = await rig.call('POST', '/v1/event-endpoints', body);
      assert.equal(res.status, 400, `${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.json)}`);
      assert.equal(typeof res.json.code, 'number');
      assert.equal(res.json.http, 400);
      assert.match(res.json.error, detail, JSON.stringify(res.json));
    }
    assert.equal((await rig.call('GET', '/v1/event-endpoints/ep_nope')).status, 400, 'a malformed id');
    assert.equal((await rig.call('GET', '/v1/event-endpoints/ep_0000000000000000')).status, 404);
    assert.equal((await rig.call('GET', '/v1/event-endpoints?limit=0')).status, 400);
    const endpoint = await register(['*']);
    assert.equal((await rig.call('POST', `/v1/event-endpoints/${endpoint.id}/rotate-secret`, { overlap: 'soon' })).status, 400);
    assert.equal((await rig.call('PATCH', `/v1/event-endpoints/${endpoint.id}`, { url: 'https://192.168.0.1/' })).status, 400);
    await rig.call('DELETE', `/v1/event-endpoints/${endpoint.id}`);
  });

  it('enforces the events:read and events:write scopes', async () => {
    const reader = await rig.key(['events:read']);
    const writer = await rig.key(['events:write']);
    const pusher = await rig.key(['push:send']);
    const body = { url: receiver.url, events: ['*'] };
    assert.equal((await rig.call('POST', '/v1/event-endpoints', body, reader)).status, 403);
    assert.equal((await rig.call('GET', '/v1/event-endpoints', undefined, pusher)).status, 403);
    assert.equal((await rig.call('GET', '/v1/event-endpoints', undefined, reader)).status, 200);
    assert.equal((await rig.call('GET', '/v1/event-endpoints', undefined, '')).status, 401);
    const created = await rig.call('POST', '/v1/event-endpoints', body, writer);
    assert.equal(created.status, 201);
    assert.equal((await rig.call('DELETE', `/v1/event-endpoints/${created.json.id}`, undefined, reader)).status, 403);
    assert.equal((await rig.call('GET', `/v1/event-endpoints/${created.json.id}`, undefined, reader)).status, 200);
    assert.equal((await rig.call('GET', `/v1/event-endpoints/${created.json.id}/secret`, undefined, reader)).status, 403, 'reading the secret takes events:write');
    assert.equal((await rig.call('GET', `/v1/event-endpoints/${created.json.id}/secret`, undefined, writer)).json.secret, created.json.secret);
    const limited = await rig.key(['events:write', 'events:read'], ['orders']);
    assert.equal((await rig.call('POST', '/v1/event-endpoints', body, limited)).status, 403, 'endpoints see every category, so keys limited to some may not manage them');
    assert.equal((await rig.call('DELETE', `/v1/event-endpoints/${created.json.id}`, undefined, writer)).status, 204);
  });
});

describe('event webhooks with delivery threads', () => {
  // The system clock and files on disk: each provider app's deliveries run in a thread of their
  // own, which records outcomes and so queues their events itself.
  let rig: PushRig;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  before(async () => {
    receiver = await startReceiver();
    rig = await startPushRig({ 'push-delivery-threads': 'true', 'api-key-request-limit-burst': '100000' });
  });
  after(async () => {
    await rig.close();
    await receiver.close();
  });

  it('delivers push.delivery.sent and device.invalidated from a delivery thread, right after registering', async () => {
    const created = await rig.call('POST', '/v1/event-endpoints', { url: receiver.url, events: ['push.delivery.sent', 'device.invalidated'] });
    assert.equal(created.status, 201);
    const secret = created.json.secret as string;
    const ok = await rig.call('POST', '/v1/devices', { provider: 'fcm', token: fcmToken() });
    const deadToken = fcmToken();
    rig.fcm.script(deadToken, { error: 'UNREGISTERED' });
    const dead = await rig.call('POST', '/v1/devices', { provider: 'fcm', token: deadToken });
    const sent = await rig.call('POST', '/v1/push', { to: { devices: [ok.json.id, dead.json.id] }, notification: { title: 'Hi' } });
    assert.equal(sent.status, 202, JSON.stringify(sent.json));
    await eventually('both events', async () => receiver.received.length >= 2);
    const sentEvent = receiver.received.find((r) => r.json.type === 'push.delivery.sent');
    const invalidated = receiver.received.find((r) => r.json.type === 'device.invalidated');
    assert.ok(sentEvent && invalidated, JSON.stringify(receiver.received.map((r) => r.json)));
    assert.equal(sentEvent.json.data.device_id, ok.json.id);
    assert.equal(invalidated.json.data.device_id, dead.json.id);
    for (const r of [sentEvent, invalidated]) assert.equal(verify(secret, r.headers, r.body), true);
  });
});

describe('event webhooks and web push expiry', () => {
  // ntfy's defaults (55 d warning, 60 d removal), checked every 100 ms of real time.
  const clock = new OffsetClock();
  let rig: PushRig;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  before(async () => {
    receiver = await startReceiver();
    rig = await startPushRig({ 'manager-interval': '100ms', 'api-key-request-limit-burst': '100000' }, { clock });
  });
  after(async () => {
    await rig.close();
    await receiver.close();
  });

  it('a browser subscription removed for not being renewed yields device.invalidated with reason subscription_expired', async () => {
    const created = await rig.call('POST', '/v1/event-endpoints', { url: receiver.url, events: ['device.invalidated'] });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const sub = rig.webpush.createSubscription({ applicationServerKey: rig.vapidPublicKey });
    const res = await rig.call('POST', '/v1/webpush', { endpoint: sub.endpoint, auth: sub.keys.auth, p256dh: sub.keys.p256dh, topics: [`wpx-${randomBytes(4).toString('hex')}`] }, '');
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const devices = (await rig.call('GET', '/v1/devices?provider=webpush&limit=1000')).json.devices as { id: string; token: { endpoint: string } }[];
    const device = devices.find((d) => d.token.endpoint === sub.endpoint)!;
    assert.ok(device);
    clock.advance(61 * 86_400_000);
    await eventually('device.invalidated', async () => receiver.received.some((r) => r.json.type === 'device.invalidated' && r.json.data.device_id === device.id));
    const m = receiver.received.find((r) => r.json.type === 'device.invalidated' && r.json.data.device_id === device.id)!;
    assert.equal(verify(created.json.secret, m.headers, m.body), true);
    assert.equal(m.json.data.reason, 'subscription_expired');
    assert.equal(m.json.data.provider, 'webpush');
    assert.ok(!Number.isNaN(Date.parse(String(m.json.data.last_seen_at))));
    await eventually('the subscription removed', async () => (await rig.call('GET', `/v1/devices/${device.id}`)).status === 404);
    assert.equal(receiver.received.filter((r) => r.json.data.device_id === device.id).length, 1, 'reported once');
  });
});
