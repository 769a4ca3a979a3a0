import type { Generated } from 'kysely';

/** Kysely's view of Herald's own database (`database-file`); migrations.ts creates exactly these tables. */
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
  /** AUTOINCREMENT, so an id is never handed out twice, even after the newest rows were pruned. */
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

export interface ServerSecretsTable {
  name: string;
  value: string;
  /** Unix milliseconds. */
  created_at: number;
}

export interface HeraldDatabase {
  api_keys: ApiKeysTable;
  audit: AuditTable;
  devices: DevicesTable;
  device_topics: DeviceTopicsTable;
  user_topics: UserTopicsTable;
  server_secrets: ServerSecretsTable;
}
