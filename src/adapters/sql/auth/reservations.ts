import { sql, type Kysely } from 'kysely';
import type { AuthStore } from '../../../ports/auth-store.js';
import { patternMatches } from '../../../util/topic-pattern.js';
import { translateConstraint, written } from './constraint-errors.js';
import type { AuthDatabase, AuthDialect } from './schema.js';

/**
 * Reservations (ntfy's model): a reserved topic is two ACL entries owned by the user who reserved
 * it, their own read-write one and the everyone entry they chose. Ownership is the access table's
 * owner_id, which cascades with the user.
 */
export function prepareReservations(db: Kysely<AuthDatabase>, dialect: AuthDialect): Pick<AuthStore, 'reserve' | 'unreserve' | 'reservations'> {
  return {
    async reserve(userId, topic, everyone, limit) {
      const run = db.transaction().execute(async (trx) => {
        // A write first, as in addToken: SQLite takes its write lock now (waiting under busy_timeout
        // rather than failing to upgrade a read), and PostgreSQL's statement trigger locks the change
        // counter, so two users reserving the same topic at once are checked one after the other.
        await trx.deleteFrom('access').where(sql<boolean>`1 = 0`).execute();
        // Entries that are not this user's reservations and could match: the topic itself, or a
        // pattern with a wildcard (checked below, since `_` in a pattern would be LIKE syntax).
        const others = await trx.selectFrom('access').select('pattern')
          .where((eb) => eb.or([eb('owner_id', 'is', null), eb('owner_id', '!=', userId)]))
          .where((eb) => eb.or([eb('pattern', '=', topic), eb('pattern', 'like', '%*%')]))
          .execute();
        if (others.some((row) => patternMatches(row.pattern, topic))) return 'conflict' as const;
        if (limit !== undefined) {
          const held = await trx.selectFrom('access').select('pattern').where('user_id', '=', userId).where('owner_id', '=', userId).execute();
          if (!held.some((row) => row.pattern === topic) && held.length >= limit) return 'limit' as const;
        }
        for (const entry of [
          { user_id: userId, read: 1, write: 1 },
          { user_id: null, read: everyone.read ? 1 : 0, write: everyone.write ? 1 : 0 },
        ]) {
          await trx.insertInto('access')
            .values({ ...entry, pattern: topic, owner_id: userId })
            .onConflict((oc) => oc.expression(dialect.accessKey).doUpdateSet((eb) => ({
              read: eb.ref('excluded.read'),
              write: eb.ref('excluded.write'),
              owner_id: eb.ref('excluded.owner_id'),
            })))
            .execute();
        }
        return 'reserved' as const;
      });
      const outcome = await translateConstraint(dialect, run, 'access entry conflict', `user ${userId} not found`);
      if (outcome === 'reserved') dialect.written?.();
      return outcome;
    },

    async unreserve(userId, topic) {
      const result = await written(dialect, db.deleteFrom('access')
        .where('pattern', '=', topic).where('owner_id', '=', userId)
        .where((eb) => eb.or([eb('user_id', '=', userId), eb('user_id', 'is', null)]))
        .executeTakeFirst());
      return Number(result.numDeletedRows) > 0;
    },

    async reservations(userId) {
      const rows = await db.selectFrom('access as own')
        .leftJoin('access as everyone', (join) => join.onRef('everyone.pattern', '=', 'own.pattern').on('everyone.user_id', 'is', null))
        .select(['own.pattern as topic', 'everyone.read as everyone_read', 'everyone.write as everyone_write'])
        .where('own.user_id', '=', userId).where('own.owner_id', '=', userId)
        .orderBy('own.pattern')
        .execute();
      return rows.map((row) => ({ topic: row.topic, everyone: { read: Number(row.everyone_read) === 1, write: Number(row.everyone_write) === 1 } }));
    },
  };
}
