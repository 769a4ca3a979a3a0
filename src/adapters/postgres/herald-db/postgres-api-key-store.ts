import { sql } from 'kysely';
import type { ApiKeyStore } from '../../../ports/api-key-store.js';
import { createApiKeyQueries } from '../../sql/herald-db/api-keys.js';
import type { ApiKeysDatabase } from '../../sql/herald-db/schema.js';
import { postgresConstraintBroken } from '../constraint-errors.js';
import type { PostgresDatabase } from '../open-postgres.js';
import { API_KEY_MIGRATIONS } from './migrations.js';

export interface PostgresApiKeyStoreOptions {
  /** The shared database handle (see openPostgres); the store uses its pool and does not close it. */
  database: PostgresDatabase;
}

/**
 * The API keys on PostgreSQL: migrates `api_keys`, then answers with the queries it shares with
 * SQLite. Each operation is one statement; two nodes adding a key with the same id or secret hash
 * at once meet the primary key or the UNIQUE index, and the second fails as on SQLite.
 */
export async function createPostgresApiKeyStore(options: PostgresApiKeyStoreOptions): Promise<ApiKeyStore> {
  await options.database.migrate(API_KEY_MIGRATIONS);
  return createApiKeyQueries(options.database.kysely.withTables<ApiKeysDatabase>(), {
    insertionOrder: sql`seq`,
    isUniqueViolation: (err) => postgresConstraintBroken(err) === 'unique',
  });
}
