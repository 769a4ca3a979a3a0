import type { NotifyStore } from '../../../ports/notify-store.js';
import type { PostgresDatabase } from '../open-postgres.js';
import { prepareCatalog } from './catalog.js';
import { prepareChannels } from './channels.js';
import { notifyContext } from './context.js';
import { prepareDigests } from './digests.js';
import { prepareErasure } from './erasure.js';
import { prepareInbox } from './inbox.js';
import { prepareLedgerWrites } from './ledger-writes.js';
import { NOTIFY_MIGRATIONS } from './migrations.js';
import { prepareNotifications } from './notifications.js';
import { prepareRecipients } from './recipients.js';
import { prepareRetention } from './retention.js';
import type { NotifyTables } from './schema.js';
import { prepareSubscribers } from './subscribers.js';
import { prepareSuppressions } from './suppressions.js';

export interface PostgresNotifyStoreOptions {
  /** The shared database handle (see openPostgres); the store uses its pool and does not close it. */
  database: PostgresDatabase;
}

/**
 * The notify store on PostgreSQL: migrates its tables (under the advisory lock), then answers the
 * port with the operations beside this file, on the shared pool. Any number of processes may use
 * the same schema at once. It takes no clock: every time comes from the caller, as the port says.
 */
export async function createPostgresNotifyStore(options: PostgresNotifyStoreOptions): Promise<NotifyStore> {
  const { database } = options;
  await database.migrate(NOTIFY_MIGRATIONS);
  const ctx = notifyContext(database.pool, database.kysely.withTables<NotifyTables>());
  const write = prepareLedgerWrites(ctx);

  return {
    ...prepareSubscribers(ctx),
    ...prepareErasure(ctx),
    ...prepareCatalog(ctx),
    ...prepareNotifications(ctx),
    ...prepareRecipients(ctx, write),
    ...prepareChannels(ctx, write),
    ...prepareInbox(ctx),
    ...prepareDigests(ctx),
    ...prepareSuppressions(ctx),
    ...prepareRetention(ctx),
    // Nothing of its own to release: the pool is the database owner's to close.
    async close() {},
  };
}
