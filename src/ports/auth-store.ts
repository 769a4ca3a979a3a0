/** A user account of the topics face (ntfy's model). */
export interface UserRecord {
  id: string;
  name: string;
  /** bcrypt hash of the password. */
  passwordHash: string;
  role: 'admin' | 'user';
  /** Unix seconds. */
  created: number;
  /** The user's tier (its id); unset for users without one. */
  tierId?: string;
}

/**
 * A tier (ntfy's model, without the payment fields): limits that replace the visitor limits of
 * the users who have it. Durations are seconds, sizes bytes; limits are per UTC day where ntfy's are.
 */
export interface TierRecord {
  /** `ti_` + random characters; stable while the code and limits change. */
  id: string;
  /** What admins and the API name the tier by: `[-_A-Za-z0-9]{1,64}`, unique. */
  code: string;
  name: string;
  messagesLimit: number;
  /** How long the tier's users' messages stay in the cache. */
  messagesExpiryDuration: number;
  emailsLimit: number;
  callsLimit: number;
  reservationsLimit: number;
  attachmentFileSizeLimit: number;
  attachmentTotalSizeLimit: number;
  attachmentExpiryDuration: number;
  attachmentBandwidthLimit: number;
}

/** A topic a user reserved: their own read-write entry plus the everyone entry they chose, both owned by them. */
export interface ReservationRecord {
  topic: string;
  /** The `*` entry of the topic; deny-all when it is missing. */
  everyone: { read: boolean; write: boolean };
}

/** What {@link AuthStore.reserve} did. */
export type ReserveOutcome = 'reserved' | 'conflict' | 'limit';

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
  /** Sets or clears (null) the user's tier. An unknown tier id is a `not_found` AuthStoreError. */
  changeTier(id: string, tierId: string | null): Promise<void>;

  /** Every tier, by code. */
  tiers(): Promise<TierRecord[]>;
  /** Fails with a `duplicate` AuthStoreError when the code (or id) is taken. */
  addTier(tier: TierRecord): Promise<void>;
  /** Replaces every field of the tier with this id but the id; a `duplicate` AuthStoreError when the new code is another tier's. */
  updateTier(tier: TierRecord): Promise<void>;
  /** Removes a tier; an `in_use` AuthStoreError while users still have it. A tier already gone is not an error. */
  removeTier(id: string): Promise<void>;

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
  /** Inserts or replaces the entry for (userId, pattern); the entry is then nobody's reservation. */
  allowAccess(entry: AccessRecord): Promise<void>;
  /**
   * Removes one entry, or all of the user's when pattern is undefined, whoever owns it (a
   * reservation's entries included).
   */
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
   * Reserves `topic` (a plain name, no `*`) for the user, in one transaction that no other account
   * write interleaves with: 'conflict' (nothing written) when any ACL entry that the user does not
   * own matches the topic, the user's own admin-made entries and everyone's included; 'limit'
   * (nothing written) when the topic is not reserved by the user yet and they already hold
   * `limit` reservations (undefined: no limit); otherwise upserts the user's read-write entry and
   * the everyone entry with `everyone`, both owned by the user, and answers 'reserved' (for a
   * topic already theirs, only `everyone` changes). Entries written by `allowAccess` are nobody's.
   */
  reserve(userId: string, topic: string, everyone: { read: boolean; write: boolean }, limit: number | undefined): Promise<ReserveOutcome>;
  /** Removes the user's reservation of `topic` (both entries they own); false when they held none. */
  unreserve(userId: string, topic: string): Promise<boolean>;
  /** The user's reservations, by topic. They go with the user when it is removed. */
  reservations(userId: string): Promise<ReservationRecord[]>;

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
  readonly kind: 'duplicate' | 'not_found' | 'in_use';
  constructor(kind: 'duplicate' | 'not_found' | 'in_use', message: string) {
    super(message);
    this.name = 'AuthStoreError';
    this.kind = kind;
  }
}
