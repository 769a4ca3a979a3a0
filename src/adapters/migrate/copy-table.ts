import type { Pool } from 'pg';
import { describeRow, PARAMETER_TYPES, toParameters } from './convert.js';
import { saveProgress } from './copy-progress.js';
import type { KeyValue, SqliteSource } from './sqlite-source.js';
import type { ColumnMap, TableMap } from './tables.js';

export interface CopyTableOptions {
  source: SqliteSource;
  pool: Pool;
  map: TableMap;
  /** Where the previous runs stopped (undefined: from the first row). */
  after: readonly KeyValue[] | undefined;
  batchSize: number;
  /** Called after each committed batch with the rows it held. */
  onBatch(rows: number): void;
  /** Checked between batches: an abort stops after the batch in flight has committed. */
  signal?: AbortSignal;
}

/**
 * Copies one table from its SQLite file, in key order, one batch per PostgreSQL transaction: the
 * batch's rows and the table's progress row commit together or not at all. Returns the rows
 * copied by this call.
 */
export async function copyTable(options: CopyTableOptions): Promise<number> {
  const { source, pool, map, batchSize } = options;
  const insert = insertStatement(map);
  let after = options.after;
  let copied = 0;
  while (!options.signal?.aborted) {
    const batch = source.batch(map, after, batchSize);
    if (batch.rows.length === 0) break;
    const values = toParameters(map, batch.rows);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      try {
        await client.query({ name: `herald_migrate_${map.table}`, text: insert, values });
      } catch (err) {
        throw insertError(map, batch.rows[0] ? firstKey(map, batch.rows[0]) : [], err);
      }
      await saveProgress(client, map.table, source.file, batch.lastKey, batch.rows.length);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
    copied += batch.rows.length;
    after = batch.lastKey;
    options.onBatch(batch.rows.length);
  }
  return copied;
}

/**
 * One INSERT … SELECT FROM unnest(one array per column): one round trip per batch, however many
 * rows, with each value cast as its column needs.
 */
function insertStatement(map: TableMap): string {
  const names = map.columns.map((c) => `"${c.name}"`);
  const parameters = map.columns.map((c, i) => `$${i + 1}::${PARAMETER_TYPES[c.kind]}`);
  const conflict = map.replaces
    ? ` ON CONFLICT (${map.replaces.map((c) => `"${c}"`).join(', ')}) DO UPDATE SET ${map.columns
        .filter((c) => !map.replaces!.includes(c.name)).map((c) => `"${c.name}" = excluded."${c.name}"`).join(', ')}`
    : '';
  return `INSERT INTO "${map.table}" (${names.join(', ')})${map.generatedAlways ? ' OVERRIDING SYSTEM VALUE' : ''}
    SELECT ${map.columns.map(selected).join(', ')}
    FROM unnest(${parameters.join(', ')}) WITH ORDINALITY AS r(${names.join(', ')}, "ord")
    ORDER BY r."ord"${conflict}`;
}

function selected(column: ColumnMap): string {
  const value = `r."${column.name}"`;
  if (column.kind === 'json') return `${value}::json`;
  if (column.kind === 'json-elements') return `ARRAY(SELECT json_array_elements_text(${value}::json))`;
  return value;
}

function firstKey(map: TableMap, row: Record<string, unknown>): KeyValue[] {
  return (map.order === 'rowid' ? ['rowid'] : map.order).map((c) => row[c] as KeyValue);
}

/** PostgreSQL's refusal of a batch, with the table named and a hint for the usual cause. */
function insertError(map: TableMap, first: readonly KeyValue[], err: unknown): Error {
  const pgError = err as { code?: string; message?: string; detail?: string };
  const detail = pgError.detail ? ` (${pgError.detail})` : '';
  if (pgError.code === '23505') {
    return new Error(`copying ${map.table}: a row conflicts with one already in the target${detail}. `
      + `herald migrate copies into tables that only it has written to: use an empty schema, or the one an interrupted run of this same installation left`, { cause: err });
  }
  return new Error(`copying ${map.table} (batch from ${describeRow(map, first)}): ${pgError.message ?? String(err)}${detail}`, { cause: err });
}
