import type { Kysely } from 'kysely';
import { AuthStoreError, type AccountPrefs, type AuthStore } from '../../../ports/auth-store.js';
import { written } from './constraint-errors.js';
import type { AuthDatabase, AuthDialect } from './schema.js';

/** A user's web-app settings: one JSON column, read and rewritten as a whole. */
export function preparePrefs(db: Kysely<AuthDatabase>, dialect: AuthDialect): Pick<AuthStore, 'prefs' | 'changePrefs'> {
  return {
    async prefs(userId) {
      const row = await db.selectFrom('users').select('prefs').where('id', '=', userId).executeTakeFirst();
      return row ? parsePrefs(row.prefs) : {};
    },

    async changePrefs(userId, change) {
      const changed = db.transaction().execute(async (trx) => {
        // A write comes first, as in addToken: on SQLite it takes the write lock at once (a read
        // first would hold a snapshot that the other process's commit makes impossible to upgrade);
        // on PostgreSQL its trigger takes the change counter, the first lock of every account
        // write, and then this row's, so the read below sees the last committed settings and no
        // other writer can slip in before ours.
        const touched = await trx.updateTable('users').set((eb) => ({ prefs: eb.ref('prefs') })).where('id', '=', userId).executeTakeFirst();
        if (Number(touched.numUpdatedRows) === 0) throw new AuthStoreError('not_found', `user ${userId} not found`);
        const row = await trx.selectFrom('users').select('prefs').where('id', '=', userId).executeTakeFirstOrThrow();
        const next = change(parsePrefs(row.prefs));
        await trx.updateTable('users').set({ prefs: JSON.stringify(next) }).where('id', '=', userId).execute();
        return next;
      });
      return written(dialect, changed);
    },
  };
}

function parsePrefs(text: string): AccountPrefs {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as AccountPrefs) : {};
  } catch {
    // A column edited by hand into something unreadable is treated as "no settings", not a 500.
    return {};
  }
}
