import type { Generated, RawBuilder } from 'kysely';

/**
 * Kysely's view of the tables of Herald's own database that both dialects reach through the same
 * queries: API keys, the audit log and the server's secrets (each dialect's migrations create
 * them). Integer columns are declared as numbers; PostgreSQL's bigint columns arrive as strings
 * and its json columns as parsed values, so the mappers convert both.
 */
export interface ApiKeysTable {
  id: string;
  name: string;
  /** sha256 of the secret, hex; UNIQUE, and that index is what `byHash` reads. */
  secret_hash: string;
  prefix: string;
  /** JSON array of strings. */
  scopes: string;
  /** JSON array of strings; `[]` means any category. */
  categories: string;
  /** Unix seconds. */
  created: number;
  /** Unix seconds; 0 = never. */
  expires: number;
  /** Unix seconds; 0 = never used. */
  last_used: number;
  /** Unix seconds; 0 = active. */
  revoked: number;
}

export interface AuditTable {
  /** Never handed out twice, even after the newest rows were pruned (AUTOINCREMENT, an identity column). */
  id: Generated<number>;
  /** Unix milliseconds. */
  time: number;
  actor: string;
  action: string;
  target: string;
  address: string;
  /** JSON object. */
  details: string;
}

export interface ServerSecretsTable {
  name: string;
  value: string;
  /** Unix milliseconds. */
  created_at: number;
}

/** Type aliases, not interfaces: Kysely's withTables() (PostgreSQL) needs the index signature they imply. */
export type ApiKeysDatabase = {
  api_keys: ApiKeysTable;
};

export type AuditDatabase = {
  audit: AuditTable;
};

export type ServerSecretsDatabase = {
  server_secrets: ServerSecretsTable;
};

/** Where SQLite and PostgreSQL differ for the API keys. */
export interface ApiKeysDialect {
  /** Breaks ties between keys created in the same second, in insertion order: SQLite's rowid, PostgreSQL's seq column. */
  readonly insertionOrder: RawBuilder<unknown>;
  /** Whether a driver error is a broken UNIQUE or PRIMARY KEY constraint. */
  isUniqueViolation(err: unknown): boolean;
}

/** A JSON column's value: text on SQLite, already parsed by node-postgres from a json column. */
export function parsedJson(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

export interface EventEndpointsTable {
  id: string;
  url: string;
  /** JSON array of event types (`["*"]` for all). */
  events: string;
  description: string;
  secret: string;
  previous_secret: string | null;
  /** Unix ms; 0 = no previous secret. */
  previous_secret_expires: number;
  /** Unix ms; 0 = enabled. */
  disabled_at: number;
  disabled_reason: string;
  consecutive_failures: number;
  actor: string;
  /** Unix ms. */
  created_at: number;
  /** Unix ms. */
  updated_at: number;
}

export interface EventAttemptsTable {
  id: Generated<number>;
  endpoint_id: string;
  message_id: string;
  type: string;
  /** Unix ms. */
  time: number;
  attempt: number;
  result: string;
  /** 0 when no HTTP status came back. */
  status: number;
  error: string;
}

export type EventEndpointsDatabase = {
  event_endpoints: EventEndpointsTable;
  event_attempts: EventAttemptsTable;
};
