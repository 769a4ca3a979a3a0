import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHeraldDatabase } from '../../src/adapters/sqlite/herald-db/open-herald-db.js';
import { createSqlitePushStore } from '../../src/adapters/sqlite/push/sqlite-push-store.js';
import { createSqliteQueue } from '../../src/adapters/sqlite/queue/sqlite-queue.js';
import type { PushJob } from '../../src/core/push/jobs.js';
import { noPushEvents } from '../../src/core/push/push-events.js';
import { PushPipeline } from '../../src/core/push/push-pipeline.js';
import { LocalBus } from '../../src/adapters/local/local-bus.js';
import { PushService } from '../../src/core/push/push-service.js';
import { SenderRegistry } from '../../src/core/push/senders.js';
import { systemClock } from '../../src/ports/clock.js';
import { silentLogger } from '../../src/ports/logger.js';
import type { Outcome } from '../../src/ports/provider.js';
import { SEND_ABORTED, type EncodedPush, type PushContent, type PushSender, type PushTarget } from '../../src/ports/push-sender.js';
import { eventually } from '../helpers/wait.js';

// Issue 11, items 12 and 17, with the deliveries worked on the main thread (push-delivery-threads
// off): a provider that never answers holds neither a cancel, an expiry nor a shutdown.

/** A provider that takes every request and never answers: a send ends only when stopped or closed. */
class SilentSender implements PushSender {
  readonly provider = 'apns' as const;
  readonly app = 'default';
  readonly started: string[] = [];
  readonly #waiting = new Set<() => void>();

  encode(content: PushContent): EncodedPush {
    return { provider: 'apns', bytes: JSON.stringify(content).length };
  }

  send(_push: EncodedPush, targets: readonly PushTarget[], signal?: AbortSignal): Promise<Outcome[]> {
    this.started.push(...targets.map((t) => t.token));
    return new Promise((resolve) => {
      const end = (reason: string) => {
        this.#waiting.delete(onClose);
        resolve(targets.map(() => ({ kind: 'retry', reason })));
      };
      const onClose = () => end('closed');
      this.#waiting.add(onClose);
      signal?.addEventListener('abort', () => end(SEND_ABORTED), { once: true });
    });
  }

  /** Sends still waiting for an answer. */
  get waiting(): number {
    return this.#waiting.size;
  }

  async close(): Promise<void> {
    for (const end of [...this.#waiting]) end();
  }
}

async function rig() {
  const dir = mkdtempSync(join(tmpdir(), 'herald-pipeline-stop-'));
  const db = await openHeraldDatabase({ file: join(dir, 'herald.db') });
  const queue = await createSqliteQueue<PushJob>({ file: join(dir, 'queue.db') });
  const store = await createSqlitePushStore({ file: join(dir, 'queue.db') });
  const sender = new SilentSender();
  const senders = new SenderRegistry([sender]);
  const pipeline = new PushPipeline({
    store, devices: db.devices, queue, senders, clock: systemClock, logger: silentLogger, events: noPushEvents, bus: new LocalBus(silentLogger),
    options: { policy: { maxAttempts: 4, backoff: { baseMs: 20, maxMs: 100 } }, concurrency: 250, routers: 2, visibilityMs: 60_000, idlePollMs: 20, sampleMs: 100 },
  });
  const push = new PushService({
    store, devices: db.devices, queue, senders, pipeline, clock: systemClock, logger: silentLogger,
    options: { idempotencyMs: 24 * 3600_000, lagLimitMs: 0, maxScheduleMs: 30 * 86_400_000 },
  });
  await pipeline.start();
  const send = async (extra: { expiresAt?: number } = {}) => {
    const token = randomBytes(32).toString('hex');
    const sent = await push.send({ to: { tokens: [{ provider: 'apns', token }] }, notification: { title: 'Hi' }, overrides: {}, priority: 'normal', ...extra }, 'test');
    await eventually('the send to be at the provider', () => sender.started.includes(token));
    return { id: sent.id, token };
  };
  const delivery = async (id: string) => (await push.deliveries(id, { limit: 1 })).deliveries[0]!;
  let stopped = false;
  return {
    sender, pipeline, push, queue, send, delivery,
    async close() {
      if (!stopped) await pipeline.stop();
      stopped = true;
      await queue.close();
      await store.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
    markStopped() {
      stopped = true;
    },
  };
}

describe('push pipeline on the main thread, provider silent', () => {
  it('a cancel stops the send in flight: cancelled, counted, no attempt recorded', async () => {
    const r = await rig();
    try {
      const { id } = await r.send();
      assert.equal(await r.push.cancel(id), 1);
      await eventually('the send to be stopped', () => r.sender.waiting === 0);
      await eventually('its job to be done', async () => {
        const p = (await r.queue.stats({ now: Date.now() })).find((s) => s.partition === 'default:apns');
        return !p || p.ready + p.reserved === 0;
      });
      const d = await r.delivery(id);
      assert.equal(d.state, 'cancelled');
      assert.equal(d.lastError, null, 'a send stopped before any answer leaves no error');
      assert.equal((await r.push.view(id)).counts.cancelled, 1);
    } finally {
      await r.close();
    }
  });

  it('expires_at stops the send in flight: expired', async () => {
    const r = await rig();
    try {
      const { id } = await r.send({ expiresAt: Date.now() + 1500 });
      await eventually('the delivery to expire', async () => (await r.delivery(id)).state === 'expired');
      assert.match((await r.delivery(id)).lastError ?? '', /^expires_at passed before the push could be sent$/);
    } finally {
      await r.close();
    }
  });

  it('stop with a timeout hands the send back to the queue, due at once, instead of waiting for the provider', async () => {
    const r = await rig();
    try {
      const { id } = await r.send();
      const handedBack = await r.pipeline.stop({ timeoutMs: 200 });
      r.markStopped();
      assert.equal(handedBack, 1);
      const d = await r.delivery(id);
      assert.equal(d.state, 'retrying');
      assert.match(d.lastError ?? '', /^server stopped before an answer/);
      assert.ok(d.nextAt !== null && d.nextAt <= Date.now(), 'due at once');
      const waiting = (await r.queue.stats({ now: Date.now() })).find((p) => p.partition === 'default:apns');
      assert.equal(waiting?.ready, 1, 'its retry job waits in the queue for the next start');
    } finally {
      await r.close();
    }
  });
});
