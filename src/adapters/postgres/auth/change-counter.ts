import { sql, type Kysely } from 'kysely';

/**
 * Reads the account tables' change counter: the one row that the triggers of migrations.ts bump
 * in the same transaction as every write to users, tokens or access, from any process. One primary
 * key lookup; Herald polls it every second.
 */
export function prepareChangeCounter(db: Kysely<unknown>): () => Promise<number> {
  return async () => {
    const { rows } = await sql<{ n: string }>`SELECT n FROM auth_changes WHERE id = 1`.execute(db);
    const n = rows[0]?.n;
    if (n === undefined) throw new Error('auth_changes has lost its row: the account tables were edited by hand');
    return Number(n);
  };
}
