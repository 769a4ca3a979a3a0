import { openPostgres, type OpenPostgresOptions, type PostgresDatabase } from '../postgres/open-postgres.js';
import { checkColumns, checkTargetFree } from './checks.js';
import { createProgressTable, readProgress } from './copy-progress.js';
import { copyTable } from './copy-table.js';
import { advanceIdentity } from './identities.js';
import { SOURCE_MIGRATIONS, TARGET_MIGRATIONS } from './installation.js';
import { SqliteSource } from './sqlite-source.js';
import { SOURCE_KEYS, TABLES, type SourceName, type TableMap } from './tables.js';

export interface MigrateToPostgresOptions {
  /** The installation's SQLite files by source; a source left out (its config key empty) is skipped. */
  sources: Partial<Record<SourceName, string>>;
  /** Where to copy to: the URL's search_path (`options=-c search_path=…`) picks the schema. */
  target: OpenPostgresOptions;
  /** Rows per transaction. */
  batchSize: number;
  /** Check and count only: nothing is written to the target (the source files are brought up to date, as any command does). */
  dryRun?: boolean;
  /** Stops after the batch in flight; a later run continues from there. */
  signal?: AbortSignal;
  /** Called once before copying, with what remains to be copied. */
  onPlan?(plan: readonly TablePlan[]): void;
  /** Called after every committed batch. */
  onBatch?(table: string, rows: number): void;
}

export interface TablePlan {
  table: string;
  source: SourceName;
  /** Rows in the SQLite table. */
  sourceRows: number;
  /** Rows earlier runs already copied. */
  copiedBefore: number;
  /** Rows this run has to copy. */
  remaining: number;
}

export interface TableResult extends TablePlan {
  /** Rows this run copied. */
  copied: number;
}

export interface MigrateReport {
  /** The target URL without its password. */
  where: string;
  schema: string;
  tables: TableResult[];
  /** Sources that were not configured, by config key. */
  skipped: string[];
  /** Stopped by the signal before the end; a re-run continues. */
  interrupted: boolean;
  dryRun: boolean;
}

/**
 * Copies an embedded SQLite installation into PostgreSQL: brings the target schema up to date with
 * every PostgreSQL store's own migrations, checks the target holds nothing it did not copy
 * itself, copies table by table in key order (tables.ts says how each column maps), one batch per
 * transaction with its progress, and finally moves every identity sequence past the copied ids.
 * Safe to run again at any point: an interrupted run continues, a finished one finds nothing to do.
 */
export async function migrateToPostgres(options: MigrateToPostgresOptions): Promise<MigrateReport> {
  if (!Number.isSafeInteger(options.batchSize) || options.batchSize < 1) throw new RangeError('batch size must be a positive integer');
  const configured = (Object.keys(SOURCE_KEYS) as SourceName[]).filter((name) => options.sources[name]);
  if (configured.length === 0) {
    throw new Error(`no SQLite file to copy from: ${Object.values(SOURCE_KEYS).join(', ')} are all unset (in memory)`);
  }
  const skipped = (Object.keys(SOURCE_KEYS) as SourceName[]).filter((name) => !options.sources[name]).map((name) => SOURCE_KEYS[name]);
  const maps = TABLES.filter((m) => configured.includes(m.source));

  // Sources first: a missing file is the likeliest mistake and needs no database to report.
  const sources = new Map<SourceName, SqliteSource>();
  let database: PostgresDatabase | undefined;
  try {
    for (const name of configured) sources.set(name, await SqliteSource.open(name, options.sources[name]!, SOURCE_MIGRATIONS[name]));
    database = await openPostgres({ ...options.target, poolSize: 3, applicationName: 'herald migrate' });
    return await copyAll(database, sources, maps, skipped, options);
  } finally {
    await database?.close();
    for (const source of sources.values()) await source.close();
  }
}

async function copyAll(
  database: PostgresDatabase,
  sources: ReadonlyMap<SourceName, SqliteSource>,
  maps: readonly TableMap[],
  skipped: string[],
  options: MigrateToPostgresOptions,
): Promise<MigrateReport> {
  const { pool } = database;
  const { rows: [current] } = await pool.query<{ schema: string | null }>('SELECT current_schema() AS schema');
  const schema = current?.schema;
  if (!schema) throw new Error(`the target's search_path names no schema that exists (${database.where}): create it first`);

  // One copy per schema at a time: a second run waits for nothing, it refuses.
  const holder = await pool.connect();
  try {
    const { rows: [lock] } = await holder.query<{ taken: boolean }>(
      `SELECT pg_try_advisory_lock(hashtextextended('herald:migrate-copy:' || current_schema(), 0)) AS taken`,
    );
    if (!lock?.taken) throw new Error(`another herald migrate is copying into schema ${schema} right now`);
    try {
      const dryRun = options.dryRun === true;
      if (!dryRun) {
        for (const migrations of TARGET_MIGRATIONS) await database.migrate(migrations);
        await createProgressTable(pool);
      }
      await checkColumns(pool, sources, maps);
      const progress = await readProgress(pool);
      await checkTargetFree(pool, sources, maps, progress);

      const plan = maps.map((map): TablePlan => {
        const source = sources.get(map.source)!;
        const earlier = progress.get(map.table);
        return {
          table: map.table,
          source: map.source,
          sourceRows: source.count(map, undefined),
          copiedBefore: earlier?.rows ?? 0,
          remaining: source.count(map, earlier?.lastKey),
        };
      });
      options.onPlan?.(plan);
      const results: TableResult[] = plan.map((p) => ({ ...p, copied: 0 }));
      const report: MigrateReport = { where: database.where, schema, tables: results, skipped, interrupted: false, dryRun };
      if (dryRun) return report;

      for (const [i, map] of maps.entries()) {
        if (options.signal?.aborted) break;
        results[i]!.copied = await copyTable({
          source: sources.get(map.source)!,
          pool,
          map,
          after: progress.get(map.table)?.lastKey,
          batchSize: options.batchSize,
          onBatch: (rows) => options.onBatch?.(map.table, rows),
          ...(options.signal ? { signal: options.signal } : {}),
        });
      }
      // Also after an interruption: whatever was copied must not be handed out again.
      for (const map of maps) await advanceIdentity(pool, map, sources.get(map.source)!.autoincrementMark(map.table));
      report.interrupted = options.signal?.aborted === true && results.some((r) => r.copied < r.remaining);
      return report;
    } finally {
      await holder.query(`SELECT pg_advisory_unlock(hashtextextended('herald:migrate-copy:' || current_schema(), 0))`).catch(() => {});
    }
  } finally {
    holder.release();
  }
}
