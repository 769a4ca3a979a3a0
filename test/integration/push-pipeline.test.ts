import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHeraldDatabase, type HeraldDatabaseStores } from '../../src/adapters/sqlite/herald-db/open-herald-db.js';
import { createSqlitePushStore, type SqlitePushStore } from '../../src/adapters/sqlite/push/sqlite-push-store.js';
import { createSqliteQueue, type SqliteQueue } from '../../src/adapters/sqlite/queue/sqlite-queue.js';
import type { PushJob } from '../../src/core/push/jobs.js';
import { PushPipeline } from '../../src/core/push/push-pipeline.js';
import { LocalBus } from '../../src/adapters/local/local-bus.js';
import { PushService, type PushRequest } from '../../src/core/push/push-service.js';
import { SenderRegistry } from '../../src/core/push/senders.js';
import { noPushEvents } from '../../src/core/push/push-events.js';
import { HeraldError } from '../../src/errors/index.js';
import { silentLogger } from '../../src/ports/logger.js';
import { OffsetClock } from '../helpers/manual-clock.js';
import { ScriptedSender } from '../helpers/scripted-sender.js';
import { eventually } from '../helpers/wait.js';

interface Rig {
  dir: string;
  db: HeraldDatabaseStores;
  queue: SqliteQueue<PushJob>;
  store: SqlitePushStore;
  apns: ScriptedSender;
  fcm: ScriptedSender;
  pipeline: PushPipeline;
  push: PushService;
  /** Every part's clock: real time, moved ahead where a test would otherwise wait for a schedule, a retry or an expiry. */
  clock: OffsetClock;
  /** True when no job is due or held: nothing more is sent until the clock moves. */
  idle(): Promise<boolean>;
  close(): Promise<void>;
}

async function rig(options: { maxAttempts?: number; lagLimitMs?: number; dir?: string } = {}): Promise<Rig> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'herald-pipeline-'));
  const clock = new OffsetClock();
  const db = await openHeraldDatabase({ file: join(dir, 'herald.db') });
  const queue = await createSqliteQueue<PushJob>({ file: join(dir, 'queue.db'), clock });
  const store = await createSqlitePushStore({ file: join(dir, 'queue.db') });
  const apns = new ScriptedSender('apns');
  const fcm = new ScriptedSender('fcm');
  const senders = new SenderRegistry([apns, fcm]);
  const pipeline = new PushPipeline({
    store, devices: db.devices, queue, senders, clock, logger: silentLogger, events: noPushEvents, bus: new LocalBus(silentLogger),
    options: { policy: { maxAttempts: options.maxAttempts ?? 4, backoff: { baseMs: 20, maxMs: 100 } }, concurrency: 250, routers: 2, visibilityMs: 60_000, idlePollMs: 20, sampleMs: 100 },
  });
  const push = new PushService({
    store, devices: db.devices, queue, senders, pipeline, clock, logger: silentLogger,
    options: { idempotencyMs: 24 * 3600_000, lagLimitMs: options.lagLimitMs ?? 0, maxScheduleMs: 30 * 86_400_000 },
  });
  await pipeline.start();
  return {
    dir, db, queue, store, apns, fcm, pipeline, push, clock,
    async idle() {
      return (await queue.stats()).every((p) => p.ready === 0 && p.reserved === 0);
    },
    async close() {
      await pipeline.stop();
      await queue.close();
      await store.close();
      await db.close();
    },
  };
}

const hex = () => randomBytes(32).toString('hex');

async function registerMany(r: Rig, n: number, fields: { topics?: string[]; user?: string; provider?: 'apns' | 'fcm' } = {}): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const provider = fields.provider ?? (i % 2 === 0 ? 'apns' : 'fcm');
    const { device } = await r.db.devices.register({ app: 'default', provider, platform: 'x', token: hex(), ...(fields.topics ? { topics: fields.topics } : {}), ...(fields.user ? { user: fields.user } : {}) }, r.clock.now());
    ids.push(device.id);
  }
  return ids;
}

function request(fields: Partial<PushRequest> & Pick<PushRequest, 'to'>): PushRequest {
  return { notification: { title: 'Hi', body: 'there' }, overrides: {}, priority: 'normal', ...fields };
}

describe('push pipeline (scripted providers, real SQLite queue and ledger)', () => {
  let r: Rig;
  before(async () => (r = await rig()));
  after(async () => {
    await r.close();
    rmSync(r.dir, { recursive: true, force: true });
  });

  it('broadcasts to a topic: every device once, in chunks per provider, and the push ends done', async () => {
    await registerMany(r, 1200, { topics: ['news'] });
    const before = r.apns.total() + r.fcm.total();
    const sent = await r.push.send(request({ to: { topics: ['news'] } }), 'test');
    assert.equal(sent.state, 'routing');
    await eventually('the broadcast to finish', async () => (await r.push.view(sent.id)).state === 'done');
    const view = await r.push.view(sent.id);
    assert.equal(view.targets, 1200);
    assert.equal(view.counts.sent, 1200);
    assert.equal(r.apns.total() + r.fcm.total() - before, 1200);
    assert.ok([...r.apns.sends.values(), ...r.fcm.sends.values()].every((n) => n === 1), 'nobody got two');
    assert.ok(r.apns.batches.every((b) => b.length <= 250), 'send jobs hold at most 250 targets');
    assert.equal(view.byProvider.apns?.sent, 600);
  });

  it('a device reached by id, user and topic at once gets the push once; targets is exact for small pushes', async () => {
    const [id] = await registerMany(r, 1, { topics: ['dup'], user: 'u-dup', provider: 'apns' });
    const token = (await r.db.devices.byId(id!))!.token;
    const sent = await r.push.send(request({ to: { devices: [id!], users: ['u-dup'], topics: ['dup'] } }), 'test');
    await eventually('done', async () => (await r.push.view(sent.id)).state === 'done');
    assert.equal((await r.push.view(sent.id)).targets, 1);
    assert.equal(r.apns.sends.get(token), 1);
  });

  it('re-sending the same id within the window returns the first push and sends nothing again', async () => {
    const [id] = await registerMany(r, 1, { provider: 'fcm' });
    const token = (await r.db.devices.byId(id!))!.token;
    const first = await r.push.send(request({ id: 'order-42-shipped', to: { devices: [id!] } }), 'test');
    assert.equal(first.created, true);
    assert.equal(first.targets, 1);
    const again = await r.push.send(request({ id: 'order-42-shipped', to: { devices: [id!] }, notification: { title: 'other' } }), 'test');
    assert.deepEqual({ id: again.id, targets: again.targets }, { id: first.id, targets: first.targets });
    assert.equal(again.created, false);
    await eventually('sent', async () => (await r.push.view('order-42-shipped')).counts.sent === 1);
    // With no job due or held, a second send could only come from a job the repeat had queued.
    await eventually('nothing left to send', () => r.idle());
    assert.equal(r.fcm.sends.get(token), 1);
  });

  it('retries with backoff until sent, and dead-letters after the configured attempts; replay brings it back', async () => {
    const [flaky, hopeless] = await registerMany(r, 2, { provider: 'apns' });
    const flakyToken = (await r.db.devices.byId(flaky!))!.token;
    const hopelessToken = (await r.db.devices.byId(hopeless!))!.token;
    r.apns.script(flakyToken, { kind: 'retry', status: 503, reason: 'ServiceUnavailable' }, { kind: 'retry', status: 500, reason: 'InternalServerError' });
    r.apns.script(hopelessToken, ...Array.from({ length: 4 }, () => ({ kind: 'retry' as const, status: 503, reason: 'ServiceUnavailable' })));
    const sent = await r.push.send(request({ to: { devices: [flaky!, hopeless!] } }), 'test');
    await eventually('both settled', async () => (await r.push.view(sent.id)).state === 'done');
    const { deliveries } = await r.push.deliveries(sent.id, { limit: 10 });
    const byDevice = new Map(deliveries.map((d) => [d.deviceId, d]));
    assert.equal(byDevice.get(flaky!)?.state, 'sent');
    assert.equal(byDevice.get(flaky!)?.attempts, 3);
    assert.equal(byDevice.get(hopeless!)?.state, 'dead');
    assert.equal(byDevice.get(hopeless!)?.attempts, 4);
    assert.equal(byDevice.get(hopeless!)?.lastError, 'ServiceUnavailable');

    const dlq = await r.push.deadLetters({ provider: 'apns', limit: 10 });
    const dead = dlq.deliveries.find((d) => d.deviceId === hopeless);
    assert.ok(dead, 'listed in the dead letters');
    assert.equal(dead.pushId, sent.id);
    assert.equal(await r.push.replay({ ids: [dead.id] }), 1);
    await eventually('replayed and sent', async () => (await r.push.view(sent.id)).counts.sent === 2);
    assert.equal(r.apns.sends.get(hopelessToken), 5);
    assert.equal((await r.push.deadLetters({ provider: 'apns', limit: 10 })).deliveries.some((d) => d.deviceId === hopeless), false);
  });

  it('an invalid token marks the device invalid and a second broadcast skips it; a 410 older than the last registration does not', async () => {
    const ids = await registerMany(r, 10, { topics: ['hygiene'], provider: 'fcm' });
    const tokens = await Promise.all(ids.map(async (id) => (await r.db.devices.byId(id))!.token));
    for (const t of tokens.slice(0, 3)) r.fcm.script(t, { kind: 'invalid_token', status: 404, reason: 'UNREGISTERED' });
    // Died at time 1 (long ago), but registered since: stays active.
    r.fcm.script(tokens[3]!, { kind: 'invalid_token', status: 410, reason: 'Unregistered', since: 1 });
    const first = await r.push.send(request({ to: { topics: ['hygiene'] } }), 'test');
    await eventually('first done', async () => (await r.push.view(first.id)).state === 'done');
    assert.equal((await r.push.view(first.id)).counts.invalid_token, 4);
    await eventually('devices marked', async () => (await r.db.devices.byId(ids[0]!))?.state === 'invalid');
    for (const id of ids.slice(0, 3)) assert.equal((await r.db.devices.byId(id))?.state, 'invalid');
    assert.equal((await r.db.devices.byId(ids[3]!))?.state, 'active', 'the 410 predates the registration');
    const second = await r.push.send(request({ to: { topics: ['hygiene'] } }), 'test');
    await eventually('second done', async () => (await r.push.view(second.id)).state === 'done');
    assert.equal((await r.push.view(second.id)).targets, 7);
    for (const t of tokens.slice(0, 3)) assert.equal(r.fcm.sends.get(t), 1, 'nothing sent to an invalid device again');
  });

  it('a throttled device waits and is retried; a rejected push fails with its reason', async () => {
    const [slow, bad] = await registerMany(r, 2, { provider: 'apns' });
    const slowToken = (await r.db.devices.byId(slow!))!.token;
    const badToken = (await r.db.devices.byId(bad!))!.token;
    r.apns.script(slowToken, { kind: 'throttled', target: 'device', status: 429, reason: 'TooManyRequests', afterMs: 150 });
    r.apns.script(badToken, { kind: 'rejected', status: 400, reason: 'BadTopic' });
    const started = r.clock.now();
    const sent = await r.push.send(request({ to: { devices: [slow!, bad!] } }), 'test');
    await eventually('done', async () => (await r.push.view(sent.id)).state === 'done');
    // A lower bound, so a slow machine cannot break it: the retry did not come before Retry-After.
    assert.ok(r.clock.now() - started >= 150, 'Retry-After honoured');
    const { deliveries } = await r.push.deliveries(sent.id, { limit: 10 });
    assert.equal(deliveries.find((d) => d.deviceId === slow)?.state, 'sent');
    const failed = deliveries.find((d) => d.deviceId === bad);
    assert.equal(failed?.state, 'failed');
    assert.equal(failed?.lastError, 'BadTopic');
    assert.equal(failed?.lastStatus, 400);
  });

  it('schedules with send_at, and cancelling a scheduled push sends nothing', async () => {
    const [id] = await registerMany(r, 1, { provider: 'fcm' });
    const token = (await r.db.devices.byId(id!))!.token;
    const later = await r.push.send(request({ to: { devices: [id!] }, sendAt: r.clock.now() + 3600_000 }), 'test');
    assert.equal(later.state, 'scheduled');
    assert.equal((await r.push.view(later.id)).state, 'scheduled');
    const cancelled = await r.push.send(request({ to: { devices: [id!] }, sendAt: r.clock.now() + 3600_000 }), 'test');
    await r.push.cancel(cancelled.id);
    assert.equal(r.fcm.sends.get(token), undefined, 'nothing before its time');

    r.clock.advance(2 * 3600_000);
    await eventually('sent at its time', async () => (await r.push.view(later.id)).counts.sent === 1);
    // Both fell due together; once nothing is due or held, the cancelled one would have gone out.
    await eventually('nothing left to send', () => r.idle());
    assert.equal((await r.push.view(cancelled.id)).state, 'cancelled');
    assert.equal(r.fcm.sends.get(token), 1, 'the cancelled push never went out');
  });

  it('cancelling mid-flight cancels what was not sent yet', async () => {
    await registerMany(r, 600, { topics: ['cancel-me'], provider: 'apns' });
    // The first chunk hangs at the provider until the cancel is in; the rest waits its turn.
    const release = r.apns.hold();
    try {
      const batchesBefore = r.apns.batches.length;
      const sent = await r.push.send(request({ to: { topics: ['cancel-me'] } }), 'test');
      await eventually('first chunk out', () => r.apns.batches.length > batchesBefore);
      const n = await r.push.cancel(sent.id);
      const reachedProvider = r.apns.batches.length;
      assert.ok(n > 0, 'some deliveries were still waiting');
      release();
      // What the provider already held ends as the provider answered (sent); the rest stays cancelled.
      const held = r.apns.batches.slice(batchesBefore, reachedProvider).reduce((sum, b) => sum + b.length, 0);
      await eventually('the held chunk recorded as sent', async () => (await r.push.view(sent.id)).counts.sent === held);
      const view = await r.push.view(sent.id);
      assert.equal(view.state, 'cancelled');
      assert.equal(view.counts.sending, 0);
      assert.equal(r.apns.batches.length, reachedProvider, 'nothing reached the provider after the cancel');
      assert.equal(view.counts.sent + view.counts.cancelled, view.targets);
    } finally {
      release();
    }
  });

  it('drops deliveries whose expires_at passed before they could be sent', async () => {
    const [id] = await registerMany(r, 1, { provider: 'apns' });
    const token = (await r.db.devices.byId(id!))!.token;
    r.apns.script(token, { kind: 'retry', status: 503, afterMs: 2 * 3600_000 });
    const sent = await r.push.send(request({ to: { devices: [id!] }, expiresAt: r.clock.now() + 3600_000 }), 'test');
    await eventually('the first attempt', () => r.apns.sends.get(token) === 1);
    // Only once the retry is booked (nothing due or held) may the clock move: its time is reckoned
    // from the clock. It then falls due after the expiry.
    await eventually('the retry booked', () => r.idle());
    r.clock.advance(3 * 3600_000);
    await eventually('expired', async () => (await r.push.view(sent.id)).counts.expired === 1);
    assert.equal(r.apns.sends.get(token), 1, 'no second attempt after expiry');
  });

  it('refuses what no provider could send, naming the provider, and stores nothing', async () => {
    r.fcm.refuse = new HeraldError('pushPayloadTooLarge', { detail: 'fcm: 5000 bytes, limit 4000' });
    try {
      await assert.rejects(r.push.send(request({ id: 'too-big', to: { topics: ['news'] } }), 'test'), { code: 40061, message: /fcm/ });
      await assert.rejects(r.push.view('too-big'), { code: 40405 });
    } finally {
      r.fcm.refuse = undefined;
    }
    await assert.rejects(r.push.send(request({ to: {} }), 'test'), { code: 40063 });
    await assert.rejects(r.push.send(request({ to: { tokens: [{ provider: 'hms', token: 'x' }] } }), 'test'), { code: 40064 });
    await assert.rejects(r.push.send(request({ to: { topics: ['x'] }, expiresAt: r.clock.now() - 1 }), 'test'), { code: 40063 });
  });

  it('retention prunes pushes with their deliveries, counts and stats; newer pushes stay', async () => {
    const [id] = await registerMany(r, 1, { provider: 'apns' });
    const old = await r.push.send(request({ id: 'old-push', to: { devices: [id!] } }), 'test');
    await eventually('sent', async () => (await r.push.view(old.id)).counts.sent === 1);
    const cutoff = r.clock.now() + 1;
    r.clock.advance(5);
    const fresh = await r.push.send(request({ id: 'fresh-push', to: { devices: [id!] } }), 'test');
    const pruned = await r.store.prune(cutoff);
    assert.ok(pruned >= 1);
    await assert.rejects(r.push.view('old-push'), { code: 40405 });
    assert.equal((await r.push.view(fresh.id)).targets, 1);
  });

  it('a slow provider does not hold back another', async () => {
    const [a] = await registerMany(r, 1, { provider: 'apns' });
    const [f] = await registerMany(r, 1, { provider: 'fcm' });
    const fcmToken = (await r.db.devices.byId(f!))!.token;
    // FCM hangs until the end of the test: APNs must get through all the same.
    const release = r.fcm.hold();
    try {
      const slow = await r.push.send(request({ to: { devices: [f!] } }), 'test');
      await eventually('the FCM send hanging', () => r.fcm.batches.some((b) => b.includes(fcmToken)));
      const fast = await r.push.send(request({ to: { devices: [a!] } }), 'test');
      await eventually('apns sent while fcm is stuck', async () => (await r.push.view(fast.id)).counts.sent === 1);
      assert.equal((await r.push.view(slow.id)).counts.sent, 0);
    } finally {
      release();
    }
  });
});

describe('push pipeline restart', () => {
  it('deliveries left queued or in flight by a stopped process are sent after a restart, none twice', async () => {
    const first = await rig();
    const dir = first.dir;
    try {
      await registerMany(first, 800, { topics: ['restart'], provider: 'apns' });
      const release = first.apns.hold();
      const sent = await first.push.send(request({ to: { topics: ['restart'] } }), 'test');
      await eventually('a chunk in hand', () => first.apns.batches.length > 0);
      // Stop reserving, close everything: what was in hand finishes, the rest stays queued.
      const closing = first.close();
      release();
      await closing;
      const sentBefore = first.apns.total();
      assert.ok(sentBefore < 800, 'stopped part-way');
      const second = await rig({ dir });
      try {
        await eventually('all sent after restart', async () => (await second.push.view(sent.id)).counts.sent === 800);
        assert.equal(sentBefore + second.apns.total(), 800, 'exactly one send per device across both processes');
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
