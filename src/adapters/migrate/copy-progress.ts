import type { Pool, PoolClient } from 'pg';
import type { KeyValue } from './sqlite-source.js';

/**
 * How far the copy of each table got, kept in the target itself: one row per table, written in
 * the same transaction as each batch. A run killed at any point (SIGKILL included) leaves the
 * target with whole batches and a progress row that names exactly the last of them, so the next
 * run continues after it and never copies a row twice — also for tables without any key of their
 * own (notify_sends), where a conflict on a key could not catch a repeat.
 *
 * The table stays after a finished copy: running the command again finds nothing left to copy,
 * and the conflict check knows these tables' rows came from this source.
 */
export const PROGRESS_TABLE = 'herald_migrate_progress';

export interface TableProgress {
  /** The SQLite file the table was copied from (absolute). */
  sourceFile: string;
  /** The order key of the last row copied. */
  lastKey: KeyValue[];
  /** Rows copied so far, over all runs. */
  rows: number;
}

export async function createProgressTable(pool: Pool): Promise<void> {
  await pool.query(`CREATE TABLE IF NOT EXISTS ${PROGRESS_TABLE} (
    table_name text PRIMARY KEY,
    source_file text NOT NULL,
    last_key text NOT NULL,
    rows bigint NOT NULL
  )`);
}

/** Every table's progress; empty when the table does not exist (a dry run on a new schema). */
export async function readProgress(pool: Pool): Promise<Map<string, TableProgress>> {
  const { rows: [exists] } = await pool.query<{ found: boolean }>(
    `SELECT to_regclass(quote_ident(current_schema()) || '.${PROGRESS_TABLE}') IS NOT NULL AS found`,
  );
  const progress = new Map<string, TableProgress>();
  if (!exists?.found) return progress;
  const { rows } = await pool.query<{ table_name: string; source_file: string; last_key: string; rows: string }>(`SELECT * FROM ${PROGRESS_TABLE}`);
  for (const row of rows) progress.set(row.table_name, { sourceFile: row.source_file, lastKey: decodeKey(row.last_key), rows: Number(row.rows) });
  return progress;
}

/** Records a batch of `n` rows ending at `lastKey`; runs on the batch's own transaction. */
export async function saveProgress(client: PoolClient, table: string, sourceFile: string, lastKey: readonly KeyValue[], n: number): Promise<void> {
  await client.query({
    name: 'herald_migrate_progress_save',
    text: `INSERT INTO ${PROGRESS_TABLE} (table_name, source_file, last_key, rows) VALUES ($1, $2, $3, $4)
      ON CONFLICT (table_name) DO UPDATE SET last_key = excluded.last_key, rows = ${PROGRESS_TABLE}.rows + excluded.rows`,
    values: [table, sourceFile, encodeKey(lastKey), n],
  });
}

/** JSON, with 64-bit integers as `{"i":"…"}` so they come back as the bigints SQLite compares with. */
export function encodeKey(key: readonly KeyValue[]): string {
  return JSON.stringify(key.map((v) => (typeof v === 'bigint' ? { i: v.toString() } : v)));
}

export function decodeKey(text: string): KeyValue[] {
  const parsed = JSON.parse(text) as (string | { i: string })[];
  return parsed.map((v) => (typeof v === 'string' ? v : BigInt(v.i)));
}
