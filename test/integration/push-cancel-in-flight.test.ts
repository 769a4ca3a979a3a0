import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { eventually, startPushRig, type PushRig } from '../helpers/push-rig.js';

// Issue 11, item 12: a push that is cancelled, or expires, while its first attempt waits for an
// unreachable provider must never go out when the provider comes back.

const hex = () => randomBytes(32).toString('hex');
const until = (what: string, check: () => Promise<boolean> | boolean) => eventually(what, check, undefined, 50);

describe('a push stopped while its attempt waits for the provider', () => {
  let rig: PushRig;
  // Polled often: the per-key request limit is not what these tests are about.
  before(async () => (rig = await startPushRig({ 'api-key-request-limit-burst': '100000' })));
  after(async () => rig.close());

  async function delivery(id: string): Promise<any> {
    return (await rig.call('GET', `/v1/push/${id}/deliveries`)).json.deliveries[0];
  }

  async function pushTo(token: string, extra: Record<string, unknown> = {}): Promise<string> {
    const sent = await rig.call('POST', '/v1/push', { to: { tokens: [{ provider: 'apns', token }] }, notification: { title: 'Hi' }, ...extra });
    assert.equal(sent.status, 202, JSON.stringify(sent.json));
    return sent.json.id as string;
  }

  /**
   * A push sent once the provider is back: requests wait for a connection in order, so by the time
   * this one is through, anything still waiting before it would have gone out too.
   */
  async function sentinelThrough(): Promise<void> {
    const token = hex();
    const id = await pushTo(token);
    await until('the sentinel push to be sent', async () => (await delivery(id))?.state === 'sent');
  }

  let apnsDown = false;
  async function down(): Promise<void> {
    await rig.apnsDown();
    apnsDown = true;
  }
  async function up(): Promise<void> {
    await rig.apnsUp();
    apnsDown = false;
  }
  // Whatever a test left behind, the next starts with APNs up.
  afterEach(async () => {
    if (apnsDown) await up();
  });

  it('cancelled: DELETE counts the delivery in flight, and it is never sent', async () => {
    await down();
    const token = hex();
    const id = await pushTo(token);
    await until('the delivery to wait on the provider', async () => (await delivery(id))?.state === 'sending');

    const cancel = await rig.call('DELETE', `/v1/push/${id}`);
    assert.equal(cancel.status, 200);
    assert.equal(cancel.json.cancelled, 1, 'the delivery in flight is withdrawn');
    assert.equal((await delivery(id)).state, 'cancelled');

    await up();
    await sentinelThrough();
    assert.equal(rig.apns.requests.filter((r) => r.token === token).length, 0, 'the cancelled push never reached APNs');
    const view = (await rig.call('GET', `/v1/push/${id}`)).json;
    assert.equal(view.state, 'cancelled');
    assert.equal(view.counts.cancelled, 1);
    assert.equal(view.counts.sent, 0);
  });

  it('expired: the attempt stops at expires_at and the delivery ends expired, unsent', async () => {
    await down();
    const token = hex();
    // Long enough to be claimed and waiting first on a busy machine; expiry is checked on the way in too.
    const expiresAt = Date.now() + 4000;
    const id = await pushTo(token, { expires_at: new Date(expiresAt).toISOString() });
    await until('the delivery to end expired', async () => (await delivery(id))?.state === 'expired');
    assert.ok(Date.now() >= expiresAt - 50, 'not before its expiry');
    assert.match((await delivery(id)).last_error, /expires_at passed/);

    await up();
    await sentinelThrough();
    assert.equal(rig.apns.requests.filter((r) => r.token === token).length, 0, 'the expired push never reached APNs');
  });

  it('a cancel while the request is at the provider: its answer is recorded, and no retry follows', async () => {
    const token = hex();
    // APNs asks for a retry, slowly enough for the cancel to land while it thinks.
    rig.apns.answer(token, { status: 503, reason: 'ServiceUnavailable', delayMs: 1500 });
    const id = await pushTo(token);
    await until('APNs to have the request', () => rig.apns.requests.some((r) => r.token === token));

    const cancel = await rig.call('DELETE', `/v1/push/${id}`);
    assert.equal(cancel.json.cancelled, 1);
    await until('the 503 to be recorded', async () => (await delivery(id))?.last_status === 503);
    const d = await delivery(id);
    assert.equal(d.state, 'cancelled', 'a retryable answer does not bring it back');
    assert.equal(d.attempts, 1);

    // A retry would be due within push-retry-max (500 ms here); later pushes go out meanwhile.
    await sentinelThrough();
    await sentinelThrough();
    assert.equal(rig.apns.requests.filter((r) => r.token === token).length, 1, 'sent once, never retried');
    assert.equal((await delivery(id)).state, 'cancelled');
  });
});
