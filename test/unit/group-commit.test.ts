import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GroupCommit } from '../../src/adapters/sqlite/group-commit.js';

test('concurrent adds share one write and resolve after it', async () => {
  const writes: number[][] = [];
  const gc = new GroupCommit<number>({ write: (items) => void writes.push(items), maxBatch: 100, delayMs: 0 });
  await Promise.all([1, 2, 3, 4].map((n) => gc.add(n)));
  assert.deepEqual(writes, [[1, 2, 3, 4]]);
});

test('batches are cut at maxBatch', async () => {
  const writes: number[][] = [];
  const gc = new GroupCommit<number>({ write: (items) => void writes.push(items), maxBatch: 2, delayMs: 0 });
  await Promise.all([1, 2, 3, 4, 5].map((n) => gc.add(n)));
  assert.deepEqual(writes, [[1, 2], [3, 4], [5]]);
});

test('a failed write rejects every caller of that batch and nothing else', async () => {
  let fail = true;
  const gc = new GroupCommit<number>({
    write: () => {
      if (fail) throw new Error('disk full');
    },
    maxBatch: 10,
    delayMs: 0,
  });
  const results = await Promise.allSettled([gc.add(1), gc.add(2)]);
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
  fail = false;
  await gc.add(3);
  assert.equal(gc.pendingCount, 0);
});

/** A durable() whose syncs the test ends one at a time. */
function manualSyncs() {
  const waiting: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  return {
    durable: () => new Promise<void>((resolve, reject) => void waiting.push({ resolve, reject })),
    get count() {
      return waiting.length;
    },
    async end(i: number, err?: Error): Promise<void> {
      const sync = waiting[i]!;
      if (err) sync.reject(err);
      else sync.resolve();
      // Let the settled callers and the next batch run.
      await new Promise((r) => setImmediate(r));
    },
  };
}

test('with durable, callers resolve after the sync that follows their commit, not at the commit', async () => {
  const writes: number[][] = [];
  const syncs = manualSyncs();
  const gc = new GroupCommit<number>({ write: (items) => void writes.push(items), maxBatch: 100, delayMs: 0, durable: syncs.durable });
  const settled: number[] = [];
  const first = [1, 2].map((n) => gc.add(n).then(() => void settled.push(n)));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(writes, [[1, 2]], 'committed at once');
  assert.equal(syncs.count, 1);
  assert.deepEqual(settled, [], 'not acknowledged before the sync');
  await syncs.end(0);
  await Promise.all(first);
  assert.deepEqual(settled, [1, 2]);
});

test('with durable, adds during a sync gather into one commit made when it ends', async () => {
  const writes: number[][] = [];
  const syncs = manualSyncs();
  const gc = new GroupCommit<number>({ write: (items) => void writes.push(items), maxBatch: 100, delayMs: 0, durable: syncs.durable });
  const a = gc.add(1);
  await new Promise((r) => setImmediate(r));
  const later = [2, 3, 4].map((n) => gc.add(n));
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  assert.deepEqual(writes, [[1]], 'nothing committed while the sync runs');
  await syncs.end(0);
  await a;
  assert.deepEqual(writes, [[1], [2, 3, 4]]);
  assert.equal(syncs.count, 2, 'the gathered batch has a sync of its own');
  await syncs.end(1);
  await Promise.all(later);
});

test('with durable, flush commits at once (readers see it) and the sync still decides the answer', async () => {
  const writes: number[][] = [];
  const syncs = manualSyncs();
  const gc = new GroupCommit<number>({ write: (items) => void writes.push(items), maxBatch: 100, delayMs: 0, durable: syncs.durable });
  const a = gc.add(1);
  await new Promise((r) => setImmediate(r));
  let bDone = false;
  const b = gc.add(2).then(() => (bDone = true));
  gc.flush();
  assert.deepEqual(writes, [[1], [2]], 'a reader\'s flush commits during the sync');
  await syncs.end(0);
  await a;
  assert.equal(bDone, false, 'committed during the first sync, so the second one answers it');
  await syncs.end(1);
  await b;
});

test('with durable, a failed sync rejects exactly its callers; drain waits for the last sync', async () => {
  const syncs = manualSyncs();
  const gc = new GroupCommit<number>({ write: () => undefined, maxBatch: 100, delayMs: 0, durable: syncs.durable });
  const failed = gc.add(1).then(() => 'resolved', (err: Error) => err.message);
  await new Promise((r) => setImmediate(r));
  const next = gc.add(2);
  await syncs.end(0, new Error('EIO'));
  assert.equal(await failed, 'EIO');
  let drained = false;
  const draining = gc.drain().then(() => (drained = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(drained, false);
  await syncs.end(1);
  await next;
  await draining;
  assert.equal(drained, true);
});
