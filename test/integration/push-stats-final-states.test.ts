import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { eventually, startPushRig, type PushRig } from '../helpers/push-rig.js';

// Issue 11, item 14: /v1/push/stats counted attempt outcomes, so a delivery replayed from the dead
// letters showed as both dead and sent, retries inflated the totals, and p99 included the replay.

const hex = () => randomBytes(32).toString('hex');

describe('/v1/push/stats', () => {
  let rig: PushRig;
  before(async () => (rig = await startPushRig({ 'push-max-attempts': '2', 'api-key-request-limit-burst': '100000' })));
  after(async () => rig.close());

  async function delivery(id: string): Promise<any> {
    return (await rig.call('GET', `/v1/push/${id}/deliveries`)).json.deliveries[0];
  }

  it('counts each delivery once, in the state it ended in, and attempts apart; a replay is not a latency', async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    const flaky = hex();
    rig.apns.answer(flaky, { status: 503, reason: 'ServiceUnavailable' }, { status: 503, reason: 'ServiceUnavailable' });
    const first = await rig.call('POST', '/v1/push', { to: { tokens: [{ provider: 'apns', token: flaky }] }, notification: { title: 'Hi' } });
    await eventually('the flaky delivery to die', async () => (await delivery(first.json.id))?.state === 'dead');

    const fine = await rig.call('POST', '/v1/push', { to: { tokens: [{ provider: 'apns', token: hex() }] }, notification: { title: 'Hi' } });
    await eventually('the other delivery to be sent', async () => (await delivery(fine.json.id))?.state === 'sent');

    const dead = await delivery(first.json.id);
    const replay = await rig.call('POST', '/v1/dlq/replay', { ids: [dead.id] });
    assert.equal(replay.status, 200, JSON.stringify(replay.json));
    await eventually('the replay to be sent', async () => (await delivery(first.json.id))?.state === 'sent');

    const stats = (await rig.call('GET', `/v1/push/stats?since=${encodeURIComponent(since)}`)).json;
    assert.deepEqual(stats.by_provider, { apns: { sent: 2 } }, 'two deliveries, both ended sent: the replayed one is no longer dead, and retries are no end');
    assert.deepEqual(stats.attempts, { apns: { retry: 2, ok: 2 } }, 'every attempt, by what APNs answered');
    assert.equal(stats.latency_ms.count, 1, 'only the first-time send is a latency; the replay waited in the dead letters');
  });
});
