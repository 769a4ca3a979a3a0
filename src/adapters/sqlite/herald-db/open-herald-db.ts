import type { Kysely } from 'kysely';
import { createServerSecrets } from '../../sql/herald-db/server-secrets.js';
import { createEventEndpointQueries } from '../../sql/herald-db/event-endpoints.js';
import type { EventEndpointsDatabase, ServerSecretsDatabase } from '../../sql/herald-db/schema.js';
import { openSqlite } from '../open-sqlite.js';
import type { ApiKeyStore } from '../../../ports/api-key-store.js';
import type { AuditLog } from '../../../ports/audit-log.js';
import type { DeviceStore } from '../../../ports/device-store.js';
import type { EventEndpointStore } from '../../../ports/event-endpoint-store.js';
import { HERALD_DB_MIGRATION_LOCK_TABLE, HERALD_DB_MIGRATION_TABLE, heraldDbMigrations } from './migrations.js';
import type { HeraldDatabase } from './schema.js';
import { createSqliteApiKeyStore } from './sqlite-api-key-store.js';
import { createSqliteAuditLog } from './sqlite-audit-log.js';
import { createSqliteDeviceStore } from './sqlite-device-store.js';

export interface OpenHeraldDatabaseOptions {
  /** File path (its directory is created if missing), or ':memory:'. */
  file: string;
}

/** The stores of Herald's own database, sharing one connection. */
export interface HeraldDatabaseStores {
  keys: ApiKeyStore;
  audit: AuditLog;
  devices: DeviceStore;
  /** Event endpoints (event webhooks for app backends) and their recent attempts. */
  eventEndpoints: EventEndpointStore;
  /** The secret stored under `name`, created with `generate` on first use (and kept from then on). */
  secret(name: string, generate: () => string): Promise<string>;
  /** Closes the connection; idempotent. The stores must not be used afterwards. */
  close(): Promise<void>;
}

/**
 * Opens Herald's own database (`database-file`) and brings its schema up to date. The CLI may open
 * the file while the server runs, so it is WAL with a long busy timeout, and every commit is synced
 * because audit entries and key revocations must survive a power cut. Within one process, open a
 * new file once before sharing it: better-sqlite3 waits for locks synchronously, so a second
 * connection opened while the first still migrates would block the thread the first needs.
 */
export async function openHeraldDatabase(options: OpenHeraldDatabaseOptions): Promise<HeraldDatabaseStores> {
  const connection = await openSqlite<HeraldDatabase>({
    file: options.file,
    synchronous: 'FULL',
    migrations: { provider: heraldDbMigrations, migrationTableName: HERALD_DB_MIGRATION_TABLE, migrationLockTableName: HERALD_DB_MIGRATION_LOCK_TABLE },
  });
  const { db, sqlite } = connection;

  let closed: Promise<void> | undefined;
  const audit = createSqliteAuditLog(db);
  return {
    keys: createSqliteApiKeyStore(db, sqlite),
    audit,
    devices: createSqliteDeviceStore(db, sqlite),
    eventEndpoints: createEventEndpointQueries(db as unknown as Kysely<EventEndpointsDatabase>),
    // Kysely<DB> is invariant in DB, so the connection typed for the whole file is narrowed to the one table these queries use.
    secret: createServerSecrets(db as unknown as Kysely<ServerSecretsDatabase>, Date.now),
    close() {
      closed ??= audit.flush().then(() => connection.close());
      return closed;
    },
  };
}
