/**
 * The message cache's writer thread (see writer.ts): its own connection to the cache file, which
 * runs the writes the main thread posts, in the order they come, each answered by its id.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { BUSY_TIMEOUT_MS } from '../open-sqlite.js';
import type { ToWriterThread, FromWriterThread, WriterThreadData } from './writer.js';
import { prepareCacheWrites } from './writes.js';

const { file, synchronous } = workerData as WriterThreadData;
const port = parentPort!;
const sqlite = new Database(file, { timeout: BUSY_TIMEOUT_MS });
sqlite.pragma('journal_mode = WAL');
sqlite.pragma(`synchronous = ${synchronous}`);
sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
const writes = prepareCacheWrites(sqlite);

port.on('message', (m: ToWriterThread) => {
  if (m.op === 'close') {
    sqlite.close();
    port.postMessage({ id: m.id, result: undefined } satisfies FromWriterThread);
    port.close();
    return;
  }
  let answer: FromWriterThread;
  try {
    const write = writes[m.op] as (...args: unknown[]) => unknown;
    answer = { id: m.id, result: write(...m.args) };
  } catch (err) {
    const e = err as Error & { code?: unknown };
    answer = { id: m.id, error: { message: e.message ?? String(err), ...(typeof e.code === 'string' ? { code: e.code } : {}) } };
  }
  port.postMessage(answer);
});
port.postMessage({ id: 0, result: 'ready' } satisfies FromWriterThread);
