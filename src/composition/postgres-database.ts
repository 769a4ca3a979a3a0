import { openPostgres, type PostgresDatabase } from '../adapters/postgres/open-postgres.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../ports/logger.js';

/** Opens the pool of `database-url` with the `database-*` settings (also for the CLI's account and key commands). */
export function openConfiguredPostgres(config: Config, logger: Logger): Promise<PostgresDatabase> {
  return openPostgres({
    url: config.databaseUrl,
    poolSize: config.databasePoolSize,
    statementTimeoutMs: config.databaseStatementTimeout,
    ...(config.databaseCaFile ? { caFile: config.databaseCaFile } : {}),
    logger,
  });
}

/** The refusal of a second home for the accounts; see openStores. */
export function assertOneAccountHome(config: Config): void {
  if (config.databaseUrl !== '' && config.authFile !== '') {
    throw new Error('auth-file and database-url are both set: with database-url, accounts, tokens and access rules live in PostgreSQL; unset auth-file (herald migrate --to copies an existing one)');
  }
}
