import { migrateToPostgres, type MigrateReport, type MigrateToPostgresOptions, type SourceName } from '../adapters/migrate/index.js';
import type { Config } from '../config/index.js';

export type { MigrateReport, TablePlan, TableResult } from '../adapters/migrate/index.js';

export interface MigrateInstallationOptions {
  /** The target URL; the config's `database-url` when not given. */
  to?: string;
  batchSize: number;
  dryRun: boolean;
  signal?: AbortSignal;
  onPlan?: MigrateToPostgresOptions['onPlan'];
  onBatch?: MigrateToPostgresOptions['onBatch'];
}

/**
 * `herald migrate`: the SQLite files come from the same config `herald serve` reads (an empty
 * key is an in-memory store, with nothing to copy), and the connection settings for the target
 * (TLS CA, timeouts) from its `database-*` keys.
 */
export async function migrateInstallation(config: Config, options: MigrateInstallationOptions): Promise<MigrateReport> {
  const url = options.to ?? config.databaseUrl;
  if (!url) throw new Error('no target: pass --to postgres://… (or set database-url)');
  if (!/^postgres(ql)?:\/\//.test(url)) throw new Error('the target must be a postgres:// or postgresql:// URL');
  const sources: Partial<Record<SourceName, string>> = {};
  if (config.cacheFile) sources.cache = config.cacheFile;
  if (config.authFile) sources.auth = config.authFile;
  if (config.databaseFile) sources.database = config.databaseFile;
  if (config.queueFile) sources.queue = config.queueFile;
  return migrateToPostgres({
    sources,
    target: {
      url,
      statementTimeoutMs: config.databaseStatementTimeout,
      ...(config.databaseCaFile ? { caFile: config.databaseCaFile } : {}),
    },
    batchSize: options.batchSize,
    dryRun: options.dryRun,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onPlan ? { onPlan: options.onPlan } : {}),
    ...(options.onBatch ? { onBatch: options.onBatch } : {}),
  });
}
