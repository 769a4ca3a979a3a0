import type { Kysely, Updateable } from 'kysely';
import type { AuthStore } from '../../../ports/auth-store.js';
import { translateConstraint, written } from './constraint-errors.js';
import { tokenFromRow, type AuthDatabase, type AuthDialect, type TokensTable } from './schema.js';

/** The access tokens: lookups, creation with the per-user cap, updates, removal and expiry. */
export function prepareTokens(db: Kysely<AuthDatabase>, dialect: AuthDialect): Pick<AuthStore, 'tokenRecord' | 'tokens' | 'addToken' | 'updateToken' | 'removeToken' | 'removeExpiredTokens'> {
  return {
    async tokenRecord(token) {
      const row = await db.selectFrom('tokens').selectAll().where('token', '=', token).executeTakeFirst();
      return row && tokenFromRow(row);
    },

    async tokens(userId) {
      const rows = await db.selectFrom('tokens').selectAll().where('user_id', '=', userId)
        .orderBy('created').orderBy(dialect.tokenInsertionOrder).execute();
      return rows.map(tokenFromRow);
    },

    async addToken(token, maxPerUser) {
      // The INSERT comes first so the transaction takes the write lock at once: on SQLite it waits
      // for it under busy_timeout instead of failing to upgrade a read snapshot another process has
      // moved past; on PostgreSQL the insert's trigger locks the change counter, so two processes
      // adding a token serialise and the second one's DELETE (a new snapshot) sees the first one's
      // token. Without that, each would keep "its" newest maxPerUser and the user would end above it.
      const added = db.transaction().execute(async (trx) => {
        await trx.insertInto('tokens').values({
          token: token.token,
          user_id: token.userId,
          label: token.label,
          last_access: token.lastAccess,
          last_origin: token.lastOrigin,
          expires: token.expires,
          created: Math.floor(dialect.now() / 1000),
        }).execute();
        // Several tokens can share a second; the insertion order breaks the tie.
        const newest = trx.selectFrom('tokens').select('token').where('user_id', '=', token.userId)
          .orderBy('created', 'desc').orderBy(dialect.tokenInsertionOrder, 'desc').limit(maxPerUser);
        await trx.deleteFrom('tokens').where('user_id', '=', token.userId).where('token', 'not in', newest).execute();
      });
      await written(dialect, translateConstraint(dialect, added, 'token already exists', `user ${token.userId} not found`));
    },

    async updateToken(token, changes) {
      const set: Updateable<TokensTable> = {};
      if (changes.label !== undefined) set.label = changes.label;
      if (changes.expires !== undefined) set.expires = changes.expires;
      if (changes.lastAccess !== undefined) set.last_access = changes.lastAccess;
      if (changes.lastOrigin !== undefined) set.last_origin = changes.lastOrigin;
      if (Object.keys(set).length === 0) return;
      await written(dialect, db.updateTable('tokens').set(set).where('token', '=', token).execute());
    },

    async removeToken(userId, token) {
      await written(dialect, db.deleteFrom('tokens').where('user_id', '=', userId).where('token', '=', token).execute());
    },

    async removeExpiredTokens(nowSeconds) {
      const result = await written(dialect, db.deleteFrom('tokens').where('expires', '>', 0).where('expires', '<', nowSeconds).executeTakeFirst());
      return Number(result.numDeletedRows);
    },
  };
}
