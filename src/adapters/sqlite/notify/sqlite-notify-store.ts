import type { NotifyStore } from '../../../ports/notify-store.js';
import { openSqlite } from '../open-sqlite.js';
import { NO_WRITE_LOCK, type WriteLock } from '../write-lock.js';
import { prepareCatalog } from './catalog.js';
import { prepareChannels } from './channels.js';
import type { NotifyContext } from './context.js';
import { prepareDigests } from './digests.js';
import { prepareErasure } from './erasure.js';
import { prepareInbox } from './inbox.js';
import { prepareLedgerWrites } from './ledger-writes.js';
import { NOTIFY_MIGRATION_LOCK_TABLE, NOTIFY_MIGRATION_TABLE, notifyMigrations } from './migrations.js';
import { prepareNotifications } from './notifications.js';
import { prepareRecipients } from './recipients.js';
import { prepareRetention } from './retention.js';
import { prepareSubscribers } from './subscribers.js';
import { prepareSuppressions } from './suppressions.js';

export interface SqliteNotifyStoreOptions {
  /** The queue file (shared with the queue and the push ledger), or ':memory:'. */
  file: string;
  writeLock?: WriteLock;
}

/**
 * The notify store on SQLite, on a connection of its own to the queue file. Each group of
 * operations (one file beside this one) prepares its statements once. Ledger writes are not
 * synced (the queue's synced commit that follows each one makes them durable, as for the push
 * ledger); what an operator or a subscriber set (profiles, preferences, categories, templates,
 * erasure) is synced on its own commit, because nothing else may follow it.
 */
export async function createSqliteNotifyStore(options: SqliteNotifyStoreOptions): Promise<NotifyStore> {
  const connection = await openSqlite<unknown>({
    file: options.file,
    synchronous: 'NORMAL',
    migrations: { provider: notifyMigrations, migrationTableName: NOTIFY_MIGRATION_TABLE, migrationLockTableName: NOTIFY_MIGRATION_LOCK_TABLE },
  });
  const { sqlite } = connection;
  const lock = options.writeLock ?? NO_WRITE_LOCK;
  const ctx: NotifyContext = {
    sqlite,
    prepare: (text) => sqlite.prepare(text),
    write: (fn) => lock.run(fn),
    durable: (fn) => lock.run(() => connection.synced(fn)),
  };
  const writes = prepareLedgerWrites(ctx);

  return {
    ...prepareSubscribers(ctx),
    ...prepareErasure(ctx),
    ...prepareCatalog(ctx),
    ...prepareNotifications(ctx),
    ...prepareRecipients(ctx, writes),
    ...prepareChannels(ctx, writes),
    ...prepareInbox(ctx),
    ...prepareDigests(ctx),
    ...prepareSuppressions(ctx),
    ...prepareRetention(ctx),
    close() {
      return connection.close();
    },
  };
}
