/**
 * A delivery thread: the send jobs of one provider app, worked off the main thread. Part of the
 * composition root (beside main.ts): it opens its own connections to the queue file and Herald's
 * database, builds the app's real sender and a PartitionWorker, and reports outcomes (for
 * metrics), logs and its load to the main thread, which wakes it when jobs are enqueued.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openHeraldDatabase } from '../adapters/sqlite/herald-db/open-herald-db.js';
import { createSqlitePushStore } from '../adapters/sqlite/push/sqlite-push-store.js';
import { createSqliteQueue } from '../adapters/sqlite/queue/sqlite-queue.js';
import { createSender } from '../adapters/providers/sender-factory.js';
import { sharedWriteLock } from '../adapters/sqlite/write-lock.js';
import { PartitionWorker } from '../core/push/partition-worker.js';
import type { PushJob } from '../core/push/jobs.js';
import { systemClock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import { threadLogger } from './thread-logger.js';
import type { DeliveryThreadData, FromDeliveryThread, ToDeliveryThread } from './delivery-thread-messages.js';

const port = parentPort!;
const data = workerData as DeliveryThreadData;
const post = (message: FromDeliveryThread) => port.postMessage(message);
const logger: Logger = threadLogger(post);

const writeLock = sharedWriteLock(data.queueLock);
const queue = await createSqliteQueue<PushJob>({ file: data.queueFile, writeLock });
const store = await createSqlitePushStore({ file: data.queueFile, writeLock });
const db = await openHeraldDatabase({ file: data.databaseFile });
const sender = createSender(data.spec, systemClock, logger);
const worker = new PartitionWorker({
  partition: data.partition,
  sender,
  queue,
  store,
  devices: db.devices,
  clock: systemClock,
  logger,
  events: { recorded: (summary) => post({ op: 'recorded', summary }) },
  options: data.options,
});
worker.start();
const load = setInterval(() => post({ op: 'inflight', n: worker.inFlight }), 1000);

port.on('message', (message: ToDeliveryThread) => {
  switch (message.op) {
    case 'wake':
      worker.wake();
      return;
    case 'forget':
      worker.forget(message.seq);
      return;
    case 'stop':
      void (async () => {
        clearInterval(load);
        const sendsStopped = await worker.stop(message.timeoutMs === undefined ? {} : { timeoutMs: message.timeoutMs });
        await sender.close();
        await queue.close();
        await store.close();
        await db.close();
        post({ op: 'stopped', sendsStopped });
        port.close();
      })();
      return;
  }
});
post({ op: 'ready' });
