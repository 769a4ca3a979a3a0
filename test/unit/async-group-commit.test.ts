import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncGroupCommit } from '../../src/adapters/sql/async-group-commit.js';

/** A write the test finishes by hand, to see what happens while a batch is in flight. */
function heldWrites() {
  const writes: { items: number[]; finish(error?: Error): void }[] = [];
  const write = (items: number[]) =>
    new Promise<void>((resolve, reject) => writes.push({ items, finish: (error) => (error ? reject(error) : resolve()) }));
  return { writes, write };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

test('adds made in one turn go as one write, and each resolves after it', async () => {
  const { writes, write } = heldWrites();
  const sizes: number[] = [];
  const gc = new AsyncGroupCommit<number>({ write, maxBatch: 100, delayMs: 0, onBatch: (n) => sizes.push(n) });
  let resolved = 0;
  const adds = [1, 2, 3].map((n) => gc.add(n).then(() => resolved++));
  await turn();
  assert.deepEqual(writes.map((w) => w.items), [[1, 2, 3]]);
  assert.equal(resolved, 0, 'nothing resolves before the commit');
  writes[0]!.finish();
  await Promise.all(adds);
  assert.deepEqual(sizes, [3]);
});

test('one write in flight: what arrives meanwhile forms the next batch, in order, cut at maxBatch', async () => {
  const { writes, write } = heldWrites();
  const gc = new AsyncGroupCommit<number>({ write, maxBatch: 3, delayMs: 0 });
  const first = gc.add(1);
  await turn();
  const later = [2, 3, 4, 5, 6, 7].map((n) => gc.add(n));
  await turn();
  assert.deepEqual(writes.map((w) => w.items), [[1]], 'no second write while the first is in flight');
  writes[0]!.finish();
  await first;
  await turn();
  assert.deepEqual(writes.map((w) => w.items), [[1], [2, 3, 4]]);
  writes[1]!.finish();
  await turn();
  assert.deepEqual(writes.map((w) => w.items), [[1], [2, 3, 4], [5, 6, 7]]);
  writes[2]!.finish();
  await Promise.all(later);
});

test('a failed write rejects the callers of that batch only', async () => {
  const { writes, write } = heldWrites();
  const gc = new AsyncGroupCommit<number>({ write, maxBatch: 10, delayMs: 0 });
  const failing = [gc.add(1), gc.add(2)];
  await turn();
  const next = gc.add(3);
  writes[0]!.finish(new Error('connection lost'));
  assert.deepEqual((await Promise.allSettled(failing)).map((r) => r.status), ['rejected', 'rejected']);
  await turn();
  writes[1]!.finish();
  await next;
  assert.deepEqual(writes.map((w) => w.items), [[1, 2], [3]]);
});

test('close writes what is pending, waits for it, and refuses later adds', async () => {
  const { writes, write } = heldWrites();
  const gc = new AsyncGroupCommit<number>({ write, maxBatch: 10, delayMs: 60_000 });
  const pending = gc.add(1);
  let closed = false;
  const closing = gc.close().then(() => (closed = true));
  await turn();
  assert.deepEqual(writes.map((w) => w.items), [[1]], 'the delay is cut short');
  assert.equal(closed, false);
  writes[0]!.finish();
  await pending;
  await closing;
  await assert.rejects(gc.add(2), /closed/);
});

test('maxInFlight 2: a batch goes while the one before is still being written, and flush waits for both', async () => {
  const { writes, write } = heldWrites();
  const gc = new AsyncGroupCommit<number>({ write, maxBatch: 100, delayMs: 0, maxInFlight: 2 });
  const first = gc.add(1);
  await turn();
  const second = gc.add(2);
  await turn();
  assert.deepEqual(writes.map((w) => w.items), [[1], [2]], 'the second batch did not wait for the first');
  let flushed = false;
  const flushing = gc.flush().then(() => (flushed = true));
  writes[1]!.finish();
  await second;
  await turn();
  assert.equal(flushed, false, 'flush waits for the first write too');
  writes[0]!.finish();
  await first;
  await flushing;
  assert.equal(flushed, true);
});
