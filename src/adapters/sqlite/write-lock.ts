/**
 * One writer at a time across the threads that share a SQLite file. SQLite serializes writers
 * itself, but a writer that finds the file locked sleeps in its busy handler — 1, 2, 5, 10 … up
 * to 100 ms between tries — so under steady writing from several threads a short write can wait
 * for hundreds of milliseconds. Taking this lock first means SQLite never finds the file locked
 * by one of ours: the next writer is woken (Atomics.notify) the moment the previous one is done.
 * Other processes on the same file still meet SQLite's own lock, as before.
 */
export interface WriteLock {
  run<T>(write: () => T): T;
}

export const NO_WRITE_LOCK: WriteLock = { run: (write) => write() };

/**
 * A ticket lock over a SharedArrayBuffer, handed to every thread that writes the same file.
 * Tickets make it fair: writers go in the order they asked, so a thread that writes batch after
 * batch cannot keep taking the lock back from one that waits (a plain compare-and-swap lock lets
 * the releasing thread win again before the woken one even runs).
 */
export function sharedWriteLock(buffer: SharedArrayBuffer = new SharedArrayBuffer(8)): WriteLock & { buffer: SharedArrayBuffer } {
  const cells = new Int32Array(buffer);
  const NEXT = 0;
  const SERVING = 1;
  return {
    buffer,
    run<T>(write: () => T): T {
      const ticket = Atomics.add(cells, NEXT, 1);
      // A holder can only vanish mid-write if its thread is terminated from outside; after a
      // while the waiter takes its turn anyway and lets SQLite's own locking decide.
      const deadline = Date.now() + 10_000;
      for (let serving = Atomics.load(cells, SERVING); serving !== ticket; serving = Atomics.load(cells, SERVING)) {
        if (Date.now() > deadline) {
          Atomics.store(cells, SERVING, ticket);
          break;
        }
        Atomics.wait(cells, SERVING, serving, 50);
      }
      try {
        return write();
      } finally {
        Atomics.store(cells, SERVING, ticket + 1);
        Atomics.notify(cells, SERVING);
      }
    },
  };
}
