import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OffsetClock } from '../helpers/manual-clock.js';
import { eventually, startPushRig, type PushRig } from '../helpers/push-rig.js';
import { randomTopic } from '../helpers/server.js';
import type { MockSubscription } from '../mocks/webpush/webpush-mock.js';

const DAY = 86_400_000;

describe('web-push-expiry-warning-duration and web-push-expiry-duration', () => {
  const clock = new OffsetClock();
  let rig: PushRig;
  before(async () => {
    // ntfy's defaults (55d warning, 60d removal), checked every 100 ms of real time.
    rig = await startPushRig({ 'manager-interval': '100ms' }, { clock });
  });
  after(() => rig.close());

  const topic = randomTopic('wpx');
  const subscribe = async (sub: MockSubscription) => {
    const res = await rig.call('POST', '/v1/webpush', { endpoint: sub.endpoint, auth: sub.keys.auth, p256dh: sub.keys.p256dh, topics: [topic] }, '');
    assert.equal(res.status, 200, JSON.stringify(res.json));
  };
  const pushesTo = (sub: MockSubscription) => rig.webpush.messages.filter((m) => m.subscription === sub.id).map((m) => JSON.parse(m.plaintext.toString('utf8')) as Record<string, unknown>);
  const warningsTo = (sub: MockSubscription) => pushesTo(sub).filter((p) => p.event === 'subscription_expiring');
  /**
   * Every push so far has ended (each delivery recorded): moving the clock by days while a send is
   * still in flight would expire its reservation, and at-least-once delivery would then send it again.
   */
  const settled = () => eventually('every push done', async () => ((await rig.call('GET', '/v1/push?limit=200')).json.pushes as { state: string }[]).every((p) => p.state === 'done'));
  const webPushDevices = async () => (await rig.call('GET', '/v1/devices?provider=webpush&limit=1000')).json.devices as { id: string; token: { endpoint: string }; meta: Record<string, unknown> }[];

  it('warns a browser once after the warning duration, removes it after the expiry duration, and starts over on renewal', async () => {
    const a = rig.webpush.createSubscription({ applicationServerKey: rig.vapidPublicKey });
    const b = rig.webpush.createSubscription({ applicationServerKey: rig.vapidPublicKey });
    const app = rig.webpush.createSubscription({ applicationServerKey: rig.vapidPublicKey });
    await subscribe(a);
    // A browser of the push API, registered by an app backend: its lifecycle is the app's, not ntfy's.
    const registered = await rig.call('POST', '/v1/devices', { provider: 'webpush', platform: 'web', token: { endpoint: app.endpoint, keys: app.keys } });
    assert.ok(registered.status === 200 || registered.status === 201, JSON.stringify(registered.json));
    clock.advance(4 * DAY);
    await subscribe(b);

    clock.advance(52 * DAY); // a: 56 days, b: 52 days
    await eventually('a gets the expiry warning', () => warningsTo(a).length === 1);
    assert.deepEqual(warningsTo(a)[0]!.event, 'subscription_expiring');
    assert.equal(rig.webpush.messages.find((m) => m.subscription === a.id)!.urgency, 'high');

    await settled();
    clock.advance(3.5 * DAY); // a: 59.5 days, b: 55.5 days
    await eventually('b gets the expiry warning', () => warningsTo(b).length === 1);
    assert.equal(warningsTo(a).length, 1, 'a was not warned a second time by the passes since');
    await subscribe(b); // b's web app ran: the subscription is renewed

    await settled();
    clock.advance(1.5 * DAY); // a: 61 days, b: 1.5 days since renewal
    await eventually('a is removed', async () => !(await webPushDevices()).some((d) => d.token.endpoint === a.endpoint));
    const left = await webPushDevices();
    assert.ok(left.some((d) => d.token.endpoint === b.endpoint), 'the renewed browser stays');
    assert.ok(left.some((d) => d.token.endpoint === app.endpoint), 'push-API devices are not expired');
    assert.equal(pushesTo(app).length, 0, 'nor warned');

    const before = pushesTo(a).length;
    assert.equal((await fetch(`${rig.server.url}/${topic}`, { method: 'POST', body: 'still here?' })).status, 200);
    await eventually('b gets the message', () => pushesTo(b).some((p) => p.event === 'message'));
    assert.equal(pushesTo(a).length, before, 'the removed browser gets nothing');

    await settled();
    clock.advance(56 * DAY); // b: 57.5 days since renewal
    await eventually('b is warned again, for its new registration', () => warningsTo(b).length === 2);
  });
});
