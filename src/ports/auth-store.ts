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
  /**
   * The account's sync topic (`st_…`), where the web app learns that another browser changed the
   * account. Absent only for users a store holds from before sync topics (none after migration).
   */
  syncTopic?: string;
  /** Set (true) for users defined in the config (`auth-users`); the API and CLI may not change them. */
  provisioned?: boolean;
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
  /** Set (true) for tokens defined in the config (`auth-tokens`); the API and CLI may not change them. */
  provisioned?: boolean;
}

/** One ACL entry. `userId` is null for the anonymous/everyone entry (`*`). */
export interface AccessRecord {
  userId: string | null;
  /** Topic pattern: `[-_*A-Za-z0-9]{1,64}`, where `*` matches any run of characters. */
  pattern: string;
  read: boolean;
  write: boolean;
  /** Set (true) for entries defined in the config (`auth-access`), replaced as a whole at every start. */
  provisioned?: boolean;
}

/** One topic the web app has subscribed to, kept with the account so every browser shows the same list. */
export interface AccountSubscription {
  baseUrl: string;
  topic: string;
  /** The name the user gave it in the web app; null when none. */
  displayName: string | null;
}

/** A user's web-app settings (ntfy's `prefs`); every field is optional, as the web app sends only what changed. */
export interface AccountPrefs {
  language?: string;
  notification?: {
    sound?: string;
    minPriority?: number;
    /** Seconds after which the web app deletes received notifications; 0 = never. */
    deleteAfter?: number;
  };
  subscriptions?: AccountSubscription[];
}

/**
 * The accounts defined in the config, as {@link AuthStore.provision} applies them. Users are named,
 * not identified: the store finds existing ones by name and creates the others with `newId` and
 * `newSyncTopic`.
 */
export interface ProvisionedAccounts {
  users: { name: string; passwordHash: string; role: UserRecord['role']; newId: string; newSyncTopic: string }[];
  /** `user` null is the everyone entry. Every named user is one of `users`. */
  access: { user: string | null; pattern: string; read: boolean; write: boolean }[];
  /** Every named user is one of `users`; provisioned tokens never expire. */
  tokens: { user: string; token: string; label: string }[];
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

  /** The user whose sync topic this is, if any. */
  userBySyncTopic(topic: string): Promise<UserRecord | undefined>;

  /** A user's web-app settings; `{}` for a user who never saved any (or who does not exist). */
  prefs(userId: string): Promise<AccountPrefs>;
  /**
   * Reads a user's settings, applies `change` and writes its result, as one transaction: two
   * browsers changing the same account at once both land, one after the other. An exception from
   * `change` aborts the write and is rethrown. An unknown user is a `not_found` AuthStoreError.
   * Resolves with what was written.
   */
  changePrefs(userId: string, change: (prefs: AccountPrefs) => AccountPrefs): Promise<AccountPrefs>;

  /**
   * Makes the provisioned (config-defined) users, access entries and tokens exactly `accounts`, in
   * one transaction: provisioned users no longer listed are removed with everything of theirs;
   * listed users are created, or updated (hash, role) and marked provisioned when they exist, a
   * user made through the API or CLI included; every provisioned access entry is replaced by the
   * listed ones (a listed entry also replaces a non-provisioned one for the same user and
   * pattern); provisioned tokens no longer listed are removed and listed ones are upserted,
   * never expiring. Several processes may call it at once with the same accounts.
   */
  provision(accounts: ProvisionedAccounts): Promise<void>;

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
