/** Kysely's view of the account database; migrations.ts creates exactly these tables. */
export interface UsersTable {
  id: string;
  name: string;
  password_hash: string;
  role: 'admin' | 'user';
  /** Unix seconds. */
  created: number;
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
}

export interface AccessTable {
  /** NULL is the everyone entry; uniqueness with NULLs is kept by an index on ifnull(user_id, ''). */
  user_id: string | null;
  pattern: string;
  /** SQLite has no booleans: 0 or 1. */
  read: number;
  write: number;
}

export interface AuthDatabase {
  users: UsersTable;
  tokens: TokensTable;
  access: AccessTable;
}
