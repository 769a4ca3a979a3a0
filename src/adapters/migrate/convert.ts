import { escapeFreeText } from '../postgres/message-cache/schema.js';
import type { KeyValue, SourceRow } from './sqlite-source.js';
import { sourceColumn, type ColumnKind, type TableMap } from './tables.js';

/**
 * Turns SQLite rows into the parameters of one PostgreSQL insert: one array per column (the
 * insert unnests them), every value converted as its column's kind says. A value PostgreSQL would
 * refuse (U+0000 in text other than a message's, a fraction in an integer column, an integer out
 * of its column's range) fails the copy with an error naming the table, the row and the column,
 * rather than an anonymous driver error halfway through a batch.
 */

const RANGES: Partial<Record<ColumnKind, readonly [bigint, bigint]>> = {
  bigint: [-(2n ** 63n), 2n ** 63n - 1n],
  integer: [-(2n ** 31n), 2n ** 31n - 1n],
  smallint: [-(2n ** 15n), 2n ** 15n - 1n],
};

/** The array type each kind travels as: json documents as text, cast in the statement. */
export const PARAMETER_TYPES: Readonly<Record<ColumnKind, string>> = {
  text: 'text[]',
  bigint: 'bigint[]',
  integer: 'integer[]',
  smallint: 'smallint[]',
  boolean: 'boolean[]',
  json: 'text[]',
  'json-elements': 'text[]',
};

export class RowError extends Error {}

/** How a row is named in errors: its table and order key. */
export function describeRow(map: TableMap, key: readonly KeyValue[]): string {
  const order = map.order === 'rowid' ? ['rowid'] : map.order;
  return `${map.table} row ${order.map((c, i) => `${c}=${JSON.stringify(String(key[i]))}`).join(', ')}`;
}

/** One array per mapped column, in the mapping's order, for `rows`. */
export function toParameters(map: TableMap, rows: readonly SourceRow[]): unknown[][] {
  const order = map.order === 'rowid' ? ['rowid'] : map.order;
  const arrays: unknown[][] = map.columns.map(() => []);
  for (const row of rows) {
    const where = (column: string) => `${describeRow(map, order.map((c) => row[c] as KeyValue))}, column ${column}`;
    const converted: Record<string, unknown> = {};
    for (const column of map.columns) {
      const from = sourceColumn(column);
      if (from === undefined) continue;
      converted[column.name] = convert(row[from], column.kind, () => where(column.name));
    }
    if (map.transform === 'message-nul-escape') {
      converted.nul_escaped = false;
      escapeFreeText(converted as Parameters<typeof escapeFreeText>[0]);
    }
    // Checked after the transform: escaping leaves no U+0000 in free text, and any left in an
    // identifier (a message id, topic or sender) has no PostgreSQL form.
    map.columns.forEach((column, i) => {
      const value = converted[column.name];
      if (typeof value === 'string' && value.includes('\u0000')) {
        throw new RowError(`${where(column.name)}: U+0000 cannot be stored in PostgreSQL text`);
      }
      arrays[i]!.push(value ?? null);
    });
  }
  return arrays;
}

function convert(value: unknown, kind: ColumnKind, where: () => string): unknown {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'text':
    case 'json':
      if (typeof value === 'string') return value;
      if (typeof value === 'bigint' || typeof value === 'number') return String(value);
      throw new RowError(`${where()}: expected text, found ${describeValue(value)}`);
    case 'json-elements': {
      if (typeof value !== 'string') throw new RowError(`${where()}: expected a JSON array, found ${describeValue(value)}`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        throw new RowError(`${where()}: not valid JSON`);
      }
      if (!Array.isArray(parsed)) throw new RowError(`${where()}: expected a JSON array`);
      // One JSON text per element, as the PostgreSQL store writes each event; the statement
      // unpacks this array of texts into text[].
      return JSON.stringify(parsed.map((element) => JSON.stringify(element)));
    }
    case 'boolean':
      if (value === 0n || value === 0) return false;
      if (value === 1n || value === 1) return true;
      throw new RowError(`${where()}: expected 0 or 1, found ${describeValue(value)}`);
    case 'bigint':
    case 'integer':
    case 'smallint': {
      let n: bigint;
      if (typeof value === 'bigint') n = value;
      else if (typeof value === 'number' && Number.isInteger(value)) n = BigInt(value);
      else throw new RowError(`${where()}: expected an integer, found ${describeValue(value)}`);
      const [min, max] = RANGES[kind]!;
      if (n < min || n > max) throw new RowError(`${where()}: ${n} is out of the range of PostgreSQL's ${kind}`);
      return n.toString();
    }
  }
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return `text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (Buffer.isBuffer(value)) return `a blob of ${value.length} bytes`;
  return `${typeof value} ${String(value)}`;
}
