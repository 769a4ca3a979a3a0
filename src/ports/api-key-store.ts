/** An API key of the /v1 APIs. Only a hash of the secret is ever stored. */
export interface ApiKeyRecord {
  /** Public identifier, shown in listings and audit entries (`key_…`). */
  id: string;
  name: string;
  /** sha256 of the full secret, hex. */
  secretHash: string;
  /** The first characters of the secret, so an operator can recognise a key (`hk_AbC…`). */
  prefix: string;
  scopes: string[];
  /** Notification categories the key may send in; empty means any. */
  categories: string[];
  /** Unix seconds. */
  created: number;
  /** Unix seconds; 0 = never. */
  expires: number;
  /** Unix seconds; 0 = never used. */
  lastUsed: number;
  /** Unix seconds; 0 = active. */
  revoked: number;
}

/**
 * Storage of API keys. Lookups are by the hash of the presented secret, so the store never sees
 * a secret and a comparison of secrets never happens byte by byte in application code.
 */
export interface ApiKeyStore {
  add(key: ApiKeyRecord): Promise<void>;
  byHash(secretHash: string): Promise<ApiKeyRecord | undefined>;
  byId(id: string): Promise<ApiKeyRecord | undefined>;
  /** All keys, newest first, revoked ones included. */
  list(): Promise<ApiKeyRecord[]>;
  update(id: string, changes: Partial<Pick<ApiKeyRecord, 'expires' | 'lastUsed' | 'revoked' | 'name'>>): Promise<void>;
}
