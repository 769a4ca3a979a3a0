/** For test/unit/write-lock.test.ts: increments a shared counter 2,000 times under the shared write lock. */
import { workerData } from 'node:worker_threads';
import { sharedWriteLock } from '../../src/adapters/sqlite/write-lock.js';

const { lock: buffer, counter: counterBuffer } = workerData as { lock: SharedArrayBuffer; counter: SharedArrayBuffer };
const lock = sharedWriteLock(buffer);
const counter = new Int32Array(counterBuffer);
for (let i = 0; i < 2000; i++) {
  lock.run(() => {
    // Read, wait a little, write: two writers inside at once would lose an update.
    const v = counter[0]!;
    for (let k = 0; k < 50; k++) Atomics.load(counter, 1);
    counter[0] = v + 1;
  });
}
