import type { Pool } from 'pg';
import type { TableProgress } from './copy-progress.js';
import type { SqliteSource } from './sqlite-source.js';
import { sourceColumn, type TableMap } from './tables.js';

/**
 * The checks made before the first row is copied, so that a run either copies everything or
 * refuses at once, with the reason, without writing a row.
 */

/**
 * The source's columns and the target's must be exactly those of the mapping: a migration added
 * on either side without a line in tables.ts would otherwise lose a column without a word.
 */
export async function checkColumns(pool: Pool, sources: ReadonlyMap<string, SqliteSource>, maps: readonly TableMap[]): Promise<void> {
  const problems: string[] = [];
  const { rows } = await pool.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ANY($1)`,
    [maps.map((m) => m.table)],
  );
  const target = new Map<string, Set<string>>();
  for (const row of rows) {
    let columns = target.get(row.table_name);
    if (!columns) target.set(row.table_name, (columns = new Set()));
    columns.add(row.column_name);
  }
  for (const map of maps) {
    const source = sources.get(map.source);
    if (source) {
      const expected = new Set(map.columns.map(sourceColumn).filter((c): c is string => c !== undefined && c !== 'rowid'));
      compare(`${source.file}: table ${map.table}`, new Set(source.columns(map.table)), expected, problems);
    }
    // A dry run on a new schema finds no tables there yet: nothing to compare.
    const columns = target.get(map.table);
    if (columns) compare(`target table ${map.table}`, columns, new Set(map.columns.map((c) => c.name)), problems);
  }
  if (problems.length > 0) {
    throw new Error(`the tables differ from what this version of herald migrate copies (is the installation from another Herald version?):\n  ${problems.join('\n  ')}`);
  }
}

function compare(where: string, found: ReadonlySet<string>, expected: ReadonlySet<string>, problems: string[]): void {
  if (found.size === 0) {
    problems.push(`${where} does not exist`);
    return;
  }
  const missing = [...expected].filter((c) => !found.has(c));
  const unknown = [...found].filter((c) => !expected.has(c));
  if (missing.length > 0) problems.push(`${where} lacks ${missing.join(', ')}`);
  if (unknown.length > 0) problems.push(`${where} has columns herald migrate does not know: ${unknown.join(', ')}`);
}

/**
 * The target must hold nothing but what earlier runs copied from the same files: rows Herald
 * wrote itself (a server already started on this database) could clash with the copied ids and
 * names, and which of two user tables is the right one is not the copy's to decide.
 */
export async function checkTargetFree(pool: Pool, sources: ReadonlyMap<string, SqliteSource>, maps: readonly TableMap[], progress: ReadonlyMap<string, TableProgress>): Promise<void> {
  const occupied: string[] = [];
  const switched: string[] = [];
  for (const map of maps) {
    const source = sources.get(map.source);
    if (!source) continue;
    const earlier = progress.get(map.table);
    if (earlier) {
      if (earlier.sourceFile !== source.file) switched.push(`${map.table} (copied from ${earlier.sourceFile}, now ${source.file})`);
      continue;
    }
    if (map.replaces) continue;
    // A dry run on a new schema finds no table yet, which is as empty as it gets.
    const { rows: [found] } = await pool.query<{ exists: boolean }>(
      `SELECT to_regclass(quote_ident(current_schema()) || '.' || quote_ident($1)) IS NOT NULL AS exists`,
      [map.table],
    );
    if (!found?.exists) continue;
    const { rowCount } = await pool.query(`SELECT 1 FROM "${map.table}" LIMIT 1`);
    if (rowCount) occupied.push(map.table);
  }
  if (switched.length > 0) {
    throw new Error(`an earlier run copied into this schema from other files: ${switched.join('; ')}. Run again with the same files, or use another schema`);
  }
  if (occupied.length > 0) {
    throw new Error(`the target already holds data that herald migrate did not copy, in: ${occupied.join(', ')}. `
      + 'Copy into an empty schema (before starting Herald on it), or empty these tables first');
  }
}
