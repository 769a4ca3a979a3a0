import type Database from 'better-sqlite3';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { ApiKeyStore } from '../../../ports/api-key-store.js';
import { createApiKeyQueries, keyFromRow } from '../../sql/herald-db/api-keys.js';
import type { ApiKeysDatabase, ApiKeysTable } from '../../sql/herald-db/schema.js';
import { sqliteConstraintBroken } from '../constraint-errors.js';
import type { HeraldDatabase } from './schema.js';

/** The API keys of Herald's database, on a connection that openHeraldDatabase owns and closes. */
export function createSqliteApiKeyStore(db: Kysely<HeraldDatabase>, sqlite: Database.Database): ApiKeyStore {
  // Kysely<DB> is invariant in DB, so the connection typed for the whole file is narrowed to the one table these queries use.
  const queries = createApiKeyQueries(db as unknown as Kysely<ApiKeysDatabase>, {
    insertionOrder: sql`rowid`,
    isUniqueViolation: (err) => sqliteConstraintBroken(err) === 'unique',
  });
  // Every request that carries an API key looks it up: prepared once here, where Kysely would build
  // and prepare the statement again on each call (about 18 µs of CPU per lookup, warm).
  const byHash = sqlite.prepare<[string], Selectable<ApiKeysTable>>('SELECT * FROM api_keys WHERE secret_hash = ?');
  return {
    ...queries,
    async byHash(secretHash) {
      const row = byHash.get(secretHash);
      return row && keyFromRow(row);
    },
  };
}
