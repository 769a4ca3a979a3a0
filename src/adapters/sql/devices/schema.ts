import type { RawBuilder, Selectable, Transaction } from 'kysely';
import type { AudienceMember, DeviceRecord } from '../../../ports/device-store.js';

/**
 * Kysely's view of the push registry, the same three tables on both dialects (each dialect's
 * migrations create them). Integer columns are declared as numbers; PostgreSQL's bigint columns
 * arrive as strings and its json column as a parsed value, so the mappers convert both.
 */
export interface DevicesTable {
  /** `dev_` + 16 base62. */
  id: string;
  app: string;
  provider: 'apns' | 'fcm' | 'hms' | 'webpush';
  platform: string;
  /** Provider token, or the Web Push endpoint; (app, provider, token) is UNIQUE. */
  token: string;
  /** Web Push keys, base64url; both null for other providers. */
  p256dh: string | null;
  auth: string | null;
  user: string | null;
  locale: string | null;
  timezone: string | null;
  /** JSON object. */
  meta: string;
  state: 'active' | 'invalid';
  invalid_reason: string | null;
  /** Unix milliseconds, as are the next two. */
  created_at: number;
  updated_at: number;
  last_seen_at: number;
}

/** A device's own topics. */
export interface DeviceTopicsTable {
  device_id: string;
  topic: string;
}

/** Topics bound to a user, reaching every device whose `user` it is, joined at query time. */
export interface UserTopicsTable {
  user: string;
  topic: string;
}

/** A type alias, not an interface: Kysely's withTables() (PostgreSQL) needs the index signature it implies. */
export type DevicesDatabase = {
  devices: DevicesTable;
  device_topics: DeviceTopicsTable;
  user_topics: UserTopicsTable;
};

/** Where SQLite and PostgreSQL differ for the registry. */
export interface DevicesDialect {
  /**
   * The device's own topics, sorted, as one column of a query on `devices`: SQLite's
   * json_group_array (JSON text), PostgreSQL's ARRAY subquery (a text[] the driver hands over as
   * an array).
   */
  readonly topicsOfDevice: RawBuilder<unknown>;
  /**
   * Whether writes lock the rows they read first (`FOR UPDATE`, `SKIP LOCKED` when pruning).
   * PostgreSQL needs it, other nodes write at once; SQLite has no row locks and needs none, its
   * transactions on the one connection run one after the other.
   */
  readonly rowLocks: boolean;
  /**
   * Whether a registration failed only because another node's registration or rotation got there
   * first (a unique violation on the token, a deadlock between two rotations): it is run again.
   */
  isRegistrationRace(err: unknown): boolean;
  /**
   * Makes transactions that call it with the same key run one after the other from here to their
   * end (a transaction advisory lock on PostgreSQL). For writes with no row to lock first: the
   * replacement of a user's topics, a rotation onto a token. SQLite's transactions already run one
   * at a time.
   */
  serialize(trx: Transaction<DevicesDatabase>, key: string): Promise<void>;
}

/** The most devices one `list` page holds, whatever limit the caller asks for. */
export const DEVICE_LIST_MAX_LIMIT = 1000;
/** The most members one audience page (and users one topicUsers page) holds. */
export const AUDIENCE_MAX_LIMIT = 10_000;

export type DeviceRow = Selectable<DevicesTable> & { topics: unknown };

/** The columns an audience page reads, and the user its cursor may need. */
export type AudienceRow = Pick<DevicesTable, 'id' | 'app' | 'provider' | 'token' | 'p256dh' | 'auth' | 'user'>;

export function deviceFromRow(row: DeviceRow): DeviceRecord {
  return {
    id: row.id,
    app: row.app,
    provider: row.provider,
    platform: row.platform,
    token: row.token,
    keys: row.p256dh !== null && row.auth !== null ? { p256dh: row.p256dh, auth: row.auth } : null,
    user: row.user,
    topics: (typeof row.topics === 'string' ? JSON.parse(row.topics) : row.topics) as string[],
    locale: row.locale,
    timezone: row.timezone,
    meta: metaOf(row.meta),
    state: row.state,
    invalidReason: row.invalid_reason,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    lastSeenAt: Number(row.last_seen_at),
  };
}

export function memberFromRow(row: AudienceRow): AudienceMember {
  return {
    id: row.id,
    app: row.app,
    provider: row.provider,
    token: row.token,
    keys: row.p256dh !== null && row.auth !== null ? { p256dh: row.p256dh, auth: row.auth } : null,
  };
}

/**
 * meta is written as an object; another JSON value put there by hand is kept under `value`. Text
 * on SQLite, already parsed by node-postgres from PostgreSQL's json column.
 */
function metaOf(column: unknown): Record<string, unknown> {
  const value: unknown = typeof column === 'string' ? JSON.parse(column) : column;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  return { value };
}

/** SQLite reads a negative LIMIT as "no limit" and PostgreSQL refuses one, so anything not a positive number becomes 0 here. */
export function clampLimit(limit: number, max: number): number {
  const n = Math.trunc(limit);
  return n > 0 ? Math.min(n, max) : 0;
}
