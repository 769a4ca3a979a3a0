import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSqliteQueue } from '../../src/adapters/sqlite/queue/sqlite-queue.js';
import { describeQueueConformance, type TestPayload } from '../helpers/queue-conformance.js';
import type { Clock } from '../../src/ports/clock.js';
import { ManualClock, OffsetClock } from '../helpers/manual-clock.js';

const CRASH_WORKER = join(dirname(fileURLToPath(import.meta.url)), '..', 'helpers', 'queue-crash-worker.js');

/** A fresh file in a directory that does not exist yet, removed when the queue closes. */
async function tempQueue<P>(options: { clock?: Clock; dir?: string } = {}) {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'herald-queue-'));
  const file = join(dir, 'data', 'queue.db');
  const queue = await createSqliteQueue<P>({ file, clock: options.clock });
  return { dir, file, queue };
}

describeQueueConformance('sqlite', async (clock) => {
  const { dir, queue } = await tempQueue<TestPayload>({ clock: clock as ManualClock });
  return {
    ...queue,
    async close() {
      await queue.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('sqlite queue', () => {
  it('keeps jobs and reservations across close and reopen', async () => {
    const clock = new ManualClock();
    const { dir, file, queue } = await tempQueue<TestPayload>({ clock });
    try {
      await queue.enqueue([{ payload: { n: 1 }, partition: 'p' }, { payload: { n: 2 }, partition: 'p', runAt: clock.time + 10 }]);
      const [held] = await queue.reserve({ partition: 'p', limit: 1, visibilityMs: 1000 });
      await queue.close();
      await queue.close();

      const reopened = await createSqliteQueue<TestPayload>({ file, clock });
      clock.advance(1000);
      const again = await reopened.reserve({ partition: 'p', limit: 10, visibilityMs: 1000 });
      assert.deepEqual(again.map((j) => [j.payload.n, j.attempts]), [[1, 2], [2, 1]]);
      assert.equal(again[0].id, held.id);
      await reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('two connections on one file never hold the same job at once', async () => {
    const { dir, file, queue: a } = await tempQueue<TestPayload>();
    const b = await createSqliteQueue<TestPayload>({ file });
    try {
      await a.enqueue(Array.from({ length: 1000 }, (_, n) => ({ payload: { n }, partition: 'p' })));
      const seen: number[] = [];
      const drain = async (queue: typeof a): Promise<void> => {
        for (;;) {
          const batch = await queue.reserve({ partition: 'p', limit: 37, visibilityMs: 60_000 });
          if (batch.length === 0) return;
          seen.push(...batch.map((j) => j.payload.n));
          await Promise.all(batch.map((j) => queue.ack(j)));
        }
      };
      await Promise.all([drain(a), drain(b)]);
      assert.equal(seen.length, 1000);
      assert.equal(new Set(seen).size, 1000);
    } finally {
      await b.close();
      await a.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loses no device when a worker is SIGKILLed mid-broadcast of 50,000', async () => {
    const devices = 50_000;
    // Long enough that a slow machine never sees the live worker's own reservations lapse.
    const visibilityMs = 60_000;
    const partition = 'app1:apns';
    // The worker runs on real time; this side's clock can jump past its reservations.
    const clock = new OffsetClock();
    const { dir, file, queue } = await tempQueue<{ device: number }>({ clock });
    const sentLog = join(dir, 'sent.log');
    try {
      // Enqueued the way a broadcast would be: in batches, so memory stays flat however large it is.
      for (let start = 0; start < devices; start += 5000) {
        const batch = Array.from({ length: 5000 }, (_, i) => ({ payload: { device: start + i }, partition, lane: 'bulk' as const, dedupKey: `m1:${start + i}` }));
        await queue.enqueue(batch);
      }

      const child = spawn(process.execPath, [CRASH_WORKER, file, sentLog, partition, String(visibilityMs), String(devices / 2 + 123)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('halfway')) resolve();
        });
        void exited.then(() => reject(new Error(`worker exited before halfway: ${stderr}`)));
      });
      child.kill('SIGKILL');
      assert.equal(await exited, 'SIGKILL');

      const stats = await queue.stats();
      assert.ok(stats[0].reserved > 0, 'the kill left reservations behind');
      // Until the visibility timeout passes, the dead worker's jobs stay hidden: move past it.
      clock.advance(visibilityMs + 1);

      const sentByParent: number[] = [];
      for (;;) {
        const batch = await queue.reserve({ partition, limit: 1000, visibilityMs: 60_000 });
        if (batch.length === 0) break;
        sentByParent.push(...batch.map((j) => j.payload.device));
        const acked = await Promise.all(batch.map((j) => queue.ack(j)));
        assert.ok(acked.every(Boolean));
      }

      const sentByChild = readFileSync(sentLog, 'utf8').split('\n').filter(Boolean).map(Number);
      const counts = new Array<number>(devices).fill(0);
      for (const device of [...sentByChild, ...sentByParent]) counts[device]++;
      const missing = counts.flatMap((c, device) => (c === 0 ? [device] : []));
      const duplicates = counts.filter((c) => c > 1).length;
      assert.deepEqual(missing.slice(0, 20), [],
        `${missing.length} devices never sent (child sent ${sentByChild.length}, parent ${sentByParent.length}, ${duplicates} sent twice)`);
      assert.ok(duplicates <= 250, `${duplicates} devices sent twice: more than the one batch in flight`);
      assert.deepEqual(await queue.stats(), [], 'every job was acked');
      assert.deepEqual(await queue.deadLetters({ limit: 1 }), []);
    } finally {
      await queue.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
