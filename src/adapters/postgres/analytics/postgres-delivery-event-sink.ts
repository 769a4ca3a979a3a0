import type { Pool } from 'pg';
import type { DeliveryEventRow, DeliveryEventSink } from '../../../ports/delivery-event-sink.js';
import { silentLogger, type Logger } from '../../../ports/logger.js';
import { poolSettings, redactedPostgresUrl } from '../connection-settings.js';
import { createTableSql, insertSql, parseTableName, rowValues, type TableName } from './delivery-events-sql.js';

export interface PostgresDeliveryEventSinkOptions {
  /** The analytics database (`analytics-export-url`); may be Herald's own. */
  url: string;
  /** `table` or `schema.table` (`analytics-export-table`). */
  table: string;
  /** A few connections are plenty: one write runs at a time. */
  poolSize?: number;
  logger?: Logger;
}

/**
 * Writes exported rows to PostgreSQL with one multi-row INSERT per batch, on a pool of its own.
 * Nothing is checked at open: an analytics database that is down must not stop Herald, so the
 * table is created (if missing) before the first write that reaches the server, and a failed
 * write simply rejects. `pg` is imported lazily.
 */
export function createPostgresDeliveryEventSink(options: PostgresDeliveryEventSinkOptions): DeliveryEventSink {
  const table = parseTableName(options.table);
  const where = redactedPostgresUrl(options.url);
  const logger = options.logger ?? silentLogger;
  // Checked now, so a malformed URL is a start-up error rather than a warning every second.
  const settings = poolSettings({ url: options.url, poolSize: options.poolSize ?? 2, connectTimeoutMs: 5000, applicationName: 'herald-analytics-export' });
  let pool: Promise<Pool> | undefined;
  let tableReady = false;
  let closed: Promise<void> | undefined;

  const open = () =>
    (pool ??= import('pg').then(({ default: pg }) => {
      const p = new pg.Pool(settings);
      // A broken idle connection is an event on the pool; unheard, it would crash the process.
      p.on('error', (err: Error) => logger.debug({ database: where, error: err.message }, 'analytics export: idle connection failed'));
      p.on('connect', (client) => client.on('error', (err: Error) => logger.debug({ database: where, error: err.message }, 'analytics export: connection failed')));
      return p;
    }));

  return {
    async write(rows) {
      if (closed) throw new Error('the analytics export sink is closed');
      if (rows.length === 0) return;
      const p = await open();
      if (!tableReady) {
        await ensureTable(p, table);
        tableReady = true;
      }
      await p.query(insertSql(table, rows.length), rows.flatMap(rowValues));
    },
    close() {
      return (closed ??= pool ? pool.then((p) => p.end()) : Promise.resolve());
    },
  };
}

/** Creates the table and its indexes if missing, under a lock so that nodes starting together do it once. */
async function ensureTable(pool: Pool, table: TableName): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`herald analytics table ${table.qualified}`]);
    for (const statement of createTableSql(table)) await client.query(statement);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

export type { DeliveryEventRow };
