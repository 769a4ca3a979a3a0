import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OffsetClock } from '../helpers/manual-clock.js';
import { eventually, startPushRig, type PushRig } from '../helpers/push-rig.js';
import { eventuallyValue } from '../helpers/wait.js';
import { centrifugoClient } from '../helpers/centrifugo-client.js';
import type { MockSubscription } from '../mocks/webpush/webpush-mock.js';

// Web Push devices throughout: the mock push service checks VAPID tokens on the server's clock, so
// the clock may jump days ahead (the other mocks check their tokens on real time).
const at = (iso: string): number => Date.parse(iso);
const clock = new OffsetClock();
/** Moves the server's clock to `iso` (only ever forward). */
function setClock(iso: string): void {
  const offset = at(iso) - Date.now();
  assert.ok(offset >= clock.offsetMs, `the clock only moves forward (to ${iso})`);
  clock.offsetMs = offset;
}

let rig: PushRig;
let key: string;
before(async () => {
  setClock('2027-03-27T22:00:00Z');
  rig = await startPushRig({}, { clock });
  key = (await rig.key(['devices:read', 'devices:write', 'push:send', 'push:read'])).slice('Bearer '.length);
});
after(() => rig.close());

const { api, result } = centrifugoClient(() => rig, () => key);

async function device(timezone?: string, user?: string): Promise<{ id: string; sub: MockSubscription }> {
  const sub = rig.webpush.createSubscription();
  const res = await rig.call('POST', '/v1/devices', {
    provider: 'webpush', token: { endpoint: sub.endpoint, keys: sub.keys }, ...(timezone ? { timezone } : {}), ...(user ? { user } : {}),
  });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  return { id: res.json.id, sub };
}

async function send(deviceId: string, title: string, limits: unknown, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await rig.call('POST', '/v1/push', { to: { devices: [deviceId] }, notification: { title }, limits, ...extra });
  assert.equal(res.status, 202, JSON.stringify(res.json));
  return res.json.id;
}

const received = (sub: MockSubscription, title: string) =>
  rig.webpush.messages.some((m) => m.subscription === sub.id && m.plaintext.toString('utf8').includes(title));

async function delivery(pushId: string): Promise<any> {
  const res = await rig.call('GET', `/v1/push/${pushId}/deliveries`);
  assert.equal(res.status, 200, JSON.stringify(res.json));
  assert.equal(res.json.deliveries.length, 1);
  return res.json.deliveries[0];
}

/** The delivery once it has left `sending` (a job has looked at it). */
async function settledDelivery(pushId: string, state: string): Promise<any> {
  let d: any;
  await eventually(`delivery of ${pushId} ${state}`, async () => (d = await delivery(pushId)).state === state);
  return d;
}

describe('delivery gates: time windows', () => {
  it('a window in the device zone, across the spring-forward change: 02:30 opens at 03:00 CEST, 09:00 the next morning is CEST', async () => {
    const berlin = await device('Europe/Berlin');
    // The clock started at 23:00 CET on the Saturday before the change (01:00 UTC: 02:00 CET becomes 03:00 CEST).
    const night = await send(berlin.id, 'night-window', { window: { after: '02:30', before: '05:00' } });
    const held = await settledDelivery(night, 'queued');
    assert.equal(held.next_attempt_at, '2027-03-28T01:00:00.000Z', 'due when the clock jumps past 02:30');
    assert.equal(held.attempts, 0, 'a hold is no attempt');
    assert.match(held.last_error, /outside the send window 02:30-05:00 \(Europe\/Berlin\)/);
    assert.equal((await rig.call('GET', `/v1/push/${night}`)).json.state, 'sending', 'still to be sent');

    // 01:59 CET, a minute before the change: nothing yet.
    setClock('2027-03-28T00:59:00Z');
    // A push without limits to the same device goes at once: the worker is awake, the held one still waits.
    await send(berlin.id, 'control', undefined);
    await eventually('a push without limits goes at once', () => received(berlin.sub, 'control'));
    assert.ok(!received(berlin.sub, 'night-window'), 'not before the window');
    assert.equal((await delivery(night)).state, 'queued');

    // Across the change: 03:00:05 CEST.
    setClock('2027-03-28T01:00:05Z');
    await eventually('sent once the window opened', () => received(berlin.sub, 'night-window'));
    const sent = await settledDelivery(night, 'sent');
    assert.ok(at(sent.sent_at) >= at('2027-03-28T01:00:00Z'), sent.sent_at);
    assert.equal(sent.attempts, 1);

    // Past the window (05:00 CEST = 03:00 UTC): the next morning's 09:00 is CEST, 07:00 UTC.
    setClock('2027-03-28T03:30:00Z');
    const morning = await send(berlin.id, 'morning-window', { window: { after: '09:00', before: '10:00' } });
    assert.equal((await settledDelivery(morning, 'queued')).next_attempt_at, '2027-03-28T07:00:00.000Z');
    setClock('2027-03-28T07:00:02Z');
    await eventually('sent at 09:00 CEST', () => received(berlin.sub, 'morning-window'));
    assert.equal((await settledDelivery(morning, 'sent')).attempts, 1);
  });

  it('a device without a zone is dropped, or sent at once with no_zone send (Centrifugo: no_tz_send_now)', async () => {
    const nowhere = await device();
    const dropped = await send(nowhere.id, 'no-zone-drop', { window: { after: '09:00', before: '10:00' } });
    const d = await settledDelivery(dropped, 'dropped');
    assert.equal(d.last_error, 'device has no time zone');
    const view = (await rig.call('GET', `/v1/push/${dropped}`)).json;
    assert.equal(view.state, 'done');
    assert.equal(view.counts.dropped, 1);
    assert.equal(view.counts.sent, 0);

    const { uid } = await result('send_push_notification', {
      recipient: { filter: { ids: [nowhere.id] } },
      notification: { webpush: { payload: { title: 'no-zone-send' } } },
      limit_strategy: { time_limit: { send_after_time: '09:00:00', send_before_time: '10:00:00', no_tz_send_now: true } },
    });
    await eventually('sent at once', () => received(nowhere.sub, 'no-zone-send'));
    assert.equal((await settledDelivery(uid, 'sent')).attempts, 1);
    assert.ok(!received(nowhere.sub, 'no-zone-drop'));
  });

  it('a held delivery can be cancelled, and one whose window opens after expires_at expires at once', async () => {
    const tokyo = await device('Asia/Tokyo');
    // 16:00 in Tokyo: the 09:00 window is tomorrow.
    setClock('2027-03-28T07:00:10Z');
    const held = await send(tokyo.id, 'cancel-me', { window: { after: '09:00', before: '10:00' } });
    assert.equal((await settledDelivery(held, 'queued')).next_attempt_at, '2027-03-29T00:00:00.000Z');
    assert.equal((await rig.call('DELETE', `/v1/push/${held}`)).json.cancelled, 1);
    assert.equal((await delivery(held)).state, 'cancelled');

    const late = await send(tokyo.id, 'expire-me', { window: { after: '09:00', before: '10:00' } }, { expires_at: '2027-03-28T12:00:00Z' });
    const d = await settledDelivery(late, 'expired');
    assert.match(d.last_error, /expires_at passes before the delivery may go/);
    assert.equal((await rig.call('GET', `/v1/push/${late}`)).json.counts.expired, 1);
  });
});

describe('delivery gates: rate limits', () => {
  it('a rate-limited delivery is delayed until the interval has passed', async () => {
    const phone = await device();
    const limits = { rate: { policies: [{ rate: 1, interval_ms: 60_000 }, { rate: 10, interval_ms: 3_600_000 }] } };
    const first = await send(phone.id, 'rate-first', limits);
    await eventually('the first goes at once', () => received(phone.sub, 'rate-first'));
    const sentAt = at((await settledDelivery(first, 'sent')).sent_at);

    const second = await send(phone.id, 'rate-second', limits);
    const held = await settledDelivery(second, 'queued');
    assert.equal(held.last_error, 'rate limited');
    assert.equal(held.attempts, 0);
    const due = at(held.next_attempt_at);
    assert.ok(due > sentAt && due <= sentAt + 60_000, `${held.next_attempt_at} within a minute of the first`);
    assert.ok(!received(phone.sub, 'rate-second'));

    clock.advance(due - clock.now() + 1000);
    await eventually('the second goes once the minute has passed', () => received(phone.sub, 'rate-second'));
    const sent = await settledDelivery(second, 'sent');
    assert.ok(at(sent.sent_at) >= due);
    assert.equal(sent.attempts, 1);
  });

  it('drop_if_rate_limited (Centrifugo) ends the delivery as dropped; a per-user key counts across the user\'s devices', async () => {
    const user = `gates-${Date.now()}`;
    const a = await device(undefined, user);
    const b = await device(undefined, user);
    const strategy = { rate_limit: { key: '{{.device.user}}', policies: [{ rate: 1, interval_ms: 3_600_000 }], drop_if_rate_limited: true } };
    await result('send_push_notification', { recipient: { filter: { ids: [a.id] } }, notification: { webpush: { payload: { title: 'user-one' } } }, limit_strategy: strategy });
    await eventually('the first goes', () => received(a.sub, 'user-one'));
    const two = await result('send_push_notification', { recipient: { filter: { ids: [b.id] } }, notification: { webpush: { payload: { title: 'user-two' } } }, limit_strategy: strategy });
    const view = await eventuallyValue(`push ${two.uid} done`, async () => {
      const v = (await rig.call('GET', `/v1/push/${two.uid}`)).json;
      return v.state === 'done' ? v : undefined;
    });
    assert.equal(view.counts.dropped, 1);
    assert.equal((await delivery(two.uid)).last_error, 'rate limited');
    assert.ok(!received(b.sub, 'user-two'), 'the same user, another device: still limited');
    const stats = (await rig.call('GET', '/v1/push/stats')).json;
    assert.ok((stats.by_provider.webpush?.dropped ?? 0) >= 1, JSON.stringify(stats.by_provider));
  });

  it('bad limits are refused naming the field', async () => {
    const phone = await device();
    const bad = async (limits: unknown) => rig.call('POST', '/v1/push', { to: { devices: [phone.id] }, notification: { title: 'x' }, limits });
    assert.match((await bad({ window: { after: '9:00', before: '10:00' } })).json.error, /limits\.window\.after/);
    assert.match((await bad({ window: { after: '10:00', before: '10:00' } })).json.error, /limits\.window\.before/);
    assert.match((await bad({ rate: { key: '{{.device.meta.plan}}', policies: [{ rate: 1, interval_ms: 60_000 }] } })).json.error, /limits\.rate\.key/);
    for (const limits of [{ rate: { policies: [] } }, { rate: { policies: [{ rate: 0, interval_ms: 60_000 }] } }, { rate: { policies: [{ rate: 1, interval_ms: 999 }] } }]) {
      const res = await bad(limits);
      assert.equal(res.status, 400, JSON.stringify(limits));
    }

    const cf = async (limit_strategy: unknown) => (await api('send_push_notification', {
      recipient: { filter: { ids: [phone.id] } }, notification: { webpush: { payload: { title: 'x' } } }, limit_strategy,
    })).json.error;
    const rows: [unknown, RegExp][] = [
      [{ time_limit: { send_after_time: '25:00:00', send_before_time: '10:00:00' } }, /(?:^|: )limit_strategy\.time_limit\.send_after_time: /],
      [{ time_limit: { send_after_time: '09:00:00', send_before_time: 'noon' } }, /(?:^|: )limit_strategy\.time_limit\.send_before_time: /],
      [{ time_limit: { send_after_time: '09:00:00' } }, /(?:^|: )limit_strategy\.time_limit/],
      [{ rate_limit: { key: '{{.device.locale}}', policies: [{ rate: 1, interval_ms: 1000 }] } }, /(?:^|: )limit_strategy\.rate_limit\.key: /],
      [{ rate_limit: { policies: [] } }, /(?:^|: )limit_strategy\.rate_limit\.policies/],
      [{ rate_limit: { policies: [{ rate: 1, interval_ms: 40 * 86_400_000 }] } }, /(?:^|: )limit_strategy\.rate_limit\.policies\[0\]\.interval_ms/],
    ];
    for (const [strategy, field] of rows) {
      const error = await cf(strategy);
      assert.equal(error?.code, 107, JSON.stringify(strategy));
      assert.match(error.message, field);
    }
  });
});

describe('delivery gates in delivery threads (the real clock; threads are on by default)', () => {
  let threaded: PushRig;
  before(async () => {
    threaded = await startPushRig();
  });
  after(() => threaded.close());

  it('rate limits hold through the main thread\'s counters', async () => {
    const sub = threaded.webpush.createSubscription();
    const reg = await threaded.call('POST', '/v1/devices', { provider: 'webpush', token: { endpoint: sub.endpoint, keys: sub.keys } });
    assert.equal(reg.status, 201, JSON.stringify(reg.json));
    const limits = { rate: { policies: [{ rate: 1, interval_ms: 3_600_000 }], drop: true } };
    const ids: string[] = [];
    for (const title of ['thread-one', 'thread-two']) {
      const res = await threaded.call('POST', '/v1/push', { to: { devices: [reg.json.id] }, notification: { title }, limits });
      assert.equal(res.status, 202, JSON.stringify(res.json));
      ids.push(res.json.id);
      await eventuallyValue(`push ${res.json.id} done`, async () => ((await threaded.call('GET', `/v1/push/${res.json.id}`)).json.state === 'done' ? true : undefined));
    }
    const counts = await Promise.all(ids.map(async (id) => (await threaded.call('GET', `/v1/push/${id}`)).json.counts));
    assert.deepEqual(counts.map((c) => [c.sent, c.dropped]), [[1, 0], [0, 1]]);
    assert.equal(threaded.webpush.messages.filter((m) => m.subscription === sub.id).length, 1);
  });
});
