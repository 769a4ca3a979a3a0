/**
 * The message cache's writer thread (see writer.ts): its own connection to the cache file, which
 * runs the writes the main thread posts, in the order they come, each answered by its id.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { BUSY_TIMEOUT_MS } from '../open-sqlite.js';
import type { FromWriterThread, ToWriterThread, WriterThreadData } from './writer.js';
import { prepareCacheWrites, type InsertValues } from './writes.js';

/** Most posts taken into one turn; a turn's inserts share one transaction. */
const MAX_POSTS_PER_TURN = 256;

const { file, synchronous } = workerData as WriterThreadData;
const port = parentPort!;
const sqlite = new Database(file, { timeout: BUSY_TIMEOUT_MS });
sqlite.pragma('journal_mode = WAL');
sqlite.pragma(`synchronous = ${synchronous}`);
sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
const writes = prepareCacheWrites(sqlite);

type Insert = Extract<ToWriterThread, { op: 'insert' }>;

function errorAnswer(id: number, err: unknown): FromWriterThread {
  const e = err as Error & { code?: unknown };
  return { id, error: { message: e?.message ?? String(err), ...(typeof e?.code === 'string' ? { code: e.code } : {}) } };
}

/**
 * Inserts posted while the last commit ran (its fsync, above all) go into one transaction: the
 * group commit continues here, across the main thread's batches. If that transaction fails, each
 * post is tried on its own, so an error reaches only the callers whose rows caused it.
 */
function insertAll(posts: Insert[]): void {
  if (posts.length === 0) return;
  try {
    writes.insert(posts.length === 1 ? posts[0]!.args[0] : posts.flatMap((p) => p.args[0] as InsertValues[]));
    for (const p of posts) port.postMessage({ id: p.id, result: undefined } satisfies FromWriterThread);
  } catch (err) {
    if (posts.length === 1) return void port.postMessage(errorAnswer(posts[0]!.id, err));
    for (const p of posts) insertAll([p]);
  }
}

function run(m: Exclude<ToWriterThread, Insert>): void {
  if (m.op === 'close') {
    sqlite.close();
    port.postMessage({ id: m.id, result: undefined } satisfies FromWriterThread);
    port.close();
    return;
  }
  try {
    const write = writes[m.op] as (...args: unknown[]) => unknown;
    port.postMessage({ id: m.id, result: write(...m.args) } satisfies FromWriterThread);
  } catch (err) {
    port.postMessage(errorAnswer(m.id, err));
  }
}

port.on('message', (first: ToWriterThread) => {
  const posts = [first];
  for (let next; posts.length < MAX_POSTS_PER_TURN && (next = receiveMessageOnPort(port)); ) posts.push(next.message as ToWriterThread);
  // In order: inserts in a row are one transaction, anything else runs between them.
  let inserts: Insert[] = [];
  for (const m of posts) {
    if (m.op === 'insert') {
      inserts.push(m);
      continue;
    }
    insertAll(inserts);
    inserts = [];
    run(m);
    if (m.op === 'close') return;
  }
  insertAll(inserts);
});
port.postMessage({ id: 0, result: 'ready' } satisfies FromWriterThread);
