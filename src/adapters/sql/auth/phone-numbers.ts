import type { Kysely } from 'kysely';
import type { AuthStore } from '../../../ports/auth-store.js';
import { translateConstraint } from './constraint-errors.js';
import type { AuthDatabase, AuthDialect } from './schema.js';

/**
 * Each user's verified phone numbers (ntfy's user_phone). These writes do not report to the
 * dialect's change counter: the counter tells nodes to re-check access, and a phone number
 * changes nobody's access.
 */
export function preparePhoneNumbers(db: Kysely<AuthDatabase>, dialect: AuthDialect): Pick<AuthStore, 'phoneNumbers' | 'addPhoneNumber' | 'removePhoneNumber'> {
  return {
    async phoneNumbers(userId) {
      const rows = await db.selectFrom('phone_numbers').select('number').where('user_id', '=', userId).orderBy('seq').execute();
      return rows.map((r) => r.number);
    },

    async addPhoneNumber(userId, number) {
      const insert = db.insertInto('phone_numbers').values({ user_id: userId, number }).execute();
      await translateConstraint(dialect, insert, 'phone number already added', `user ${userId} not found`);
    },

    async removePhoneNumber(userId, number) {
      await db.deleteFrom('phone_numbers').where('user_id', '=', userId).where('number', '=', number).execute();
    },
  };
}
