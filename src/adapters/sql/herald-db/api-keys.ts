import type { Kysely, Selectable } from 'kysely';
import type { ApiKeyRecord, ApiKeyStore } from '../../../ports/api-key-store.js';
import { parsedJson, type ApiKeysDatabase, type ApiKeysDialect, type ApiKeysTable } from './schema.js';

/** The API keys, on a connection their owner opens and closes; the same queries on both dialects. */
export function createApiKeyQueries(db: Kysely<ApiKeysDatabase>, dialect: ApiKeysDialect): ApiKeyStore {
  return {
    async add(key) {
      try {
        await db.insertInto('api_keys').values(keyToRow(key)).execute();
      } catch (err) {
        // The port has no error kinds; a collision on a random id or secret is a bug, so it stays loud.
        if (dialect.isUniqueViolation(err)) throw new Error(`api key ${key.id} already exists (same id or secret hash)`, { cause: err });
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
      // `created` has one-second resolution; the insertion order puts the later of two same-second keys first.
      const rows = await db.selectFrom('api_keys').selectAll()
        .orderBy('created', 'desc').orderBy(dialect.insertionOrder, 'desc').execute();
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

export function keyFromRow(row: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    secretHash: row.secret_hash,
    prefix: row.prefix,
    scopes: stringArray(row.scopes, row.id, 'scopes'),
    categories: stringArray(row.categories, row.id, 'categories'),
    created: Number(row.created),
    expires: Number(row.expires),
    lastUsed: Number(row.last_used),
    revoked: Number(row.revoked),
  };
}

/** Scopes decide what a key may do, so a hand-edited row that is not a list of strings fails instead of guessing. */
function stringArray(column: unknown, id: string, name: string): string[] {
  const value = parsedJson(column);
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new Error(`api key ${id}: ${name} is not a JSON array of strings`);
  }
  return value;
}
