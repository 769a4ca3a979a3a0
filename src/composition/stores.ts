import { isPostgresOutage } from '../adapters/postgres/outage-errors.js';
import { createPostgresAuthStore } from '../adapters/postgres/auth/index.js';
import { openPostgresHeraldStores } from '../adapters/postgres/herald-db/index.js';
import { createPostgresMessageCache } from '../adapters/postgres/message-cache/index.js';
import { createPostgresNotifyStore } from '../adapters/postgres/notify/index.js';
import { createPostgresPushStore } from '../adapters/postgres/push/index.js';
import { createPostgresQueue } from '../adapters/postgres/queue/index.js';
import { createSqliteAuthStore } from '../adapters/sqlite/auth/sqlite-auth-store.js';
import { openHeraldDatabase } from '../adapters/sqlite/herald-db/open-herald-db.js';
import { createSqliteNotifyStore } from '../adapters/sqlite/notify/sqlite-notify-store.js';
import { createSqlitePushStore } from '../adapters/sqlite/push/sqlite-push-store.js';
import { createSqliteQueue } from '../adapters/sqlite/queue/sqlite-queue.js';
import { createSqliteMessageCache } from '../adapters/sqlite/message-cache/sqlite-message-cache.js';
import { sharedWriteLock } from '../adapters/sqlite/write-lock.js';
import type { Config } from '../config/index.js';
import type { EventJob } from '../core/events/index.js';
import type { NotifyJob } from '../core/notify/notify-jobs.js';
import type { PushJob } from '../core/push/jobs.js';
import type { ApiKeyStore } from '../ports/api-key-store.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { AuthStore } from '../ports/auth-store.js';
import type { Clock } from '../ports/clock.js';
import type { DeviceStore } from '../ports/device-store.js';
import type { EventEndpointStore } from '../ports/event-endpoint-store.js';
import type { Logger } from '../ports/logger.js';
import type { MessageCache } from '../ports/message-cache.js';
import type { NotifyStore } from '../ports/notify-store.js';
import type { PushStore } from '../ports/push-store.js';
import type { Queue } from '../ports/queue.js';
import { closeInOrder } from './close-in-order.js';
import { OpenedResources } from './opened-resources.js';
import { assertOneAccountHome, openConfiguredPostgres } from './postgres-database.js';

/**
 * Every store of the server, on one backend: the SQLite files of this process (the default), or
 * the PostgreSQL database of `database-url` that any number of Herald processes share.
 */
export interface Stores {
  readonly backend: 'sqlite' | 'postgres';
  cache: MessageCache;
  /**
   * Accounts, tokens and access rules: on SQLite while `auth-file` is set, and always on
   * PostgreSQL (as in ntfy, `database-url` turns access control on; `auth-default-access` still
   * decides what anonymous visitors may do, read-write by default). Undefined: access control off.
   */
  auth: AuthStore | undefined;
  keys: ApiKeyStore;
  audit: AuditLog;
  /** The server secret stored under `name`, created with `generate` on first use; every node gets the same one. */
  secret(name: string, generate: () => string): Promise<string>;
  devices: DeviceStore;
  pushQueue: Queue<PushJob>;
  notifyQueue: Queue<NotifyJob>;
  /** Event webhook messages waiting to go out (partitions `events:`, in the same queue tables). */
  eventQueue: Queue<EventJob>;
  /** Event endpoints and their recent delivery attempts (Herald's own database). */
  eventEndpoints: EventEndpointStore;
  /** The push ledger (pushes, deliveries, stats). */
  pushes: PushStore;
  notify: NotifyStore;
  /**
   * What delivery threads need to open the same stores on their own connections: the SQLite
   * files on disk and the lock every writer of the queue file takes. Undefined when threads
   * cannot share the stores (in-memory files) or need not (PostgreSQL: the workers of every node
   * already share the queue, and a pool per thread would multiply the connections).
   */
  threadFiles: { queueFile: string; databaseFile: string; queueLock: SharedArrayBuffer } | undefined;
  /**
   * Whether the database answers within `timeoutMs`; undefined on SQLite, which lives in this
   * process and has no outage of its own.
   */
  ping: ((timeoutMs: number) => Promise<boolean>) | undefined;
  /** Whether an error means the database is out of reach (a broken or refused connection), not that a request was wrong. */
  isOutage(error: unknown): boolean;
  /** Where the data is, for the start-up log line (a PostgreSQL URL without its password). */
  readonly where: string;
  /** Flushes what is pending and closes every store, then the connections; idempotent. */
  close(): Promise<void>;
}

export interface OpenStoresOptions {
  clock: Clock;
  logger: Logger;
  /** Called with the size of each committed batch of published messages (for metrics). */
  onCacheBatch?: (size: number) => void;
}

/**
 * Opens the stores `config` asks for and brings their schemas up to date. On PostgreSQL one pool
 * is shared by every store and each store's migrations run under the advisory lock, so nodes
 * starting together migrate once. If anything fails, what was already opened is closed again,
 * newest first, and the error says which database failed (never with its password).
 */
export function openStores(config: Config, options: OpenStoresOptions): Promise<Stores> {
  if (config.databaseUrl === '') return OpenedResources.attempt(options.logger, (opened) => openSqliteStores(config, options, opened));
  // ntfy's rule: with database-url, accounts live in the database like everything else. A second
  // home for them would split the accounts between nodes without anyone noticing.
  assertOneAccountHome(config);
  return OpenedResources.attempt(options.logger, (opened) => openPostgresStores(config, options, opened));
}

async function openSqliteStores(config: Config, options: OpenStoresOptions, opened: OpenedResources): Promise<Stores> {
  const { clock } = options;
  const cache = opened.keep('message cache', await createSqliteMessageCache({
    file: config.cacheFile || ':memory:',
    sync: config.cacheSync,
    maxBatch: config.cacheBatchSize,
    batchDelayMs: config.cacheBatchTimeout,
    ...(options.onCacheBatch ? { onBatch: options.onCacheBatch } : {}),
  }), (c) => c.close());
  const db = opened.keep('herald database', await openHeraldDatabase({ file: config.databaseFile || ':memory:' }), (d) => d.close());
  const auth = config.authFile ? opened.keep('auth database', await createSqliteAuthStore({ file: config.authFile }), (a) => a.close()) : undefined;
  // The queue file holds the queue, the push ledger and the notify store, each on its own
  // connection; every connection to it, in every thread, takes this lock before writing.
  const queueFile = config.queueFile || ':memory:';
  const queueLock = sharedWriteLock();
  const pushQueue = opened.keep('push queue', await createSqliteQueue<PushJob>({ file: queueFile, clock, writeLock: queueLock }), (q) => q.close());
  const pushes = opened.keep('push ledger', await createSqlitePushStore({ file: queueFile, writeLock: queueLock }), (s) => s.close());
  const notify = opened.keep('notify store', await createSqliteNotifyStore({ file: queueFile, writeLock: queueLock }), (s) => s.close());
  const notifyQueue = opened.keep('notify queue', await createSqliteQueue<NotifyJob>({ file: queueFile, clock, writeLock: queueLock }), (q) => q.close());
  const eventQueue = opened.keep('event queue', await createSqliteQueue<EventJob>({ file: queueFile, clock, writeLock: queueLock }), (q) => q.close());
  const onDisk = config.queueFile !== '' && config.databaseFile !== '';
  let closed: Promise<void> | undefined;
  return {
    backend: 'sqlite',
    cache, auth, keys: db.keys, audit: db.audit, secret: db.secret, devices: db.devices,
    pushQueue, notifyQueue, eventQueue, eventEndpoints: db.eventEndpoints, pushes, notify,
    threadFiles: onDisk ? { queueFile: config.queueFile, databaseFile: config.databaseFile, queueLock: queueLock.buffer } : undefined,
    ping: undefined,
    // A SQLite file in this process has no outage of its own: its errors are bugs (or a full disk).
    isOutage: () => false,
    where: config.cacheFile || ':memory:',
    close() {
      closed ??= closeInOrder('closing the stores', [
        ['push queue', () => pushQueue.close()],
        ['notify queue', () => notifyQueue.close()],
        ['event queue', () => eventQueue.close()],
        ['push ledger', () => pushes.close()],
        ['notify store', () => notify.close()],
        ['message cache', () => cache.close()],
        ['auth database', () => auth?.close()],
        ['herald database', () => db.close()],
      ]);
      return closed;
    },
  };
}

async function openPostgresStores(config: Config, options: OpenStoresOptions, opened: OpenedResources): Promise<Stores> {
  const { clock, logger } = options;
  const database = opened.keep('postgres pool', await openConfiguredPostgres(config, logger), (d) => d.close());
  // Every store runs its migrations under the same advisory lock, one after the other.
  const cache = opened.keep('message cache', await createPostgresMessageCache({
    database,
    maxBatch: config.cacheBatchSize,
    batchDelayMs: config.cacheBatchTimeout,
    ...(options.onCacheBatch ? { onBatch: options.onCacheBatch } : {}),
  }), (c) => c.close());
  const herald = opened.keep('herald stores', await openPostgresHeraldStores({ database, clock }), (h) => h.close());
  const auth = opened.keep('auth store', await createPostgresAuthStore({ database, clock }), (a) => a.close());
  const pushQueue = opened.keep('push queue', await createPostgresQueue<PushJob>({ database, clock }), (q) => q.close());
  const notifyQueue = opened.keep('notify queue', await createPostgresQueue<NotifyJob>({ database, clock }), (q) => q.close());
  const eventQueue = opened.keep('event queue', await createPostgresQueue<EventJob>({ database, clock }), (q) => q.close());
  const notify = opened.keep('notify store', await createPostgresNotifyStore({ database }), (s) => s.close());
  const pushes = opened.keep('push ledger', await createPostgresPushStore({ database }), (s) => s.close());
  let closed: Promise<void> | undefined;
  return {
    backend: 'postgres',
    cache, auth, keys: herald.keys, audit: herald.audit, secret: herald.secret, devices: herald.devices,
    pushQueue, notifyQueue, eventQueue, eventEndpoints: herald.eventEndpoints, pushes, notify,
    threadFiles: undefined,
    ping: (timeoutMs) => database.ping(timeoutMs),
    isOutage: isPostgresOutage,
    where: database.where,
    close() {
      // The stores first (pending acks, audit entries and messages still gathering go out), the
      // pool last, and the pool even when a store failed to flush (the database gone).
      closed ??= closeInOrder('closing the stores', [
        ['push queue', () => pushQueue.close()],
        ['notify queue', () => notifyQueue.close()],
        ['event queue', () => eventQueue.close()],
        ['push ledger', () => pushes.close()],
        ['notify store', () => notify.close()],
        ['message cache', () => cache.close()],
        ['auth store', () => auth.close()],
        ['herald stores', () => herald.close()],
        ['postgres pool', () => database.close()],
      ]);
      return closed;
    },
  };
}
