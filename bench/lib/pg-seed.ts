import Database from 'better-sqlite3';
import type { Pool } from 'pg';
import { HarnessError } from './proc.js';

/** Rows per INSERT: one statement carries a column array each, so a round trip moves this many rows. */
const BATCH = 20_000;

interface Column {
  name: string;
  /** `format_type()` of the column, e.g. `bigint`, `text`, `jsonb`, `timestamp with time zone`. */
  type: string;
}

/**
 * Copies tables of a seeded SQLite database into the same-named tables of a PostgreSQL schema
 * that Herald has already migrated: the same audience on both engines, written in a few seconds.
 * Each batch is one `INSERT … SELECT FROM unnest($1::type[], …)` (one array per column, typed
 * from the schema's catalog), so a million rows take 50 statements instead of a million. Only
 * the columns both tables have are copied; a PostgreSQL column the SQLite table lacks must have
 * a default.
 */
export async function copyTables(sqliteFile: string, pool: Pool, tables: readonly string[], onProgress?: (table: string, rows: number) => void): Promise<Record<string, number>> {
  const db = new Database(sqliteFile, { readonly: true, fileMustExist: true });
  const copied: Record<string, number> = {};
  try {
    for (const table of tables) {
      const target = await columnsOf(pool, table);
      if (target.length === 0) throw new HarnessError(`no table ${table} in the PostgreSQL schema: has Herald migrated it?`);
      const sourceNames = new Set((db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as Array<{ name: string }>).map((r) => r.name));
      const columns = target.filter((c) => sourceNames.has(c.name));
      const list = columns.map((c) => `"${c.name}"`).join(', ');
      const arrays = columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ');
      const insert = `INSERT INTO "${table}" (${list}) SELECT * FROM unnest(${arrays})`;
      const rows = db.prepare(`SELECT ${list} FROM "${table}"`).raw(true).iterate() as IterableIterator<unknown[]>;
      let batch: unknown[][] = columns.map(() => []);
      let n = 0;
      const flush = async () => {
        if (batch[0]!.length === 0) return;
        await pool.query(insert, batch);
        n += batch[0]!.length;
        onProgress?.(table, n);
        batch = columns.map(() => []);
      };
      for (const row of rows) {
        for (let i = 0; i < columns.length; i++) batch[i]!.push(convert(row[i], columns[i]!.type));
        if (batch[0]!.length >= BATCH) await flush();
      }
      await flush();
      copied[table] = n;
    }
  } finally {
    db.close();
  }
  return copied;
}

async function columnsOf(pool: Pool, table: string): Promise<Column[]> {
  const { rows } = await pool.query<Column>(
    `SELECT a.attname AS name, format_type(a.atttypid, NULL) AS type
       FROM pg_attribute a
      WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped AND a.attidentity = '' AND a.attgenerated = ''
      ORDER BY a.attnum`, [table]);
  return rows;
}

/** SQLite's stored value as the PostgreSQL column takes it: milliseconds to timestamps, 0/1 to booleans. */
function convert(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  if (type.startsWith('timestamp') && typeof value === 'number') return new Date(value).toISOString();
  if (type === 'boolean' && typeof value === 'number') return value !== 0;
  if (typeof value === 'bigint') return value.toString();
  return value;
}
