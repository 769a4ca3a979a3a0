import type { Generated, RawBuilder, Selectable } from 'kysely';
import type { AccessRecord, TierRecord, TokenRecord, UserRecord } from '../../../ports/auth-store.js';

/**
 * Kysely's view of the account database, the same tables on SQLite and PostgreSQL (each dialect's
 * migrations.ts creates them). Integer columns are declared as numbers; PostgreSQL's bigint columns
 * arrive as strings, so the mappers below convert every one with Number().
 */
export interface UsersTable {
  id: string;
  name: string;
  password_hash: string;
  role: 'admin' | 'user';
  /** Unix seconds. */
  created: number;
  /** NULL for users without a tier. */
  tier_id: string | null;
  /** `st_…`, or '' for a user added without one (unique among the others). */
  sync_topic: Generated<string>;
  /** The web app's settings, JSON of the port's AccountPrefs; '{}' until the user saves some. */
  prefs: Generated<string>;
  /** 1 for users from `auth-users`. */
  provisioned: Generated<number>;
}

/** Tiers; durations in seconds, sizes in bytes (the column names are ntfy's). */
export interface TiersTable {
  id: string;
  code: string;
  name: string;
  messages_limit: number;
  messages_expiry_duration: number;
  emails_limit: number;
  calls_limit: number;
  reservations_limit: number;
  attachment_file_size_limit: number;
  attachment_total_size_limit: number;
  attachment_expiry_duration: number;
  attachment_bandwidth_limit: number;
}

export interface TokensTable {
  token: string;
  user_id: string;
  label: string;
  last_access: number;
  last_origin: string;
  /** Unix seconds; 0 = never expires. */
  expires: number;
  /** Unix seconds, set by the store on insert; decides which tokens are pruned first. */
  created: number;
  /** 1 for tokens from `auth-tokens`. */
  provisioned: Generated<number>;
}

export interface AccessTable {
  /** NULL is the everyone entry; uniqueness with NULLs is kept by an index on the dialect's ifnull(user_id, ''). */
  user_id: string | null;
  pattern: string;
  /** 0 or 1 in both dialects (SQLite has no booleans; PostgreSQL keeps the same smallint). */
  read: number;
  write: number;
  /** The user whose reservation the entry belongs to; NULL for entries an admin made. */
  owner_id: string | null;
  /** 1 for entries from `auth-access`. */
  provisioned: Generated<number>;
}

export interface PhoneNumbersTable {
  user_id: string;
  /** E.164, verified through the gateway before it is stored. */
  number: string;
  /** Insertion order, so a user's "first" number (what `X-Call: yes` rings) stays the same. */
  seq: Generated<number>;
}

/** A type alias, not an interface: Kysely's withTables() (PostgreSQL) needs the index signature it implies. */
export type AuthDatabase = {
  users: UsersTable;
  tokens: TokensTable;
  access: AccessTable;
  phone_numbers: PhoneNumbersTable;
  tiers: TiersTable;
};

/** What the account queries need from the dialect under them: the few spots where SQLite and PostgreSQL differ. */
export interface AuthDialect {
  /** Breaks ties between tokens created in the same second, in insertion order: SQLite's rowid, PostgreSQL's seq column. */
  readonly tokenInsertionOrder: RawBuilder<unknown>;
  /** The expression of the unique index on access entries, repeated as the upsert's conflict target. */
  readonly accessKey: RawBuilder<unknown>;
  /** Which constraint a driver error reports as broken, or undefined for any other error. */
  constraintBroken(err: unknown): 'unique' | 'foreign_key' | undefined;
  /** Unix milliseconds, for a token's creation time. */
  now(): number;
  /** Called after each write that succeeded (SQLite counts its own writes; PostgreSQL's triggers count every write). */
  written?(): void;
}

export function userFromRow(row: Selectable<UsersTable>): UserRecord {
  const user: UserRecord = { id: row.id, name: row.name, passwordHash: row.password_hash, role: row.role, created: Number(row.created) };
  if (row.tier_id !== null) user.tierId = row.tier_id;
  if (row.sync_topic) user.syncTopic = row.sync_topic;
  if (Number(row.provisioned) === 1) user.provisioned = true;
  return user;
}

export function tierFromRow(row: Selectable<TiersTable>): TierRecord {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    messagesLimit: Number(row.messages_limit),
    messagesExpiryDuration: Number(row.messages_expiry_duration),
    emailsLimit: Number(row.emails_limit),
    callsLimit: Number(row.calls_limit),
    reservationsLimit: Number(row.reservations_limit),
    attachmentFileSizeLimit: Number(row.attachment_file_size_limit),
    attachmentTotalSizeLimit: Number(row.attachment_total_size_limit),
    attachmentExpiryDuration: Number(row.attachment_expiry_duration),
    attachmentBandwidthLimit: Number(row.attachment_bandwidth_limit),
  };
}

export function tierToRow(tier: TierRecord): TiersTable {
  return {
    id: tier.id,
    code: tier.code,
    name: tier.name,
    messages_limit: tier.messagesLimit,
    messages_expiry_duration: tier.messagesExpiryDuration,
    emails_limit: tier.emailsLimit,
    calls_limit: tier.callsLimit,
    reservations_limit: tier.reservationsLimit,
    attachment_file_size_limit: tier.attachmentFileSizeLimit,
    attachment_total_size_limit: tier.attachmentTotalSizeLimit,
    attachment_expiry_duration: tier.attachmentExpiryDuration,
    attachment_bandwidth_limit: tier.attachmentBandwidthLimit,
  };
}

export function tokenFromRow(row: Selectable<TokensTable>): TokenRecord {
  return {
    token: row.token,
    userId: row.user_id,
    label: row.label,
    lastAccess: Number(row.last_access),
    lastOrigin: row.last_origin,
    expires: Number(row.expires),
    ...(Number(row.provisioned) === 1 ? { provisioned: true } : {}),
  };
}

export function accessFromRow(row: Pick<Selectable<AccessTable>, 'user_id' | 'pattern' | 'read' | 'write'> & { provisioned?: number }): AccessRecord {
  const entry: AccessRecord = { userId: row.user_id, pattern: row.pattern, read: Number(row.read) === 1, write: Number(row.write) === 1 };
  if (Number(row.provisioned) === 1) entry.provisioned = true;
  return entry;
}
