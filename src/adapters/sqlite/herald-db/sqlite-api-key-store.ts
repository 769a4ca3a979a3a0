import { sql, type Kysely } from 'kysely';
import type { ApiKeyStore } from '../../../ports/api-key-store.js';
import { createApiKeyQueries } from '../../sql/herald-db/api-keys.js';
import type { ApiKeysDatabase } from '../../sql/herald-db/schema.js';
import { sqliteConstraintBroken } from '../constraint-errors.js';
import type { HeraldDatabase } from './schema.js';

/** The API keys of Herald's database, on a connection that openHeraldDatabase owns and closes. */
export function createSqliteApiKeyStore(db: Kysely<HeraldDatabase>): ApiKeyStore {
  // Kysely<DB> is invariant in DB, so the connection typed for the whole file is narrowed to the one table these queries use.
  return createApiKeyQueries(db as unknown as Kysely<ApiKeysDatabase>, {
    insertionOrder: sql`rowid`,
    isUniqueViolation: (err) => sqliteConstraintBroken(err) === 'unique',
  });
}
