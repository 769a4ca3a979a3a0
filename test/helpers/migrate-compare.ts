import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import type { Pool } from 'pg';
import { TABLES, type ColumnMap, type SourceName, type TableMap } from '../../src/adapters/migrate/tables.js';

/**
 * Compares an installation's SQLite files with the PostgreSQL schema `herald migrate` filled,
 * table by table and row by row. Each side is normalised on its own terms (SQLite's exact
 * integers, PostgreSQL's bigint strings, json values, text[] and escaped messages) to one canonical
 * text per row, and the two sides are compared as multisets, so neither the copy's order nor its
 * conversion code is trusted to decide what "the same" means.
 */

export type SourceFiles = Record<SourceName, string>;

/** The free-text columns PostgreSQL's message cache escapes when a row has U+0000 (its schema.ts). */
const MESSAGE_FREE_TEXT = ['message', 'title', 'click', 'icon', 'attachment_name', 'attachment_type', 'attachment_url', 'content_type', 'encoding', 'user'];

export function sqliteRows(file: string, map: TableMap): string[] {
  const db = new Database(file, { readonly: true });
  try {
    const rowid = map.order === 'rowid' ? 'rowid AS "rowid", ' : '';
    const rows = db.prepare(`SELECT ${rowid}* FROM "${map.table}"`).safeIntegers(true).all() as Record<string, unknown>[];
    return rows.map((row) => canonical(map, (column) => fromSqlite(column, row[column.from ?? column.name]))).sort();
  } finally {
    db.close();
  }
}

export async function postgresRows(pool: Pool, map: TableMap): Promise<string[]> {
  const { rows } = await pool.query<Record<string, unknown>>(`SELECT * FROM "${map.table}"`);
  return rows.map((row) => {
    const escaped = map.table === 'messages' && row.nul_escaped === true;
    return canonical(map, (column) => {
      let value = row[column.name];
      if (escaped && typeof value === 'string' && MESSAGE_FREE_TEXT.includes(column.name)) {
        value = value.replace(/\\([\\0])/g, (_, c: string) => (c === '0' ? '\u0000' : '\\'));
      }
      return fromPostgres(column, value);
    });
  }).sort();
}

function canonical(map: TableMap, value: (column: ColumnMap) => unknown): string {
  return JSON.stringify(map.columns.filter((c) => !c.derived).map((c) => [c.name, value(c)]));
}

function fromSqlite(column: ColumnMap, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (column.kind) {
    case 'boolean':
      return value === 1n;
    case 'json':
      return JSON.parse(value as string);
    case 'json-elements':
      return JSON.parse(value as string);
    case 'text':
      return value;
    default:
      return (value as bigint).toString();
  }
}

function fromPostgres(column: ColumnMap, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (column.kind) {
    case 'boolean':
      assert.equal(typeof value, 'boolean', `${column.name} is a PostgreSQL boolean`);
      return value;
    case 'json':
      // node-postgres parses json columns.
      return value;
    case 'json-elements':
      assert.ok(Array.isArray(value), `${column.name} is a PostgreSQL array`);
      return (value as string[]).map((element) => JSON.parse(element) as unknown);
    case 'text':
      return value;
    default:
      return String(value);
  }
}

/** Every mapped table of the configured files holds the same rows on both sides; returns the row counts. */
export async function assertSameInstallation(pool: Pool, files: Partial<SourceFiles>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const map of TABLES) {
    const file = files[map.source];
    if (!file) continue;
    const expected = sqliteRows(file, map);
    const actual = await postgresRows(pool, map);
    assert.equal(actual.length, expected.length, `${map.table}: ${actual.length} rows in PostgreSQL, ${expected.length} in SQLite`);
    assert.deepEqual(actual, expected, `${map.table}: the rows differ`);
    counts[map.table] = expected.length;
  }
  return counts;
}
