import type { Kysely } from 'kysely';
import type { AuthStore } from '../../../ports/auth-store.js';
import { translateConstraint, written } from './constraint-errors.js';
import { userFromRow, type AuthDatabase, type AuthDialect } from './schema.js';

/** The user accounts: lookups, creation (names are unique), removal with everything of theirs, password and role. */
export function prepareUsers(db: Kysely<AuthDatabase>, dialect: AuthDialect): Pick<AuthStore, 'userByName' | 'userById' | 'users' | 'addUser' | 'removeUser' | 'changePassword' | 'changeRole' | 'changeTier' | 'userBySyncTopic'> {
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
        tier_id: user.tierId ?? null,
        sync_topic: user.syncTopic ?? '',
      }).execute();
      await written(dialect, translateConstraint(dialect, insert, `user ${user.name} already exists`, `tier ${user.tierId} not found`));
    },

    async removeUser(id) {
      // Tokens, access entries and the entries of the user's reservations (the everyone entries too,
      // through owner_id) go with the row through ON DELETE CASCADE, in the same statement.
      await written(dialect, db.deleteFrom('users').where('id', '=', id).execute());
    },

    async changePassword(id, passwordHash) {
      await written(dialect, db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', id).execute());
    },

    async userBySyncTopic(topic) {
      // '' marks "none", never a topic anyone can subscribe to, but it must not match either.
      if (topic === '') return undefined;
      const row = await db.selectFrom('users').selectAll().where('sync_topic', '=', topic).executeTakeFirst();
      return row && userFromRow(row);
    },

    async changeRole(id, role) {
      await written(dialect, db.updateTable('users').set({ role }).where('id', '=', id).execute());
    },

    async changeTier(id, tierId) {
      const update = db.updateTable('users').set({ tier_id: tierId }).where('id', '=', id).execute();
      await written(dialect, translateConstraint(dialect, update, 'tier conflict', `tier ${tierId} not found`));
    },
  };
}
