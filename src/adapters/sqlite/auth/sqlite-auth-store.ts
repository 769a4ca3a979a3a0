import { sql, type Selectable } from 'kysely';
import { AuthStoreError, type AccessRecord, type AuthStore, type TokenRecord, type UserRecord } from '../../../ports/auth-store.js';
import { openSqlite } from '../open-sqlite.js';
import { AUTH_MIGRATION_LOCK_TABLE, AUTH_MIGRATION_TABLE, authMigrations } from './migrations.js';
import type { AccessTable, AuthDatabase, TokensTable, UsersTable } from './schema.js';

export interface SqliteAuthStoreOptions {
  /** File path (its directory is created if missing), or ':memory:'. */
  file: string;
}

/**
 * The account database (`auth-file`) in SQLite. The CLI opens the same file from another process
 * while the server runs, so it is WAL with a long busy timeout, and `changeCounter` notices the
 * other process's commits through `PRAGMA data_version`.
 */
export async function createSqliteAuthStore(options: SqliteAuthStoreOptions): Promise<AuthStore> {
  const connection = await openSqlite<AuthDatabase>({
    file: options.file,
    synchronous: 'FULL',
    foreignKeys: true,
    migrations: { provider: authMigrations, migrationTableName: AUTH_MIGRATION_TABLE, migrationLockTableName: AUTH_MIGRATION_LOCK_TABLE },
  });
  const { db } = connection;

  // data_version only moves for other connections' commits, so local writes are counted here.
  let counter = 0;
  let seenDataVersion: number | undefined;

  async function written<T>(result: Promise<T>): Promise<T> {
    const value = await result;
    counter += 1;
    return value;
  }

  return {
    async userByName(name) {
      const row = await db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
      return row && userFromRow(row);
    },

    async userById(id) {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row && userFromRow(row);
    },

    async users() {
      // Admins first, then by name: the order of ntfy's `user list`.
      const rows = await db.selectFrom('users').selectAll().orderBy('role').orderBy('name').execute();
      return rows.map(userFromRow);
    },

    async addUser(user) {
      const insert = db.insertInto('users').values({
        id: user.id,
        name: user.name,
        password_hash: user.passwordHash,
        role: user.role,
        created: user.created,
      }).execute();
      await written(translateConstraint(insert, `user ${user.name} already exists`));
    },

    async removeUser(id) {
      // Tokens and access entries go with the row through ON DELETE CASCADE, in the same statement.
      await written(db.deleteFrom('users').where('id', '=', id).execute());
    },

    async changePassword(id, passwordHash) {
      await written(db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', id).execute());
    },

    async changeRole(id, role) {
      await written(db.updateTable('users').set({ role }).where('id', '=', id).execute());
    },

    async tokenRecord(token) {
      const row = await db.selectFrom('tokens').selectAll().where('token', '=', token).executeTakeFirst();
      return row && tokenFromRow(row);
    },

    async tokens(userId) {
      const rows = await db.selectFrom('tokens').selectAll().where('user_id', '=', userId)
        .orderBy('created').orderBy(sql`rowid`).execute();
      return rows.map(tokenFromRow);
    },

    async addToken(token, maxPerUser) {
      // The INSERT comes first so the transaction takes the write lock at once (and waits for it under
      // busy_timeout) instead of failing to upgrade a read snapshot another process has moved past.
      const added = db.transaction().execute(async (trx) => {
        await trx.insertInto('tokens').values({
          token: token.token,
          user_id: token.userId,
          label: token.label,
          last_access: token.lastAccess,
          last_origin: token.lastOrigin,
          expires: token.expires,
          created: Math.floor(Date.now() / 1000),
        }).execute();
        // Several tokens can share a second; rowid breaks the tie in insertion order.
        const newest = trx.selectFrom('tokens').select('token').where('user_id', '=', token.userId)
          .orderBy('created', 'desc').orderBy(sql`rowid`, 'desc').limit(maxPerUser);
        await trx.deleteFrom('tokens').where('user_id', '=', token.userId).where('token', 'not in', newest).execute();
      });
      await written(translateConstraint(added, 'token already exists', `user ${token.userId} not found`));
    },

    async updateToken(token, changes) {
      const set: Partial<TokensTable> = {};
      if (changes.label !== undefined) set.label = changes.label;
      if (changes.expires !== undefined) set.expires = changes.expires;
      if (changes.lastAccess !== undefined) set.last_access = changes.lastAccess;
      if (changes.lastOrigin !== undefined) set.last_origin = changes.lastOrigin;
      if (Object.keys(set).length === 0) return;
      await written(db.updateTable('tokens').set(set).where('token', '=', token).execute());
    },

    async removeToken(userId, token) {
      await written(db.deleteFrom('tokens').where('user_id', '=', userId).where('token', '=', token).execute());
    },

    async removeExpiredTokens(nowSeconds) {
      const result = await written(db.deleteFrom('tokens').where('expires', '>', 0).where('expires', '<', nowSeconds).executeTakeFirst());
      return Number(result.numDeletedRows);
    },

    async access(userId) {
      const rows = await db.selectFrom('access').selectAll()
        .where('user_id', userId === null ? 'is' : '=', userId)
        .orderBy(sql`length(pattern)`, 'desc').orderBy('write', 'desc').orderBy('read', 'desc').orderBy('pattern')
        .execute();
      return rows.map(accessFromRow);
    },

    async allAccess() {
      // Per user, the most specific pattern first (ntfy's order); the everyone entries last.
      const rows = await db.selectFrom('access').selectAll()
        .orderBy(sql`user_id IS NULL`).orderBy('user_id')
        .orderBy(sql`length(pattern)`, 'desc').orderBy('write', 'desc').orderBy('read', 'desc').orderBy('pattern')
        .execute();
      return rows.map(accessFromRow);
    },

    async allowAccess(entry) {
      const upsert = db.insertInto('access')
        .values({ user_id: entry.userId, pattern: entry.pattern, read: entry.read ? 1 : 0, write: entry.write ? 1 : 0 })
        // Must repeat the expression of idx_access_user_pattern for SQLite to pick that index as the target.
        .onConflict((oc) => oc.expression(sql`ifnull(user_id, ''), pattern`).doUpdateSet((eb) => ({
          read: eb.ref('excluded.read'),
          write: eb.ref('excluded.write'),
        })))
        .execute();
      await written(translateConstraint(upsert, 'access entry conflict', `user ${entry.userId} not found`));
    },

    async resetAccess(userId, pattern) {
      let q = db.deleteFrom('access').where('user_id', userId === null ? 'is' : '=', userId);
      if (pattern !== undefined) q = q.where('pattern', '=', pattern);
      await written(q.execute());
    },

    async changeCounter() {
      const { rows } = await sql<{ data_version: number }>`PRAGMA data_version`.execute(db);
      const dataVersion = rows[0]?.data_version;
      // Folding data_version into our own counter keeps the result strictly increasing: a plain sum
      // could, in principle, land on an earlier value.
      if (seenDataVersion !== undefined && dataVersion !== seenDataVersion) counter += 1;
      seenDataVersion = dataVersion;
      return counter;
    },

    close() {
      return connection.close();
    },
  };
}

function userFromRow(row: Selectable<UsersTable>): UserRecord {
  return { id: row.id, name: row.name, passwordHash: row.password_hash, role: row.role, created: row.created };
}

function tokenFromRow(row: Selectable<TokensTable>): TokenRecord {
  return {
    token: row.token,
    userId: row.user_id,
    label: row.label,
    lastAccess: row.last_access,
    lastOrigin: row.last_origin,
    expires: row.expires,
  };
}

function accessFromRow(row: Selectable<AccessTable>): AccessRecord {
  return { userId: row.user_id, pattern: row.pattern, read: row.read === 1, write: row.write === 1 };
}

/** Turns better-sqlite3's constraint errors into the port's error kinds; anything else passes through. */
async function translateConstraint<T>(pending: Promise<T>, duplicate: string, missing = 'not found'): Promise<T> {
  try {
    return await pending;
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      throw new AuthStoreError('duplicate', duplicate);
    }
    if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new AuthStoreError('not_found', missing);
    throw err;
  }
}
