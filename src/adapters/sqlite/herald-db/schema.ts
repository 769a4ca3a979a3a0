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

export interface HeraldDatabase {
  api_keys: ApiKeysTable;
  audit: AuditTable;
}
