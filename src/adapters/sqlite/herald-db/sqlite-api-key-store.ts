import { sql, type Kysely, type Selectable } from 'kysely';
import type { ApiKeyRecord, ApiKeyStore } from '../../../ports/api-key-store.js';
import type { ApiKeysTable, HeraldDatabase } from './schema.js';

/** The API keys of Herald's database, on a connection that openHeraldDatabase owns and closes. */
export function createSqliteApiKeyStore(db: Kysely<HeraldDatabase>): ApiKeyStore {
  return {
    async add(key) {
      try {
        await db.insertInto('api_keys').values(keyToRow(key)).execute();
      } catch (err) {
        // The port has no error kinds; a collision on a random id or secret is a bug, so it stays loud.
        if (isUniqueViolation(err)) throw new Error(`api key ${key.id} already exists (same id or secret hash)`, { cause: err });
        throw err;
      }
    },

    async byHash(secretHash) {
      const row = await db.selectFrom('api_keys').selectAll().where('secret_hash', '=', secretHash).executeTakeFirst();
      return row && keyFromRow(row);
    },

    async byId(id) {
      const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
      return row && keyFromRow(row);
    },

    async list() {
      // `created` has one-second resolution; rowid puts the later of two same-second keys first.
      const rows = await db.selectFrom('api_keys').selectAll()
        .orderBy('created', 'desc').orderBy(sql`rowid`, 'desc').execute();
      return rows.map(keyFromRow);
    },

    async update(id, changes) {
      const set: Partial<ApiKeysTable> = {};
      if (changes.name !== undefined) set.name = changes.name;
      if (changes.expires !== undefined) set.expires = changes.expires;
      if (changes.lastUsed !== undefined) set.last_used = changes.lastUsed;
      if (changes.revoked !== undefined) set.revoked = changes.revoked;
      if (Object.keys(set).length === 0) return;
      await db.updateTable('api_keys').set(set).where('id', '=', id).execute();
    },
  };
}

function keyToRow(key: ApiKeyRecord): ApiKeysTable {
  return {
    id: key.id,
    name: key.name,
    secret_hash: key.secretHash,
    prefix: key.prefix,
    scopes: JSON.stringify(key.scopes),
    categories: JSON.stringify(key.categories),
    created: key.created,
    expires: key.expires,
    last_used: key.lastUsed,
    revoked: key.revoked,
  };
}

function keyFromRow(row: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    secretHash: row.secret_hash,
    prefix: row.prefix,
    scopes: stringArray(row.scopes, row.id, 'scopes'),
    categories: stringArray(row.categories, row.id, 'categories'),
    created: row.created,
    expires: row.expires,
    lastUsed: row.last_used,
    revoked: row.revoked,
  };
}

/** Scopes decide what a key may do, so a hand-edited row that is not a list of strings fails instead of guessing. */
function stringArray(text: string, id: string, column: string): string[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new Error(`api key ${id}: ${column} is not a JSON array of strings`);
  }
  return value;
}

function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
