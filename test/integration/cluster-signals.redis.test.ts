import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBcryptPasswordHasher } from '../../src/adapters/crypto/bcrypt-password-hasher.js';
import { createRedisBus, type RedisBus } from '../../src/adapters/redis/redis-bus.js';
import { createSqliteAuthStore } from '../../src/adapters/sqlite/auth/sqlite-auth-store.js';
import { openHeraldDatabase } from '../../src/adapters/sqlite/herald-db/open-herald-db.js';
import { createSqliteNotifyStore } from '../../src/adapters/sqlite/notify/sqlite-notify-store.js';
import { createSqlitePushStore } from '../../src/adapters/sqlite/push/sqlite-push-store.js';
import { createSqliteQueue } from '../../src/adapters/sqlite/queue/sqlite-queue.js';
import { AccessChanges } from '../../src/core/auth/access-changes.js';
import { AuthService } from '../../src/core/auth/auth-service.js';
import type { Principal } from '../../src/core/auth/principal.js';
import { GuardedStreams } from '../../src/core/auth/stream-guard.js';
import { Hub, type LiveSubscriber } from '../../src/core/hub/hub.js';
import { Inbox, type InboxEvent } from '../../src/core/notify/inbox.js';
import type { PushJob } from '../../src/core/push/jobs.js';
import { noPushEvents } from '../../src/core/push/push-events.js';
import { PushPipeline } from '../../src/core/push/push-pipeline.js';
import { PushService } from '../../src/core/push/push-service.js';
import { SenderRegistry } from '../../src/core/push/senders.js';
import { systemClock } from '../../src/ports/clock.js';
import { silentLogger } from '../../src/ports/logger.js';
import type { Outcome } from '../../src/ports/provider.js';
import { SEND_ABORTED, type EncodedPush, type PushContent, type PushSender, type PushTarget } from '../../src/ports/push-sender.js';
import { namespaceFor, REDIS_URL, serviceSkip } from '../helpers/services.js';
import { eventually } from '../helpers/wait.js';

// Issue 12, point 2 (the Bus): what one node does that the others must hear, at the service level.
// Two "nodes" live in this process: each has its own bus to Redis and its own in-memory parts
// (hub, inbox listeners, password cache, pipeline workers); they share the stores, as nodes on one
// PostgreSQL would. Only the bus links node A's action to node B's reaction.

async function twoBuses(testName: string): Promise<[RedisBus, RedisBus]> {
  const prefix = `${namespaceFor(testName)}:`;
  const a = await createRedisBus({ url: REDIS_URL, prefix, logger: silentLogger });
  const b = await createRedisBus({ url: REDIS_URL, prefix, logger: silentLogger });
  return [a, b];
}

describe('signals across two nodes on one bus', async () => {
  const skipped = await serviceSkip('redis');
  const opts = skipped ? { skip: skipped } : {};

  it("an inbox change on A reaches the subscriber's stream listener on B: item, unread count, gone", opts, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-cluster-inbox-'));
    const store = await createSqliteNotifyStore({ file: join(dir, 'queue.db') });
    const [busA, busB] = await twoBuses('cluster inbox');
    try {
      const inboxA = new Inbox({ store, clock: systemClock, bus: busA });
      const inboxB = new Inbox({ store, clock: systemClock, bus: busB });
      const heard: InboxEvent[] = [];
      inboxB.subscribe('sub-1', (event) => heard.push(event));
      const item = { id: 'item-1', subscriberId: 'sub-1', title: 'Order shipped', body: 'It is on its way', data: { order: 42 }, createdAt: Date.now() };

      await inboxA.deliver(item);
      await eventually("the item on B's listener", () => heard.length === 1);
      assert.deepEqual(heard[0], { kind: 'item', item, unread: 1 });

      await inboxA.update('sub-1', 'item-1', { read: true });
      await eventually("the new unread count on B's listener", () => heard.length === 2);
      assert.deepEqual(heard[1], { kind: 'unread', unread: 0 });

      await inboxA.end('sub-1');
      await eventually("the end on B's listener", () => heard.length === 3);
      assert.deepEqual(heard[2], { kind: 'gone' });
      assert.equal(inboxB.listeners, 0, "B dropped the erased subscriber's listeners");
    } finally {
      await Promise.all([busA.close(), busB.close()]);
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** Two nodes' access parts over one account database. */
  async function accessNodes(testName: string) {
    const dir = mkdtempSync(join(tmpdir(), 'herald-cluster-access-'));
    const store = await createSqliteAuthStore({ file: join(dir, 'user.db') });
    const hasher = createBcryptPasswordHasher({ cost: 4 });
    const [busA, busB] = await twoBuses(testName);
    const node = (bus: RedisBus) => {
      const auth = new AuthService({ store, hasher, clock: systemClock, defaultAccess: 'deny-all' });
      const hub = new Hub();
      const guardedStreams = new GuardedStreams();
      const changes = new AccessChanges({ bus, hub, auth, guardedStreams, logger: silentLogger });
      return { auth, hub, guardedStreams, changes };
    };
    return {
      a: node(busA),
      b: node(busB),
      async close() {
        await Promise.all([busA.close(), busB.close()]);
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }

  /** A live topic subscription as the hub sees it. */
  function subscription(topics: string[], principal: Principal): LiveSubscriber & { closed: boolean } {
    return {
      topics, principal, closed: false,
      accepts: () => true,
      deliver() {},
      close() {
        this.closed = true;
      },
    };
  }

  it("an access change on A closes B's streams that lost access, and only those", opts, async () => {
    const n = await accessNodes('cluster access');
    try {
      await n.a.auth.addUser('alice', 'alice-pass', 'user');
      await n.a.auth.grant('alice', 'news', 'read-only');
      await n.a.auth.grant('alice', 'weather', 'read-only');
      const alice = await n.b.auth.authenticate({ kind: 'basic', username: 'alice', password: 'alice-pass' });
      const news = subscription(['news'], alice);
      const weather = subscription(['weather'], alice);
      n.b.hub.add(news);
      n.b.hub.add(weather);
      let inboxStreamOpen = true;
      n.b.guardedStreams.add({ stillAllowed: async () => (await n.b.auth.allowed(alice, ['news'], 'read')), close: () => (inboxStreamOpen = false) });

      await n.a.auth.resetAccess('alice', 'news');
      await n.a.changes.announce('test: news access revoked');
      await eventually("B's news subscription to close", () => news.closed);
      await eventually("B's guarded stream to close", () => !inboxStreamOpen);
      assert.equal(weather.closed, false, 'the subscription that is still allowed stays open');
      assert.equal(n.b.hub.subscriberCount(), 1);
    } finally {
      await n.close();
    }
  });

  it('a password changed on A is no longer accepted on B, which had remembered it', opts, async () => {
    const n = await accessNodes('cluster password');
    try {
      await n.a.auth.addUser('bob', 'old-pass', 'user');
      const old = { kind: 'basic', username: 'bob', password: 'old-pass' } as const;
      await n.b.auth.authenticate(old);
      await n.a.auth.changePassword('bob', 'new-pass');
      await n.a.changes.announce('test: password changed');
      await eventually('B to refuse the old password', () => n.b.auth.authenticate(old).then(() => false, () => true));
      await n.b.auth.authenticate({ kind: 'basic', username: 'bob', password: 'new-pass' });
    } finally {
      await n.close();
    }
  });

  /** A provider that never answers: a send ends only when it is stopped. */
  class SilentSender implements PushSender {
    readonly provider = 'apns' as const;
    readonly app = 'default';
    readonly started: string[] = [];
    waiting = 0;

    encode(content: PushContent): EncodedPush {
      return { provider: 'apns', bytes: JSON.stringify(content).length };
    }

    send(_push: EncodedPush, targets: readonly PushTarget[], signal?: AbortSignal): Promise<Outcome[]> {
      this.started.push(...targets.map((t) => t.token));
      this.waiting++;
      return new Promise((resolve) => {
        signal?.addEventListener('abort', () => {
          this.waiting--;
          resolve(targets.map(() => ({ kind: 'retry', reason: SEND_ABORTED })));
        }, { once: true });
      });
    }

    async close(): Promise<void> {}
  }

  async function pushNodes(testName: string) {
    const dir = mkdtempSync(join(tmpdir(), 'herald-cluster-push-'));
    const db = await openHeraldDatabase({ file: join(dir, 'herald.db') });
    const queue = await createSqliteQueue<PushJob>({ file: join(dir, 'queue.db') });
    const store = await createSqlitePushStore({ file: join(dir, 'queue.db') });
    const [busA, busB] = await twoBuses(testName);
    // Idle workers poll once an hour: only a wake-up can start the job within the test's deadline.
    const options = { policy: { maxAttempts: 4, backoff: { baseMs: 20, maxMs: 100 } }, concurrency: 10, routers: 2, visibilityMs: 60_000, idlePollMs: 3_600_000, sampleMs: 3_600_000 };
    const node = (bus: RedisBus) => {
      const sender = new SilentSender();
      const senders = new SenderRegistry([sender]);
      const pipeline = new PushPipeline({ store, devices: db.devices, queue, senders, clock: systemClock, logger: silentLogger, events: noPushEvents, bus, options });
      const push = new PushService({
        store, devices: db.devices, queue, senders, pipeline, clock: systemClock, logger: silentLogger,
        options: { idempotencyMs: 24 * 3600_000, lagLimitMs: 0, maxScheduleMs: 30 * 86_400_000 },
      });
      return { sender, pipeline, push };
    };
    // A takes requests but works no queue; B works the queue once started.
    const a = node(busA);
    const b = node(busB);
    return {
      a, b, busA, busB,
      async close() {
        // Bounded: should a cancel not arrive, the silent provider would hold an unbounded stop.
        await b.pipeline.stop({ timeoutMs: 1000 });
        await Promise.all([busA.close(), busB.close()]);
        await queue.close();
        await store.close();
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }

  const sendFrom = (push: PushService, token: string) =>
    push.send({ to: { tokens: [{ provider: 'apns', token }] }, notification: { title: 'Hi' }, overrides: {}, priority: 'normal' }, 'test');

  it('a push accepted on A is routed and sent at once by B, whose workers only poll hourly; a cancel on A stops its send on B', opts, async () => {
    const { a, b, close } = await pushNodes('cluster push');
    await b.pipeline.start();
    try {
      const token = randomBytes(32).toString('hex');
      const sent = await sendFrom(a.push, token);
      await eventually('B to route the push and start its send', () => b.sender.started.includes(token));
      assert.deepEqual(a.sender.started, []);

      assert.equal(await a.push.cancel(sent.id), 1);
      await eventually("B's send in flight to be stopped", () => b.sender.waiting === 0);
      const delivery = (await a.push.deliveries(sent.id, { limit: 1 })).deliveries[0]!;
      assert.equal(delivery.state, 'cancelled');
    } finally {
      await close();
    }
  });

  it("a wake from another node before this node's pipeline started leaves none of its partitions unworked", opts, async () => {
    const { a, b, busA, busB, close } = await pushNodes('cluster early wake');
    try {
      const heardOnB: string[] = [];
      busB.subscribe('queue.wake', ({ partitions }) => heardOnB.push(...partitions));
      await busA.publish('queue.wake', { queue: 'push', partitions: ['default:apns'] });
      await eventually('the wake on B, before its pipeline started', () => heardOnB.includes('default:apns'));
      await b.pipeline.start();
      const token = randomBytes(32).toString('hex');
      await sendFrom(a.push, token);
      await eventually("B's worker of that partition to send", () => b.sender.started.includes(token));
    } finally {
      await close();
    }
  });
});
