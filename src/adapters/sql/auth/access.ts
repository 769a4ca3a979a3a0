import { sql, type Kysely } from 'kysely';
import type { AuthStore } from '../../../ports/auth-store.js';
import { translateConstraint, written } from './constraint-errors.js';
import { accessFromRow, type AuthDatabase, type AuthDialect } from './schema.js';

/** The ACL: entries per user or for everyone, upserted per (user, pattern), reset one or all at a time. */
export function prepareAccess(db: Kysely<AuthDatabase>, dialect: AuthDialect): Pick<AuthStore, 'access' | 'allAccess' | 'allowAccess' | 'resetAccess'> {
  return {
    async access(userId) {
      const rows = await db.selectFrom('access').select(['user_id', 'pattern', 'read', 'write', 'provisioned'])
        .where('user_id', userId === null ? 'is' : '=', userId)
        .orderBy(sql`length(pattern)`, 'desc').orderBy('write', 'desc').orderBy('read', 'desc').orderBy('pattern')
        .execute();
      return rows.map(accessFromRow);
    },

    async allAccess() {
      // Per user, the most specific pattern first (ntfy's order); the everyone entries last.
      const rows = await db.selectFrom('access').select(['user_id', 'pattern', 'read', 'write', 'provisioned'])
        .orderBy(sql`user_id IS NULL`).orderBy('user_id')
        .orderBy(sql`length(pattern)`, 'desc').orderBy('write', 'desc').orderBy('read', 'desc').orderBy('pattern')
        .execute();
      return rows.map(accessFromRow);
    },

    async allowAccess(entry) {
      const upsert = db.insertInto('access')
        .values({ user_id: entry.userId, pattern: entry.pattern, read: entry.read ? 1 : 0, write: entry.write ? 1 : 0, owner_id: null })
        // Both dialects pick the unique index as the target only when its expression is repeated here.
        .onConflict((oc) => oc.expression(dialect.accessKey).doUpdateSet((eb) => ({
          read: eb.ref('excluded.read'),
          write: eb.ref('excluded.write'),
          // An admin's entry is nobody's reservation, even where it replaces one (as in ntfy).
          owner_id: null,
        })))
        .execute();
      await written(dialect, translateConstraint(dialect, upsert, 'access entry conflict', `user ${entry.userId} not found`));
    },

    async resetAccess(userId, pattern) {
      let q = db.deleteFrom('access').where('user_id', userId === null ? 'is' : '=', userId);
      if (pattern !== undefined) q = q.where('pattern', '=', pattern);
      await written(dialect, q.execute());
    },
  };
}
