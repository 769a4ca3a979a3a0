import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { prepareCacheWrites, type CacheWriteOp, type CacheWrites, type InsertValues } from './writes.js';

/** Runs the cache's writes: in the writer thread for a cache file, inline for one in memory. */
export interface CacheWriter {
  run<K extends CacheWriteOp>(op: K, ...args: Parameters<CacheWrites[K]>): Promise<ReturnType<CacheWrites[K]>>;
  /** Runs what was posted, then lets go of the database. */
  close(): Promise<void>;
}

export interface WriterThreadData {
  file: string;
  synchronous: 'FULL' | 'NORMAL';
}

export type ToWriterThread =
  | { id: number; op: 'insert'; args: [InsertValues[]] }
  | { id: number; op: Exclude<CacheWriteOp, 'insert'>; args: unknown[] }
  | { id: number; op: 'close' };
export type FromWriterThread = { id: number; result: unknown } | { id: number; error: { message: string; code?: string } };

/** The writes on the caller's own connection (an in-memory cache has no file another thread could open). */
export function inlineCacheWriter(sqlite: Database.Database): CacheWriter {
  const writes = prepareCacheWrites(sqlite);
  return {
    async run(op, ...args) {
      return (writes[op] as (...a: unknown[]) => never)(...args);
    },
    async close() {},
  };
}

/**
 * The writes of a cache file, run by a thread of their own on their own connection.
 *
 * A durable publish is acknowledged after its commit reached the disk. Run on the main thread,
 * each group commit's inserts, index updates, WAL writes and fsync (`synchronous = FULL`) held up
 * every request for their whole length, a quarter of its time under load. Here the main thread
 * only posts the batch's values and reads the answer; SQLite's WAL lets its reads go on meanwhile.
 * The thread takes the posts in order, so writes keep the order they were made in, and commits
 * the inserts that queued up during its last commit together (writer-thread.ts).
 */
export async function startCacheWriterThread(data: WriterThreadData): Promise<CacheWriter> {
  const worker = new Worker(new URL('./writer-thread.js', import.meta.url), { workerData: data });
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  let lastId = 0;
  let failure: Error | undefined;
  let closed: Promise<void> | undefined;

  await new Promise<void>((resolve, reject) => {
    const early = (err: Error) => reject(new Error(`cannot open the message cache ${data.file} for writing: ${err.message}`, { cause: err }));
    worker.once('error', early);
    worker.once('message', () => {
      worker.off('error', early);
      resolve();
    });
  });
  // Idle, the thread must not keep the process alive; a write under way must.
  worker.unref();

  worker.on('message', (m: FromWriterThread) => {
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (waiting.size === 0) worker.unref();
    if ('error' in m) w.reject(Object.assign(new Error(m.error.message), m.error.code ? { code: m.error.code } : {}));
    else w.resolve(m.result);
  });
  const fail = (err: Error) => {
    // Whether the writes under way committed is unknown: their callers get an error, not a guess.
    failure = new Error(`the message cache writer thread stopped: ${err.message}`, { cause: err });
    for (const w of waiting.values()) w.reject(failure);
    waiting.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => {
    if (!closed) fail(new Error(`exit code ${code}`));
  });

  const post = <T>(message: ToWriterThread): Promise<T> => {
    if (failure) return Promise.reject(failure);
    return new Promise<T>((resolve, reject) => {
      if (waiting.size === 0) worker.ref();
      waiting.set(message.id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage(message);
    });
  };

  return {
    run(op, ...args) {
      if (closed) return Promise.reject(new Error('the message cache is closed'));
      return post({ id: ++lastId, op, args } as ToWriterThread);
    },
    close() {
      closed ??= (async () => {
        if (!failure) await post<void>({ id: ++lastId, op: 'close' });
        await worker.terminate();
      })();
      return closed;
    },
  };
}
