import { createHash } from 'node:crypto';
import { HeraldError } from '../../errors/index.js';
import type { AccessRecord, AccountPrefs, AccountSubscription, AuthStore, TierRecord, TokenRecord, UserRecord } from '../../ports/auth-store.js';
import { AuthStoreError } from '../../ports/auth-store.js';
import type { Clock } from '../../ports/clock.js';
import type { PasswordHasher } from '../../ports/password-hasher.js';
import { randomId } from '../../util/ids.js';
import { isAllowed, resolveAccess, type Action } from './acl.js';
import type { Credentials } from './credentials.js';
import { EVERYONE, isValidTopicPattern, isValidUsername } from './names.js';
import { permissionFlags, permissionOf, type Permission } from './permissions.js';
import { ANONYMOUS, type Principal } from './principal.js';
import { CLI_CONTEXT, type AuditContext, type AuditTrail } from '../audit/audit-trail.js';
import { DEFAULT_TOKEN_EXPIRY_MS, generateToken, TOKEN_LENGTH, TOKEN_MAX_PER_USER, TOKEN_PREFIX, tokenId } from './tokens.js';
import { applySettings, findSubscription, withDisplayName, withoutSubscription, withSubscription, type SettingsChange } from './account-prefs.js';
import type { ProvisioningPlan } from './provisioning.js';
import { isSyncTopicShape, newSyncTopic } from './sync-topic.js';

export interface AuthServiceOptions {
  store: AuthStore;
  hasher: PasswordHasher;
  clock: Clock;
  defaultAccess: Permission;
  /** Where account changes are recorded; nothing is recorded without one. */
  audit?: AuditTrail;
}

/** A successful password check is remembered this long, so Basic auth does not pay bcrypt per request. */
const VERIFIED_TTL_MS = 60_000;
/** Token last-access times are written at most this often per token. */
const TOKEN_TOUCH_MS = 60_000;

export interface UserSummary {
  username: string;
  role: UserRecord['role'];
  /** The code of the user's tier, if they have one. */
  tier?: string;
  /** Defined in the server config (`auth-users`): the API and CLI may not change it. */
  provisioned?: boolean;
  grants: { topic: string; permission: Permission }[];
}

/**
 * Accounts and access control of the topics face (ntfy's model): users, tokens and ACL entries,
 * authentication of credentials and authorization of topic reads and writes.
 */
export class AuthService {
  readonly #o: AuthServiceOptions;
  /** sha256(user, password) → verified user id and until when; cleared on every account change. */
  #verified = new Map<string, { userId: string; until: number }>();
  /**
   * ACL entries per user id (null: everyone's), as the store answered them; cleared with the
   * password checks on every account change, here or announced by another node or the CLI. Every
   * anonymous publish and subscribe is authorized, and on PostgreSQL a read of the entries is a
   * round trip per request: in the publish-pg profile, writing those queries to the socket was 30 %
   * of the server's busy time. The promise is kept, so a burst of requests reads once. A change made
   * through another node applies here when its bus announcement arrives (milliseconds), one made
   * by the CLI at the next change-counter poll (about a second), as for open streams.
   */
  #access = new Map<string | null, Promise<AccessRecord[]>>();
  /** Every tier by id, read once and kept until the next account change (as the ACL entries are). */
  #tiers: Promise<Map<string, TierRecord>> | undefined;
  /** Sync topic → its owner's user id (null: nobody's), cleared with the ACL entries. */
  #syncOwners = new Map<string, Promise<string | null>>();
  #accountChanged: ((syncTopic: string) => void) | undefined;

  constructor(options: AuthServiceOptions) {
    this.#o = options;
  }

  get defaultAccess(): Permission {
    return this.#o.defaultAccess;
  }

  /** Turns credentials into a principal; wrong credentials are 401 40101 (on every route, as in ntfy). */
  async authenticate(credentials: Credentials | undefined, origin = ''): Promise<Principal> {
    if (!credentials) return ANONYMOUS;
    if (credentials.kind === 'bearer') return this.#authenticateToken(credentials.token, origin);
    const user = await this.#verifyPassword(credentials.username, credentials.password);
    return { userId: user.id, name: user.name, role: user.role, ...tierOf(user) };
  }

  /** Throws 403 40301 unless the principal may do `action` on every topic. */
  async authorize(principal: Principal, topics: readonly string[], action: Action): Promise<void> {
    if (!(await this.allowed(principal, topics, action))) throw new HeraldError('forbidden');
  }

  async allowed(principal: Principal, topics: readonly string[], action: Action): Promise<boolean> {
    if (principal.role === 'admin') return true;
    const entries = await this.#entriesFor(principal.userId);
    for (const topic of topics) {
      // An account's sync topic is the server's channel to that account's browsers: its owner may
      // read it whatever the ACL says (under deny-all too), nobody else may read it, and only the
      // server writes to it. ntfy relies on the name being unguessable; Herald checks.
      const owner = isSyncTopicShape(topic) ? await this.#syncTopicOwner(topic) : null;
      if (owner !== null) {
        if (action === 'read' && owner === principal.userId) continue;
        return false;
      }
      if (!isAllowed(resolveAccess({ userId: principal.userId, role: principal.role, topic, entries, defaultAccess: this.#o.defaultAccess }), action)) return false;
    }
    return true;
  }

  /**
   * Re-checks a principal against the current database (for open streams after a change):
   * undefined when the user or the token is gone.
   */
  async refresh(principal: Principal): Promise<Principal | undefined> {
    if (principal.userId === null) return principal;
    const user = await this.#o.store.userById(principal.userId);
    if (!user) return undefined;
    if (principal.token) {
      const token = await this.#o.store.tokenRecord(principal.token);
      if (!token || this.#expired(token)) return undefined;
      // The token may have been extended or made permanent since the principal was built.
      const { expiresAt: _old, tierId: _oldTier, ...rest } = principal;
      return { ...rest, name: user.name, role: user.role, ...expiry(token), ...tierOf(user) };
    }
    const { tierId: _oldTier, ...rest } = principal;
    return { ...rest, name: user.name, role: user.role, ...tierOf(user) };
  }

  // --- users ---

  async addUser(name: string, password: string, role: UserRecord['role'], passwordHash?: string, ctx: AuditContext = CLI_CONTEXT): Promise<void> {
    if (!isValidUsername(name)) throw new HeraldError('usernameInvalid');
    if (!passwordHash && !password) throw new HeraldError('badRequest', { detail: 'password required' });
    const hash = passwordHash ?? (await this.#o.hasher.hash(password));
    try {
      await this.#o.store.addUser({ id: newUserId(), name, passwordHash: hash, role, created: this.#nowSec(), syncTopic: newSyncTopic() });
    } catch (err) {
      if (err instanceof AuthStoreError && err.kind === 'duplicate') throw new HeraldError('userExists');
      throw err;
    }
    this.#changed();
    await this.#record(ctx, 'user.create', name, { role });
  }

  async removeUser(name: string, ctx: AuditContext = CLI_CONTEXT): Promise<void> {
    const user = await this.#changeableUser(name);
    await this.#o.store.removeUser(user.id);
    this.#changed();
    await this.#record(ctx, 'user.delete', name);
  }

  async changePassword(name: string, password: string, ctx: AuditContext = CLI_CONTEXT): Promise<void> {
    const user = await this.#changeableUser(name);
    await this.#o.store.changePassword(user.id, await this.#o.hasher.hash(password));
    this.#changed();
    await this.#record(ctx, 'user.password', name);
  }

  /** Password change by the account owner, who must confirm the current password (40026 otherwise). */
  async changeOwnPassword(principal: Principal, current: string, next: string, ctx: AuditContext = CLI_CONTEXT): Promise<void> {
    const user = await this.#ownUser(principal);
    if (!(await this.#o.hasher.verify(current, user.passwordHash))) throw new HeraldError('passwordConfirmationWrong');
    if (user.provisioned) throw new HeraldError('provisionedUserChange');
    if (!next) throw new HeraldError('badRequest', { detail: 'new password required' });
    await this.#o.store.changePassword(user.id, await this.#o.hasher.hash(next));
    this.#changed();
    await this.#record(ctx, 'user.password', user.name, { self: true });
  }

  /** Admin import of an existing bcrypt hash (e.g. from an ntfy user database). */
  async changePasswordHash(name: string, passwordHash: string, ctx: AuditContext = CLI_CONTEXT): Promise<void> {
    const user = await this.#changeableUser(name);
    await this.#o.store.changePassword(user.id, passwordHash);
    this.#changed();
    await this.#record(ctx, 'user.password', name, { imported_hash: true });
  }

  /** DELETE /v1/account: the owner confirms with their password. */
  async deleteOwnAccount(principal: Principal, password: string, ctx: AuditContext = CLI_CONTEXT): Promise<void> {
    const user = await this.#ownUser(principal);
    if (!(await this.#o.hasher.verify(password, user.passwordHash))) throw new HeraldError('passwordConfirmationWrong');
    if (user.provisioned) throw new HeraldError('provisionedUserChange');
    await this.#o.store.removeUser(user.id);
    this.#changed();
    // The account's other browsers learn that it is gone (they log out).
    this.#announce(user);
    await this.#record(ctx, 'user.delete', user.name, { self: true });
  }

  async changeRole(name: string, role: UserRecord['role'], ctx: AuditContext = CLI_CONTEXT): Promise<void> {
    const user = await this.#changeableUser(name);
    await this.#o.store.changeRole(user.id, role);
    this.#changed();
    await this.#record(ctx, 'user.role', name, { role });
  }

  async listUsers(): Promise<UserSummary[]> {
    const [users, entries, tiers] = await Promise.all([this.#o.store.users(), this.#o.store.allAccess(), this.tiers()]);
    const summaries: UserSummary[] = users.map((u) => {
      const tier = u.tierId === undefined ? undefined : tiers.get(u.tierId)?.code;
      return { username: u.name, role: u.role, ...(tier === undefined ? {} : { tier }), ...(u.provisioned ? { provisioned: true } : {}), grants: grantsOf(entries, u.id) };
    });
    summaries.push({ username: EVERYONE, role: 'user' as const, grants: grantsOf(entries, null) });
    return summaries;
  }

  async userExists(name: string): Promise<boolean> {
    return (await this.#o.store.userByName(name)) !== undefined;
  }

  // --- tiers (kept with the ACL entries: both change only through the account database) ---

  /** Every tier by id, from memory until the next account change here or elsewhere. */
  tiers(): Promise<Map<string, TierRecord>> {
    if (this.#tiers) return this.#tiers;
    const read = this.#o.store.tiers().then((list) => new Map(list.map((t) => [t.id, t])));
    this.#tiers = read;
    read.catch(() => {
      if (this.#tiers === read) this.#tiers = undefined;
    });
    return read;
  }

  /** The principal's tier, when they have one (and it still exists). */
  async tierOf(principal: Principal): Promise<TierRecord | undefined> {
    return principal.tierId === undefined ? undefined : (await this.tiers()).get(principal.tierId);
  }

  // --- access ---

  async grant(name: string, pattern: string, permission: Permission, ctx: AuditContext = CLI_CONTEXT): Promise<void> {
    if (!isValidTopicPattern(pattern)) throw new HeraldError('badRequest', { detail: 'invalid topic pattern' });
    const userId = name === EVERYONE ? null : (await this.#user(name)).id;
    await this.#o.store.allowAccess({ userId, pattern, ...permissionFlags(permission) });
    this.#changed();
    await this.#record(ctx, 'access.grant', name, { topic: pattern, permission });
  }

  async resetAccess(name: string, pattern?: string, ctx: AuditContext = CLI_CONTEXT): Promise<void> {
    const userId = name === EVERYONE ? null : (await this.#user(name)).id;
    await this.#o.store.resetAccess(userId, pattern);
    this.#changed();
    await this.#record(ctx, 'access.reset', name, pattern === undefined ? {} : { topic: pattern });
  }

  // --- tokens ---

  /** Creates a token; `expiresSec` 0 means it never expires, undefined means the 72h default. */
  async createToken(principal: Principal, options: { label?: string; expiresSec?: number }, origin = '', ctx: AuditContext = CLI_CONTEXT): Promise<TokenRecord> {
    const user = await this.#ownUser(principal);
    const token = await this.createTokenFor(user.name, options, origin, ctx);
    this.#announce(user);
    return token;
  }

  async createTokenFor(name: string, options: { label?: string; expiresSec?: number }, origin = '', ctx: AuditContext = CLI_CONTEXT): Promise<TokenRecord> {
    const user = await this.#user(name);
    const now = this.#o.clock.now();
    const record: TokenRecord = {
      token: generateToken(),
      userId: user.id,
      label: options.label ?? '',
      lastAccess: Math.floor(now / 1000),
      lastOrigin: origin,
      expires: options.expiresSec ?? Math.floor((now + DEFAULT_TOKEN_EXPIRY_MS) / 1000),
    };
    await this.#o.store.addToken(record, TOKEN_MAX_PER_USER);
    await this.#record(ctx, 'token.create', name, { label: record.label, expires: record.expires, token_prefix: record.token.slice(0, 6) });
    return record;
  }

  /** PATCH /v1/account/token: change label/expiry; with neither given, extend by the default 72h. */
  async updateToken(principal: Principal, token: string, changes: { label?: string; expiresSec?: number }): Promise<TokenRecord> {
    const user = await this.#ownUser(principal);
    const record = await this.#o.store.tokenRecord(token);
    if (!record || record.userId !== user.id) throw new HeraldError('tokenNotFound');
    if (record.provisioned) throw new HeraldError('provisionedTokenChange');
    const update: { label?: string; expires?: number } = {};
    if (changes.label !== undefined) update.label = changes.label;
    if (changes.expiresSec !== undefined) update.expires = changes.expiresSec;
    if (changes.label === undefined && changes.expiresSec === undefined) update.expires = Math.floor((this.#o.clock.now() + DEFAULT_TOKEN_EXPIRY_MS) / 1000);
    await this.#o.store.updateToken(token, update);
    this.#announce(user);
    return { ...record, ...update };
  }

  async removeToken(principal: Principal, token: string, ctx: AuditContext = CLI_CONTEXT): Promise<void> {
    const user = await this.#ownUser(principal);
    await this.removeTokenOf(user.name, token, ctx);
    this.#announce(user);
  }

  async removeTokenOf(name: string, token: string, ctx: AuditContext = CLI_CONTEXT): Promise<void> {
    const user = await this.#user(name);
    const record = await this.#o.store.tokenRecord(token);
    if (!record || record.userId !== user.id) throw new HeraldError('tokenNotFound');
    if (record.provisioned) throw new HeraldError('provisionedTokenChange');
    await this.#o.store.removeToken(user.id, token);
    this.#changed();
    await this.#record(ctx, 'token.delete', name, { token_prefix: token.slice(0, 6) });
  }

  /** Deletes a user's token named by its {@link tokenId} (the admin console never sees the token itself). */
  async removeTokenWithId(name: string, id: string, ctx: AuditContext = CLI_CONTEXT): Promise<void> {
    const record = (await this.tokensOf(name)).find((t) => tokenId(t.token) === id);
    if (!record) throw new HeraldError('tokenNotFound');
    await this.removeTokenOf(name, record.token, ctx);
  }

  async tokensOf(name: string): Promise<TokenRecord[]> {
    return this.#o.store.tokens((await this.#user(name)).id);
  }

  async userOf(principal: Principal): Promise<UserRecord | undefined> {
    return principal.userId ? this.#o.store.userById(principal.userId) : undefined;
  }

  // --- web-app settings and subscriptions (each change tells the account's other browsers) ---

  /** The caller's own settings. */
  async prefsOf(principal: Principal): Promise<AccountPrefs> {
    return principal.userId ? this.#o.store.prefs(principal.userId) : {};
  }

  /** `PATCH /v1/account/settings`: the given fields replace the stored ones, the others stay. */
  async changeSettings(principal: Principal, change: SettingsChange): Promise<void> {
    await this.#changePrefs(principal, (prefs) => applySettings(prefs, change));
  }

  /** `POST /v1/account/subscription`; 409 40903 when the account already has it. */
  async addSubscription(principal: Principal, subscription: AccountSubscription): Promise<AccountSubscription> {
    await this.#changePrefs(principal, (prefs) => withSubscription(prefs, subscription));
    return subscription;
  }

  /** `PATCH /v1/account/subscription`: renames it (display name); 404 when the account has no such subscription. */
  async renameSubscription(principal: Principal, subscription: AccountSubscription): Promise<AccountSubscription> {
    const prefs = await this.#changePrefs(principal, (current) => withDisplayName(current, subscription));
    return findSubscription(prefs, subscription)!;
  }

  /** `DELETE /v1/account/subscription`; removing one that is not there succeeds too. */
  async removeSubscription(principal: Principal, key: { baseUrl: string; topic: string }): Promise<void> {
    await this.#changePrefs(principal, (prefs) => withoutSubscription(prefs, key));
  }

  /**
   * Tells the account's open browsers that something of it changed (they reload it), through its
   * sync topic. Called here after every change made through the account API; other services that
   * change what `GET /v1/account` shows (reservations, phone numbers) call it too. Never fails.
   */
  async accountChanged(userId: string): Promise<void> {
    if (!this.#accountChanged) return;
    try {
      const user = await this.#o.store.userById(userId);
      if (user) this.#announce(user);
    } catch {
      // Only a convenience for other browsers: they also reload the account when they come back.
    }
  }

  /** Where {@link accountChanged} sends the sync topic of a changed account (the server publishes the sync event there). */
  onAccountChanged(listener: (syncTopic: string) => void): void {
    this.#accountChanged = listener;
  }

  /**
   * Applies the config-defined accounts (`auth-users`, `auth-access`, `auth-tokens`), see
   * AuthStore.provision: at every start, so the database follows the config.
   */
  async provision(plan: ProvisioningPlan): Promise<void> {
    await this.#o.store.provision({
      users: plan.users.map((u) => ({ ...u, newId: newUserId(), newSyncTopic: newSyncTopic() })),
      access: plan.access,
      tokens: plan.tokens,
    });
    this.#changed();
  }

  /** Periodic cleanup: expired tokens. */
  async prune(): Promise<number> {
    return this.#o.store.removeExpiredTokens(this.#nowSec());
  }

  /** Changes whenever the account database changed (here or in another process). */
  changeCounter(): Promise<number> {
    return this.#o.store.changeCounter();
  }

  /**
   * Drops remembered password checks and ACL entries, e.g. after another process changed the
   * database. A read already under way when this is called is not remembered afterwards.
   */
  forgetVerified(): void {
    this.#changed();
  }

  // --- internals ---

  async #authenticateToken(token: string, origin: string): Promise<Principal> {
    // Only the length is checked here (as ntfy does), so tokens imported from ntfy with other
    // characters still work; ours are always generated in the stricter shape.
    if (token.length !== TOKEN_LENGTH || !token.startsWith(TOKEN_PREFIX)) throw new HeraldError('unauthorized');
    const record = await this.#o.store.tokenRecord(token);
    if (!record || this.#expired(record)) throw new HeraldError('unauthorized');
    const user = await this.#o.store.userById(record.userId);
    if (!user) throw new HeraldError('unauthorized');
    const nowSec = this.#nowSec();
    if ((nowSec - record.lastAccess) * 1000 >= TOKEN_TOUCH_MS) {
      // Bookkeeping only: a failed write must not fail the request.
      this.#o.store.updateToken(token, { lastAccess: nowSec, lastOrigin: origin }).catch(() => {});
    }
    return { userId: user.id, name: user.name, role: user.role, token, ...expiry(record), ...tierOf(user) };
  }

  async #verifyPassword(name: string, password: string): Promise<UserRecord> {
    const key = createHash('sha256').update(name).update('\0').update(password).digest('base64');
    const now = this.#o.clock.now();
    const cached = this.#verified.get(key);
    if (cached && cached.until > now) {
      const user = await this.#o.store.userById(cached.userId);
      if (user) return user;
    }
    const user = await this.#o.store.userByName(name);
    // Compare against a dummy hash for unknown users too, so timing does not reveal which names exist.
    const ok = await this.#o.hasher.verify(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok) throw new HeraldError('unauthorized');
    if (this.#verified.size > 10_000) this.#verified.clear();
    this.#verified.set(key, { userId: user.id, until: now + VERIFIED_TTL_MS });
    return user;
  }

  async #entriesFor(userId: string | null): Promise<AccessRecord[]> {
    const everyone = await this.#accessOf(null);
    return userId === null ? everyone : [...(await this.#accessOf(userId)), ...everyone];
  }

  #accessOf(userId: string | null): Promise<AccessRecord[]> {
    const remembered = this.#access.get(userId);
    if (remembered) return remembered;
    if (this.#access.size > 10_000) this.#access.clear();
    const read = this.#o.store.access(userId);
    this.#access.set(userId, read);
    // A failed read is not remembered: the next request asks the store again.
    read.catch(() => {
      if (this.#access.get(userId) === read) this.#access.delete(userId);
    });
    return read;
  }

  async #changePrefs(principal: Principal, change: (prefs: AccountPrefs) => AccountPrefs): Promise<AccountPrefs> {
    const user = await this.#ownUser(principal);
    let prefs: AccountPrefs;
    try {
      prefs = await this.#o.store.changePrefs(user.id, change);
    } catch (err) {
      // Deleted between the lookup and the write.
      if (err instanceof AuthStoreError && err.kind === 'not_found') throw new HeraldError('unauthorized');
      throw err;
    }
    this.#announce(user);
    return prefs;
  }

  #announce(user: UserRecord): void {
    if (user.syncTopic && this.#accountChanged) this.#accountChanged(user.syncTopic);
  }

  #syncTopicOwner(topic: string): Promise<string | null> {
    const remembered = this.#syncOwners.get(topic);
    if (remembered) return remembered;
    if (this.#syncOwners.size > 10_000) this.#syncOwners.clear();
    const read = this.#o.store.userBySyncTopic(topic).then((u) => u?.id ?? null);
    this.#syncOwners.set(topic, read);
    read.catch(() => {
      if (this.#syncOwners.get(topic) === read) this.#syncOwners.delete(topic);
    });
    return read;
  }

  /** A user the API and CLI may change: not one the config defines. */
  async #changeableUser(name: string): Promise<UserRecord> {
    const user = await this.#user(name);
    if (user.provisioned) throw new HeraldError('provisionedUserChange');
    return user;
  }

  async #user(name: string): Promise<UserRecord> {
    const user = await this.#o.store.userByName(name);
    if (!user) throw new HeraldError('userNotFound');
    return user;
  }

  async #ownUser(principal: Principal): Promise<UserRecord> {
    const user = principal.userId ? await this.#o.store.userById(principal.userId) : undefined;
    if (!user) throw new HeraldError('unauthorized');
    return user;
  }

  #expired(token: TokenRecord): boolean {
    return token.expires > 0 && token.expires < this.#nowSec();
  }

  #nowSec(): number {
    return Math.floor(this.#o.clock.now() / 1000);
  }

  #changed(): void {
    this.#verified.clear();
    this.#access.clear();
    this.#tiers = undefined;
    this.#syncOwners.clear();
  }

  async #record(ctx: AuditContext, action: string, target: string, details: Record<string, unknown> = {}): Promise<void> {
    await this.#o.audit?.record(ctx, action, target, details);
  }
}

function newUserId(): string {
  return `u_${randomId(12)}`;
}

/** A valid bcrypt hash of a random string, used to spend the same time on unknown user names. */
const DUMMY_HASH = '$2a$10$CwTycUXWue0Thq9StjUM0uJ8.1P2GQjY6cN2/8C5vQj8FZbQ3yPq6';

function grantsOf(entries: readonly AccessRecord[], userId: string | null): { topic: string; permission: Permission }[] {
  return entries.filter((e) => e.userId === userId).map((e) => ({ topic: e.pattern, permission: permissionOf(e) }));
}

/** A user's tier as a principal carries it, or nothing. */
function tierOf(user: UserRecord): Pick<Principal, 'tierId'> {
  return user.tierId === undefined ? {} : { tierId: user.tierId };
}

/** A token's expiry as a principal carries it (ms), or nothing for a token that never expires. */
function expiry(token: TokenRecord): Pick<Principal, 'expiresAt'> {
  return token.expires > 0 ? { expiresAt: token.expires * 1000 } : {};
}
