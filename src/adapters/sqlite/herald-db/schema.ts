import type { ApiKeysTable, AuditTable, ServerSecretsTable } from '../../sql/herald-db/schema.js';

/**
 * Kysely's view of Herald's own database (`database-file`); migrations.ts creates exactly these
 * tables. Those whose queries SQLite shares with PostgreSQL are declared in src/adapters/sql/herald-db/.
 */
export type { ApiKeysTable, AuditTable, ServerSecretsTable };

/** The push registry; (app, provider, token) is UNIQUE. */
export interface DevicesTable {
  /** `dev_` + 16 base62. */
  id: string;
  app: string;
  provider: 'apns' | 'fcm' | 'hms' | 'webpush';
  platform: string;
  /** Provider token, or the Web Push endpoint. */
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

export interface HeraldDatabase {
  api_keys: ApiKeysTable;
  audit: AuditTable;
  devices: DevicesTable;
  device_topics: DeviceTopicsTable;
  user_topics: UserTopicsTable;
  server_secrets: ServerSecretsTable;
}
