import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { migrateLocked, type LockedMigration } from '../sqlite/locked-migrate.js';
import { openSqlite, type SqliteConnection } from '../sqlite/open-sqlite.js';
import { SOURCE_KEYS, sourceColumn, type SourceName, type TableMap } from './tables.js';

/** One value of a table's order key as read with exact integers: a string or a 64-bit integer. */
export type KeyValue = string | bigint;

/** A row as better-sqlite3 returns it with safe integers on: integers are bigint. */
export type SourceRow = Record<string, unknown>;

/** One batch of rows in key order, and the key of its last row. */
export interface SourceBatch {
  rows: SourceRow[];
  lastKey: KeyValue[];
}

/**
 * One SQLite file of the installation, read for the copy. It is brought up to date with its
 * stores' migrations (as `herald serve` would on start), then read inside one read transaction,
 * so every table comes from the same snapshot of the file even if something writes to it
 * meanwhile (Herald should be stopped, but WAL readers never block a writer either way).
 */
export class SqliteSource {
  readonly name: SourceName;
  /** The absolute path, recorded with the progress so a re-run cannot switch files halfway. */
  readonly file: string;
  readonly #connection: SqliteConnection<unknown>;
  readonly #sqlite: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();

  private constructor(name: SourceName, file: string, connection: SqliteConnection<unknown>) {
    this.name = name;
    this.file = file;
    this.#connection = connection;
    this.#sqlite = connection.sqlite;
  }

  /** Opens `file` for the source `name`; a missing file is an error naming the config key. */
  static async open(name: SourceName, file: string, migrations: readonly LockedMigration[]): Promise<SqliteSource> {
    const path = resolve(file);
    if (!existsSync(path)) {
      throw new Error(`${SOURCE_KEYS[name]} ${path} does not exist: point ${SOURCE_KEYS[name]} at the installation's file (the same config as 'herald serve'), or set it to '' if this installation has none`);
    }
    if (!statSync(path).isFile()) throw new Error(`${SOURCE_KEYS[name]} ${path} is not a file`);
    const [first, ...rest] = migrations;
    if (!first) throw new Error(`no migrations known for ${SOURCE_KEYS[name]}`);
    const connection = await openSqlite<unknown>({ file: path, synchronous: 'FULL', migrations: first });
    try {
      for (const m of rest) await migrateLocked(connection.sqlite, connection.db, m);
      // The snapshot starts with the first read inside the transaction.
      connection.sqlite.exec('BEGIN DEFERRED');
    } catch (err) {
      await connection.close();
      throw err;
    }
    return new SqliteSource(name, path, connection);
  }

  /** The table's column names, to check them against the mapping. */
  columns(table: string): string[] {
    return this.#sqlite.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[];
  }

  /** Rows after `after` (all when undefined), without reading them. */
  count(map: TableMap, after: readonly KeyValue[] | undefined): number {
    const order = orderColumns(map);
    const where = after ? `WHERE ${keyAfter(order)}` : '';
    const statement = this.#prepare(`count:${map.table}:${after ? 1 : 0}`, `SELECT count(*) FROM "${map.table}" ${where}`);
    return Number(statement.pluck().get(...(after ?? [])) as bigint);
  }

  /** The next `limit` rows after `after`, in key order. */
  batch(map: TableMap, after: readonly KeyValue[] | undefined, limit: number): SourceBatch {
    const order = orderColumns(map);
    const columns = map.columns.map(sourceColumn).filter((c): c is string => c !== undefined && c !== 'rowid');
    const selected = [...(map.order === 'rowid' ? ['rowid AS "rowid"'] : []), ...columns.map((c) => `"${c}"`)];
    const where = after ? `WHERE ${keyAfter(order)}` : '';
    const text = `SELECT ${selected.join(', ')} FROM "${map.table}" ${where} ORDER BY ${order.map((c) => `"${c}"`).join(', ')} LIMIT ?`;
    const rows = this.#prepare(`batch:${map.table}:${after ? 1 : 0}`, text).all(...(after ?? []), limit) as SourceRow[];
    const last = rows[rows.length - 1];
    return { rows, lastKey: last ? order.map((c) => last[c] as KeyValue) : [...(after ?? [])] };
  }

  /** SQLite's AUTOINCREMENT high-water mark for `table` (0 when it never handed one out). */
  autoincrementMark(table: string): bigint {
    const exists = this.#sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'`).get();
    if (!exists) return 0n;
    const value = this.#sqlite.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').safeIntegers(true).pluck().get(table);
    return typeof value === 'bigint' ? value : 0n;
  }

  close(): Promise<void> {
    if (this.#sqlite.open && this.#sqlite.inTransaction) this.#sqlite.exec('ROLLBACK');
    return this.#connection.close();
  }

  #prepare(id: string, text: string): Database.Statement {
    let statement = this.#statements.get(id);
    if (!statement) {
      statement = this.#sqlite.prepare(text).safeIntegers(true);
      this.#statements.set(id, statement);
    }
    return statement;
  }
}

function orderColumns(map: TableMap): readonly string[] {
  return map.order === 'rowid' ? ['rowid'] : map.order;
}

/** `(a, b) > (?, ?)`: SQLite compares row values in key order and walks the key's index from there. */
function keyAfter(order: readonly string[]): string {
  const columns = order.map((c) => `"${c}"`);
  return order.length === 1 ? `${columns[0]} > ?` : `(${columns.join(', ')}) > (${order.map(() => '?').join(', ')})`;
}
