import type { Kysely } from 'kysely';
import type { ServerSecretsDatabase } from './schema.js';

/** The secret stored under `name`, created with `generate` on first use and kept from then on. */
export type ServerSecret = (name: string, generate: () => string) => Promise<string>;

/**
 * The server's own secrets (e.g. for subscriber tokens), the same queries on both dialects. Insert
 * if absent, then read: two processes starting together agree on whichever insert won, because the
 * loser's insert waits for the winner's commit on the primary key (SQLite: the write lock) and then
 * does nothing, and its read comes after that commit.
 */
export function createServerSecrets(db: Kysely<ServerSecretsDatabase>, now: () => number): ServerSecret {
  return async (name, generate) => {
    await db.insertInto('server_secrets').values({ name, value: generate(), created_at: now() }).onConflict((oc) => oc.doNothing()).execute();
    const row = await db.selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
    return row.value;
  };
}
