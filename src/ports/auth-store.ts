/** A user account of the topics face (ntfy's model). */
export interface UserRecord {
  id: string;
  name: string;
  /** bcrypt hash of the password. */
  passwordHash: string;
  role: 'admin' | 'user';
  /** Unix seconds. */
  created: number;
}

/** An access token: `tk_` + 29 lowercase alphanumerics. */
export interface TokenRecord {
  token: string;
  userId: string;
  label: string;
  /** Unix seconds; 0 = never used. */
  lastAccess: number;
  lastOrigin: string;
  /** Unix seconds; 0 = never expires. */
  expires: number;
}

/** One ACL entry. `userId` is null for the anonymous/everyone entry (`*`). */
export interface AccessRecord {
  userId: string | null;
  /** Topic pattern: `[-_*A-Za-z0-9]{1,64}`, where `*` matches any run of characters. */
  pattern: string;
  read: boolean;
  write: boolean;
}

/**
 * The account database behind the topics face (`auth-file`). Every method is a single
 * atomic operation; callers validate names, patterns and permissions before calling.
 */
export interface AuthStore {
  userByName(name: string): Promise<UserRecord | undefined>;
  userById(id: string): Promise<UserRecord | undefined>;
  users(): Promise<UserRecord[]>;
  /** Fails with a `duplicate` AuthStoreError when the name is taken. */
  addUser(user: UserRecord): Promise<void>;
  /** Removes the user with their tokens, ACL entries and phone numbers; a user already gone is not an error. */
  removeUser(id: string): Promise<void>;
  changePassword(id: string, passwordHash: string): Promise<void>;
  changeRole(id: string, role: UserRecord['role']): Promise<void>;

  tokenRecord(token: string): Promise<TokenRecord | undefined>;
  tokens(userId: string): Promise<TokenRecord[]>;
  /**
   * Adds a token; then deletes the user's oldest tokens beyond `maxPerUser`. An unknown user is a
   * `not_found` AuthStoreError.
   */
  addToken(token: TokenRecord, maxPerUser: number): Promise<void>;
  updateToken(token: string, changes: Partial<Pick<TokenRecord, 'label' | 'expires' | 'lastAccess' | 'lastOrigin'>>): Promise<void>;
  removeToken(userId: string, token: string): Promise<void>;
  /** Deletes tokens whose expiry (non-zero) is before nowSeconds. */
  removeExpiredTokens(nowSeconds: number): Promise<number>;

  /** All ACL entries of a user (or of everyone, with null). */
  access(userId: string | null): Promise<AccessRecord[]>;
  /** Every ACL entry. */
  allAccess(): Promise<AccessRecord[]>;
  /** Inserts or replaces the entry for (userId, pattern). */
  allowAccess(entry: AccessRecord): Promise<void>;
  /** Removes one entry, or all of the user's when pattern is undefined. */
  resetAccess(userId: string | null, pattern?: string): Promise<void>;

  /** The user's verified phone numbers (E.164), in the order they were added; empty for an unknown user. */
  phoneNumbers(userId: string): Promise<string[]>;
  /**
   * Adds a verified phone number to the user. A number the user has already is a `duplicate`
   * AuthStoreError, an unknown user `not_found`. Numbers are per user: two users may share one.
   */
  addPhoneNumber(userId: string, number: string): Promise<void>;
  /** Removes one of the user's numbers; a number they do not have is not an error. */
  removePhoneNumber(userId: string, number: string): Promise<void>;

  /**
   * A number that changes whenever any process (e.g. the CLI) changed the database; the server
   * polls it to apply access changes to open streams at once. It stays the same while nothing
   * is written.
   */
  changeCounter(): Promise<number>;
  close(): Promise<void>;
}

/** Raised by stores for conflicts the caller can report (e.g. a taken user name). */
export class AuthStoreError extends Error {
  readonly kind: 'duplicate' | 'not_found';
  constructor(kind: 'duplicate' | 'not_found', message: string) {
    super(message);
    this.name = 'AuthStoreError';
    this.kind = kind;
  }
}
