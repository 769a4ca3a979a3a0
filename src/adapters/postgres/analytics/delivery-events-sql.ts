import type { DeliveryEventRow } from '../../../ports/delivery-event-sink.js';

/** A table name checked to be plain identifiers, quoted for SQL. */
export interface TableName {
  /** `"schema"."table"` or `"table"`. */
  qualified: string;
  /** The bare table name, for naming its indexes (which live in the table's schema). */
  base: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Parses `table` or `schema.table`; a RangeError for anything else (no quoting games in config). */
export function parseTableName(name: string): TableName {
  const parts = name.split('.');
  if (parts.length > 2 || !parts.every((p) => IDENTIFIER.test(p))) {
    throw new RangeError(`analytics-export-table must be a table name or schema.table of letters, digits and _: ${JSON.stringify(name)}`);
  }
  return { qualified: parts.map((p) => `"${p}"`).join('.'), base: parts[parts.length - 1]! };
}

/** The columns, in the order {@link rowValues} gives them. */
const COLUMNS = ['at', 'kind', 'message_id', 'delivery_id', 'device_id', 'subscriber_id', 'provider', 'channel', 'app', 'platform', 'category', 'state', 'error', 'status', 'latency_ms', 'attempt'] as const;

/**
 * The table as it is created when missing. Later versions only add nullable columns (with
 * `ADD COLUMN IF NOT EXISTS`), so a table made by an older Herald keeps working.
 */
export function createTableSql(table: TableName): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${table.qualified} (
      at timestamptz NOT NULL,
      kind text NOT NULL,
      message_id text,
      delivery_id text,
      device_id text,
      subscriber_id text,
      provider text,
      channel text,
      app text,
      platform text,
      category text,
      state text NOT NULL,
      error text,
      status integer,
      latency_ms bigint,
      attempt integer
    )`,
    `CREATE INDEX IF NOT EXISTS "${indexName(table.base, 'at')}" ON ${table.qualified} (at)`,
    `CREATE INDEX IF NOT EXISTS "${indexName(table.base, 'state_at')}" ON ${table.qualified} (state, at)`,
  ];
}

/** PostgreSQL truncates names past 63 bytes; the suffix must survive, so the table part is cut. */
function indexName(base: string, suffix: string): string {
  return `${base.slice(0, 63 - suffix.length - 1)}_${suffix}`;
}

/** One INSERT of `n` rows, parameters numbered row by row (PostgreSQL takes 65535 parameters: 4095 rows). */
export function insertSql(table: TableName, n: number): string {
  const width = COLUMNS.length;
  const tuples: string[] = [];
  for (let r = 0; r < n; r++) {
    const params = COLUMNS.map((_, c) => `$${r * width + c + 1}`);
    // The time goes over as Unix ms: no time zone to get wrong between client and server.
    params[0] = `to_timestamp(${params[0]}::double precision / 1000)`;
    tuples.push(`(${params.join(',')})`);
  }
  return `INSERT INTO ${table.qualified} (${COLUMNS.join(',')}) VALUES ${tuples.join(',')}`;
}

export function rowValues(r: DeliveryEventRow): unknown[] {
  return [r.at, r.kind, r.messageId, r.deliveryId, r.deviceId, r.subscriberId, r.provider, r.channel, r.app, r.platform, r.category, r.state, r.error, r.status, r.latencyMs, r.attempt];
}
