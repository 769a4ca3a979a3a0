import type { Kysely } from 'kysely';
import { AuthStoreError, type AuthStore } from '../../../ports/auth-store.js';
import { translateConstraint, written } from './constraint-errors.js';
import { tierFromRow, tierToRow, type AuthDatabase, type AuthDialect } from './schema.js';

/** The tiers: listing, creation (codes are unique), updates, and removal while no user has the tier. */
export function prepareTiers(db: Kysely<AuthDatabase>, dialect: AuthDialect): Pick<AuthStore, 'tiers' | 'addTier' | 'updateTier' | 'removeTier'> {
  return {
    async tiers() {
      const rows = await db.selectFrom('tiers').selectAll().orderBy('code').execute();
      return rows.map(tierFromRow);
    },

    async addTier(tier) {
      const insert = db.insertInto('tiers').values(tierToRow(tier)).execute();
      await written(dialect, translateConstraint(dialect, insert, `tier ${tier.code} already exists`));
    },

    async updateTier(tier) {
      const { id: _id, ...fields } = tierToRow(tier);
      const update = db.updateTable('tiers').set(fields).where('id', '=', tier.id).execute();
      await written(dialect, translateConstraint(dialect, update, `tier ${tier.code} already exists`));
    },

    async removeTier(id) {
      try {
        await written(dialect, db.deleteFrom('tiers').where('id', '=', id).execute());
      } catch (err) {
        // users.tier_id has no ON DELETE action: the database refuses while a user has the tier.
        if (dialect.constraintBroken(err) === 'foreign_key') throw new AuthStoreError('in_use', `tier ${id} is assigned to users`);
        throw err;
      }
    },
  };
}
