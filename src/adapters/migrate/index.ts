/**
 * `herald migrate --to postgres://…`: copies an embedded SQLite installation (the files named by
 * cache-file, auth-file, database-file and queue-file) into the PostgreSQL stores of scale-out
 * mode. tables.ts holds the table-by-table mapping; the rest is the copy around it:
 *
 * - sqlite-source.ts reads each file in key order, inside one read snapshot;
 * - checks.ts refuses a target holding data it did not copy, and columns the mapping does not know;
 * - copy-table.ts sends each batch as one INSERT … SELECT FROM unnest in a transaction that also
 *   records the progress (copy-progress.ts), so a killed run continues exactly where it stopped;
 * - identities.ts moves every identity sequence past the copied ids at the end.
 */
export {
  migrateToPostgres,
  type MigrateReport,
  type MigrateToPostgresOptions,
  type TablePlan,
  type TableResult,
} from './migrate-to-postgres.js';
export { SOURCE_KEYS, type SourceName } from './tables.js';
