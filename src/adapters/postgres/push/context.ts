import type { Pool, PoolClient, QueryResultRow } from 'pg';
import type { CommitMode } from './commit-mode.js';

/** A connection to run statements on: the pool (each statement its own transaction) or one client inside a transaction. */
type Runner = Pick<Pool, 'query'> | Pick<PoolClient, 'query'>;

/** What every push ledger operation gets: named statements on the shared pool, and transactions for the few that need more than one. */
export interface PushSql {
  /** How the hot-path statements commit; see commit-mode.ts. */
  readonly commit: CommitMode;
  /**
   * Runs one named statement: prepared once per connection, then sent as a bind. A name stands for
   * one SQL text, so operations with variants name each variant. Inside `transaction`, pass the
   * client as `on`.
   */
  query<R extends QueryResultRow>(name: string, text: string, values: unknown[], on?: PoolClient): Promise<{ rows: R[]; rowCount: number }>;
  /** Runs `fn` on one connection between BEGIN and COMMIT (ROLLBACK when it throws). */
  transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T>;
}

export function pushSql(pool: Pool, commit: CommitMode): PushSql {
  return {
    commit,
    async query<R extends QueryResultRow>(name: string, text: string, values: unknown[], on?: PoolClient) {
      const runner: Runner = on ?? pool;
      const result = await runner.query<R>({ name: `herald_push_${name}`, text, values });
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    },
    async transaction(fn) {
      const client = await pool.connect();
      // A connection whose ROLLBACK failed is broken or mid-transaction: it must not go back to the pool.
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const out = await fn(client);
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch((rollbackError: unknown) => {
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        });
        throw err;
      } finally {
        client.release(broken);
      }
    },
  };
}
