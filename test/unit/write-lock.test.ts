import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { sharedWriteLock } from '../../src/adapters/sqlite/write-lock.js';

test('the write lock admits one writer at a time across threads', async () => {
  const lock = sharedWriteLock();
  const counter = new Int32Array(new SharedArrayBuffer(8));
  // Two threads and this one each do 2,000 read-modify-write steps under the lock; a lost update
  // (two writers inside at once) would leave the total short.
  const script = new URL('../helpers/write-lock-worker.js', import.meta.url);
  const workers = [0, 1].map(() => new Worker(script, { workerData: { lock: lock.buffer, counter: counter.buffer } }));
  const done = workers.map((w) => new Promise((resolve) => w.once('exit', resolve)));
  for (let i = 0; i < 2000; i++) {
    lock.run(() => {
      const v = counter[0]!;
      for (let k = 0; k < 50; k++) Atomics.load(counter, 1);
      counter[0] = v + 1;
    });
  }
  await Promise.all(done);
  assert.equal(counter[0], 6000);
  assert.equal(lock.run(() => 'value'), 'value', 'returns what the write returns');
  assert.throws(() => lock.run(() => { throw new Error('boom'); }), /boom/);
  assert.equal(lock.run(() => 1), 1, 'a failed write released the lock');
});
