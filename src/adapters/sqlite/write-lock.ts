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

/** A lock over a SharedArrayBuffer, handed to every thread that writes the same file. */
export function sharedWriteLock(buffer: SharedArrayBuffer = new SharedArrayBuffer(4)): WriteLock & { buffer: SharedArrayBuffer } {
  const cell = new Int32Array(buffer);
  return {
    buffer,
    run<T>(write: () => T): T {
      // A holder can only vanish mid-write if its thread is terminated from outside; after a
      // while the waiter goes ahead and lets SQLite's own locking decide.
      const deadline = Date.now() + 10_000;
      while (Atomics.compareExchange(cell, 0, 0, 1) !== 0) {
        if (Date.now() > deadline) return write();
        Atomics.wait(cell, 0, 1, 50);
      }
      try {
        return write();
      } finally {
        Atomics.store(cell, 0, 0);
        Atomics.notify(cell, 0, 1);
      }
    },
  };
}
