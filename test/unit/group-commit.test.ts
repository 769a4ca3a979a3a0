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
