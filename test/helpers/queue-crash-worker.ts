/**
 * A worker for the crash test in test/integration/sqlite-queue.test.ts, run as its own process so
 * the test can SIGKILL it. It reserves batches, appends each job's id to a "sent" log before
 * acking (as a real send would happen before its ack), and prints `halfway` once it has sent
 * `halfway` jobs and then holds the rest of that batch, so the parent kills it with jobs reserved.
 *
 * Usage: node queue-crash-worker.js <queue file> <sent log> <partition> <visibilityMs> <halfway>
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { createSqliteQueue } from '../../src/adapters/sqlite/queue/sqlite-queue.js';

const [file, sentLog, partition, visibility, halfway] = process.argv.slice(2);
if (!file || !sentLog || !partition || !visibility || !halfway) throw new Error('usage: queue-crash-worker <file> <log> <partition> <visibilityMs> <halfway>');

const queue = await createSqliteQueue<{ device: number }>({ file });
const log = openSync(sentLog, 'a');
let sent = 0;
for (;;) {
  const batch = await queue.reserve({ partition, limit: 250, visibilityMs: Number(visibility) });
  if (batch.length === 0) break;
  const acks: Promise<boolean>[] = [];
  for (const job of batch) {
    // writeSync: the line is in the file before the ack is even queued, so the kill cannot
    // leave an acked job unrecorded.
    writeSync(log, `${job.payload.device}\n`);
    acks.push(queue.ack(job));
    if (++sent === Number(halfway)) {
      process.stdout.write('halfway\n');
      // Hold the rest of this batch reserved until the kill: a worker that ran on could, on a slow
      // machine, be caught between acking one batch and reserving the next, holding nothing.
      await Promise.all(acks);
      setInterval(() => {}, 1 << 30);
      await new Promise(() => {});
    }
    // Pause now and then, as sends take time: acks commit while later jobs of the batch are still
    // unsent, and the run lasts long enough that the parent's kill lands in the middle of it.
    if (sent % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await Promise.all(acks);
}
closeSync(log);
await queue.close();
process.stdout.write('done\n');
