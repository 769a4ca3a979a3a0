import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCounters } from '../../src/adapters/local/local-counters.js';
import { createRedisBus, type RedisBus } from '../../src/adapters/redis/redis-bus.js';
import { openHeraldDatabase } from '../../src/adapters/sqlite/herald-db/open-herald-db.js';
import { createSqliteNotifyStore } from '../../src/adapters/sqlite/notify/sqlite-notify-store.js';
import { createSqliteQueue } from '../../src/adapters/sqlite/queue/sqlite-queue.js';
import { createLiquidEngine } from '../../src/adapters/templates/liquid-engine.js';
import { SubscriberTokens } from '../../src/core/keys/subscriber-tokens.js';
import { ChannelDispatch } from '../../src/core/notify/channel-dispatch.js';
import { NotifyDirectory } from '../../src/core/notify/directory.js';
import { NotifyEngine } from '../../src/core/notify/notify-engine.js';
import type { NotifyJob } from '../../src/core/notify/notify-jobs.js';
import { NotifyService } from '../../src/core/notify/notify-service.js';
import { systemClock } from '../../src/ports/clock.js';
import { silentLogger } from '../../src/ports/logger.js';
import type { WebhookMessage, WebhookSender } from '../../src/ports/notify-channels.js';
import type { Outcome } from '../../src/ports/provider.js';
import { namespaceFor, REDIS_URL, serviceSkip } from '../helpers/services.js';
import { eventually } from '../helpers/wait.js';

// Issue 12, points 2 and 5: the notify engine's signals across nodes, at the service level. Two
// "nodes" live in this process, each with its own engine (loops, notification copies) and its own
// bus to Redis; they share one notify store and queue, as nodes on one PostgreSQL do. A only takes
// requests (its engine is never started); B works the queue. Only the bus links A's action to B.

/** A webhook endpoint the test answers by hand: each send waits until the test releases it. */
class HeldWebhooks implements WebhookSender {
  readonly received: WebhookMessage[] = [];
  readonly #waiting: ((outcome: Outcome) => void)[] = [];

  send(message: WebhookMessage): Promise<Outcome> {
    this.received.push(message);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Answers the oldest send still waiting. */
  answer(outcome: Outcome): void {
    const next = this.#waiting.shift();
    if (!next) throw new Error('no webhook send is waiting');
    next(outcome);
  }

  /** Answers every send still waiting (at the end of a test, so the engine can stop). */
  answerAll(outcome: Outcome): void {
    while (this.#waiting.length > 0) this.answer(outcome);
  }

  async close(): Promise<void> {}
}

const OPTIONS = { maxAttempts: 5, backoff: { baseMs: 20, maxMs: 100 }, fallbackTimeoutMs: 60_000, concurrency: 10, visibilityMs: 60_000 };

async function notifyNodes(testName: string, idlePollMs: { a: number; b: number }) {
  const dir = mkdtempSync(join(tmpdir(), 'herald-notify-cluster-'));
  const db = await openHeraldDatabase({ file: join(dir, 'herald.db') });
  const store = await createSqliteNotifyStore({ file: join(dir, 'queue.db') });
  const queue = await createSqliteQueue<NotifyJob>({ file: join(dir, 'queue.db') });
  const prefix = `${namespaceFor(testName)}:`;
  const buses: RedisBus[] = [];
  const webhooks = new HeldWebhooks();
  const directory = new NotifyDirectory({ store, devices: db.devices, engine: createLiquidEngine(), clock: systemClock });
  const dispatch = new ChannelDispatch({
    transports: {
      webhook: webhooks,
      push: { send: () => Promise.reject(new Error('no push in this test')), view: () => Promise.reject(new Error('no push in this test')) },
      inbox: { deliver: () => Promise.reject(new Error('no inbox in this test')) },
    },
    store, tokens: new SubscriberTokens(['a test secret of at least thirty-two characters']), baseUrl: '',
  });
  const node = async (pollMs: number) => {
    const bus = await createRedisBus({ url: REDIS_URL, prefix, logger: silentLogger });
    buses.push(bus);
    // No caps in these tests: the counters are never asked.
    const engine = new NotifyEngine({
      store, directory, devices: db.devices, queue, dispatch, bus, counters: new LocalCounters(), clock: systemClock, logger: silentLogger,
      pushView: async () => undefined, options: { ...OPTIONS, idlePollMs: pollMs },
    });
    const service = new NotifyService({
      store, directory, queue, engine, dispatch, clock: systemClock, logger: silentLogger, options: { idempotencyMs: 86_400_000, maxScheduleMs: 30 * 86_400_000 },
    });
    return { bus, engine, service };
  };
  const a = await node(idlePollMs.a);
  const b = await node(idlePollMs.b);
  await directory.putCategory('orders', { channels: ['webhook'] });
  await directory.putTemplate('shipped', { category: 'orders', channels: { webhook: { body: { order: '{{ order }}' } } } });
  await directory.putSubscriber('ann', { webhook_url: 'https://hooks.example.com/ann' });
  return {
    a, b, store, queue, webhooks,
    /** Sends from A to ann; the notification's id. */
    async notify(order: string): Promise<string> {
      return (await a.service.notify({ template: 'shipped', to: { subscribers: ['ann'] }, data: { order } }, { id: 'test' })).id;
    },
    async close() {
      webhooks.answerAll({ kind: 'ok' });
      await b.service.stop();
      for (const bus of buses) await bus.close();
      await queue.close();
      await store.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('the notify engine across two nodes on one bus', async () => {
  const skipped = await serviceSkip('redis');
  const opts = skipped ? { skip: skipped } : {};

  it('a notification accepted on A is routed and sent at once by B, whose loops poll only hourly', opts, async () => {
    const n = await notifyNodes('notify cluster wake', { a: 3_600_000, b: 3_600_000 });
    try {
      // B is idle before the notification exists: only a wake-up from A can start it in time.
      await n.b.service.start();
      await n.notify('1001');
      await eventually('B to send the webhook', () => n.webhooks.received.length === 1);
      assert.deepEqual(JSON.parse(n.webhooks.received[0]!.body).data, { order: '1001' });
      n.webhooks.answer({ kind: 'ok' });
    } finally {
      await n.close();
    }
  });

  it('a cancel on A stops B: a send B had in flight, and queued again, is not sent again', opts, async () => {
    // B polls often here: its retry is due a few ms after it is queued, and nothing wakes B for a
    // job due later. A's loops never run.
    const n = await notifyNodes('notify cluster cancel', { a: 3_600_000, b: 20 });
    try {
      await n.b.service.start();
      const id = await n.notify('1002');
      await eventually('B to start the webhook send', () => n.webhooks.received.length === 1);
      const seq = (await n.store.getNotification(id))!.seq;
      // B holds its copy of the notification (routed, not cancelled) from routing and sending it.

      let heardOnB = false;
      // Subscribed after B's engine, so when this runs B's engine has dropped its copy.
      n.b.bus.subscribe('notify.cancelled', (p) => (heardOnB ||= p.seq === seq));
      assert.deepEqual(await n.a.service.cancel(id), { cancelled: 1 });
      await eventually('B to hear the cancel', () => heardOnB);

      // The endpoint answers 503 only now, after the cancel: B queues a retry the cancel never saw.
      n.webhooks.answer({ kind: 'retry', status: 503, reason: 'busy' });
      await eventually('B to work its retry and end the delivery cancelled', async () => {
        const row = await n.store.getChannel(seq, 'ann', 'webhook');
        const partition = (await n.queue.stats()).find((p) => p.partition === 'notify:webhook');
        return row?.state === 'cancelled' && (partition === undefined || (partition.waiting === 0 && partition.reserved === 0));
      });
      assert.equal(n.webhooks.received.length, 1, 'the retry found the notification cancelled and sent nothing');
      const row = (await n.store.getChannel(seq, 'ann', 'webhook'))!;
      assert.equal(row.reason, 'the notification was cancelled');
      assert.equal((await n.store.getRecipient(seq, 'ann'))?.state, 'cancelled');
    } finally {
      await n.close();
    }
  });
});
