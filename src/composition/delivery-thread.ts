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
import type { OutcomeSummary, PushEvents } from '../core/push/push-events.js';
import { EventEndpointService, EventPublisher, pushEventsWithWebhooks, type EventJob } from '../core/events/index.js';
import { EVENT_ENDPOINT_REFRESH_MS } from './event-webhooks.js';
import { pushEventsWithExport } from '../core/analytics/export-sources.js';
import { systemClock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { Reservation } from '../ports/counters.js';
import type { PushRateLimiter } from '../ports/push-rate-limiter.js';
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

// Rate limits hold across threads and nodes only on shared counters: the main thread's.
const reservations = new Map<number, { resolve(r: Reservation): void; reject(err: Error): void }>();
let nextReq = 0;
const rateLimiter: PushRateLimiter = {
  reserve: (id, windows, now) => new Promise<Reservation>((resolve, reject) => {
    const req = ++nextReq;
    reservations.set(req, { resolve, reject });
    post({ op: 'reserve', req, id, windows: [...windows], now });
  }),
};

// Event webhooks: outcomes are recorded here, so their events are queued here too (before the ack).
const eventWebhooks = data.events ? await threadEventWebhooks(data.events.maxAttempts) : undefined;

async function threadEventWebhooks(maxAttempts: number) {
  // Only asked which events anyone wants; URLs are checked where endpoints are registered.
  const endpoints = new EventEndpointService(db.eventEndpoints, systemClock, { allowHttp: false, allowedHosts: [] });
  await endpoints.refresh();
  const eventQueue = await createSqliteQueue<EventJob>({ file: data.queueFile, writeLock });
  const publisher = new EventPublisher({ endpoints, queue: eventQueue, clock: systemClock, logger, maxAttempts, queued: (partitions) => post({ op: 'events-queued', partitions }) });
  // Changes through the API arrive as messages; this catches those made on the main thread's behalf (auto-disable) and missed ones.
  const refresh = setInterval(() => void endpoints.refresh().catch((err: unknown) => logger.warn({ err }, 'event endpoints: refresh failed')), EVENT_ENDPOINT_REFRESH_MS);
  return { endpoints, eventQueue, publisher, refresh };
}

const recorded = { recorded: (summary: OutcomeSummary) => post({ op: 'recorded', summary }) };
// The main thread owns the export's buffer and connections; rows are sent there before the ack,
// with their devices' platforms read here (one query per send job), so only plain rows cross.
const withAnalyticsExport = (events: PushEvents) => (data.analyticsExport
  ? pushEventsWithExport(events, (rows) => post({ op: 'export', rows }), { platforms: (ids) => db.devices.platforms(ids), logger })
  : events);

const worker = new PartitionWorker({
  partition: data.partition,
  sender,
  queue,
  store,
  devices: db.devices,
  clock: systemClock,
  logger,
  events: withAnalyticsExport(eventWebhooks ? pushEventsWithWebhooks(recorded, eventWebhooks.publisher) : recorded),
  options: data.options,
  rateLimiter,
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
    case 'event-endpoints-changed':
      void eventWebhooks?.endpoints.refresh().catch((err: unknown) => logger.warn({ err }, 'event endpoints: refresh failed'));
      return;
    case 'reserved': {
      const pending = reservations.get(message.req);
      reservations.delete(message.req);
      if (message.reservation) pending?.resolve(message.reservation);
      else pending?.reject(new Error(message.error ?? 'the rate-limit reservation failed'));
      return;
    }
    case 'stop':
      void (async () => {
        clearInterval(load);
        const sendsStopped = await worker.stop(message.timeoutMs === undefined ? {} : { timeoutMs: message.timeoutMs });
        await sender.close();
        await queue.close();
        if (eventWebhooks) {
          clearInterval(eventWebhooks.refresh);
          await eventWebhooks.eventQueue.close();
        }
        await store.close();
        await db.close();
        post({ op: 'stopped', sendsStopped });
        port.close();
      })();
      return;
  }
});
post({ op: 'ready' });
