import { readFile } from 'node:fs/promises';
import { Kysely, PostgresDialect } from 'kysely';
import type { Pool } from 'pg';
import { silentLogger, type Logger } from '../../ports/logger.js';
import { poolSettings, redactedPostgresUrl, type PostgresConnectionOptions } from './connection-settings.js';
import { migratePostgres, type PostgresMigrations } from './migrate.js';

export interface OpenPostgresOptions extends Omit<PostgresConnectionOptions, 'ca'> {
  /** PEM file of the server's CA (`database-ca-file`); read once at open. */
  caFile?: string;
  logger?: Logger;
}

/**
 * One PostgreSQL database as every Herald store sees it: a node-postgres pool for the hot paths
 * that speak SQL directly, a Kysely instance over the same pool for the rest, and migrations.
 */
export interface PostgresDatabase {
  readonly pool: Pool;
  readonly kysely: Kysely<unknown>;
  /** The URL without its password, for logs and errors. */
  readonly where: string;
  /**
   * Brings one store's tables up to date, under an advisory lock so that nodes starting together
   * migrate once; see {@link migratePostgres}.
   */
  migrate(migrations: PostgresMigrations): Promise<void>;
  /**
   * Whether the server answers a trivial statement on the pool within `timeoutMs`: false on any
   * error or when the answer is late (a statement still waiting then finishes on its own).
   */
  ping(timeoutMs: number): Promise<boolean>;
  /** Closes the pool after the statements in flight; idempotent. */
  close(): Promise<void>;
}

/**
 * Opens the pool every PostgreSQL store shares and checks that the server answers, so a wrong URL
 * fails at start with a clear message. `pg` is imported here, lazily: single-process installs
 * never load it. Neither errors nor logs ever carry the password.
 */
export async function openPostgres(options: OpenPostgresOptions): Promise<PostgresDatabase> {
  const where = redactedPostgresUrl(options.url);
  const logger = options.logger ?? silentLogger;
  let ca: string | undefined;
  if (options.caFile) {
    try {
      ca = await readFile(options.caFile, 'utf8');
    } catch (err) {
      throw new Error(`cannot read database-ca-file ${options.caFile}: ${(err as Error).message}`);
    }
  }
  const settings = poolSettings({ ...options, ...(ca === undefined ? {} : { ca }) });
  const { default: pg } = await import('pg');
  const pool = new pg.Pool(settings);
  // An idle connection that breaks (server restart, network cut) is an event on the pool, not an
  // answer to a query; without a listener it would crash the process. The pool replaces it.
  pool.on('error', (err: Error) => {
    logger.warn({ database: where, error: err.message }, 'idle PostgreSQL connection failed; the pool opens a new one when needed');
  });
  // A connection that breaks while checked out (Kysely holds one per query or transaction, the
  // stores hold one per transaction) is an 'error' event on the client too, besides failing the
  // statement in flight; the pool listens only while the client is idle, so without this listener
  // a network cut at the wrong moment would crash the process. The statement's caller gets the
  // error, and the pool drops the broken client when it is released.
  pool.on('connect', (client) => {
    client.on('error', (err: Error) => {
      logger.debug({ database: where, error: err.message }, 'PostgreSQL connection in use failed');
    });
  });
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => {});
    throw new Error(`cannot connect to PostgreSQL at ${where}: ${(err as Error).message}`);
  }

  const kysely = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  let closed: Promise<void> | undefined;
  return {
    pool,
    kysely,
    where,
    migrate: (migrations) => migratePostgres(kysely, migrations),
    ping: (timeoutMs) => ping(pool, timeoutMs),
    close() {
      // Kysely's destroy ends the pool it was given.
      closed ??= kysely.destroy();
      return closed;
    },
  };
}

async function ping(pool: Pool, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([pool.query('SELECT 1').then(() => true, () => false), late]);
  } finally {
    clearTimeout(timer);
  }
}
