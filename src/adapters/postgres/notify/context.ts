import type { Kysely } from 'kysely';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import type { NotifyTables } from './schema.js';

/** What every notify operation gets: the shared pool for its own SQL, and Kysely over it for the directory. */
export interface NotifyContext {
  pool: Pool;
  db: Kysely<NotifyTables>;
  /**
   * Runs one named statement on the pool: prepared once per connection, then sent as a bind. A
   * name stands for one SQL text, so operations with variants name each variant.
   */
  query<R extends QueryResultRow>(name: string, text: string, values: unknown[]): Promise<{ rows: R[]; rowCount: number }>;
  /** Runs `fn` on one connection between BEGIN and COMMIT (ROLLBACK when it throws). */
  transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T>;
}

export function notifyContext(pool: Pool, db: Kysely<NotifyTables>): NotifyContext {
  return {
    pool,
    db,
    async query<R extends QueryResultRow>(name: string, text: string, values: unknown[]) {
      const result = await pool.query<R>({ name: `herald_notify_${name}`, text, values });
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    },
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const out = await fn(client);
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
  };
}
