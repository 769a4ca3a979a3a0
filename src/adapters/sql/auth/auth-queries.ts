import type { Kysely } from 'kysely';
import type { AuthStore } from '../../../ports/auth-store.js';
import { prepareAccess } from './access.js';
import { preparePrefs } from './prefs.js';
import { prepareProvision } from './provision.js';
import type { AuthDatabase, AuthDialect } from './schema.js';
import { preparePhoneNumbers } from './phone-numbers.js';
import { prepareReservations } from './reservations.js';
import { prepareTiers } from './tiers.js';
import { prepareTokens } from './tokens.js';
import { prepareUsers } from './users.js';

/** Everything in AuthStore but the change counter and close, which each adapter owns, over either dialect. */
export type AuthQueries = Omit<AuthStore, 'changeCounter' | 'close'>;

/**
 * The account queries both dialects share. Accounts see a few writes per admin action and none
 * per message, so they are written once with Kysely (docs/storage.md); the dialect supplies the
 * spots where SQLite and PostgreSQL differ.
 */
export function createAuthQueries(db: Kysely<AuthDatabase>, dialect: AuthDialect): AuthQueries {
  return {
    ...prepareUsers(db, dialect),
    ...prepareTokens(db, dialect),
    ...prepareAccess(db, dialect),
    ...preparePhoneNumbers(db, dialect),
    ...prepareTiers(db, dialect),
    ...prepareReservations(db, dialect),
    ...preparePrefs(db, dialect),
    ...prepareProvision(db, dialect),
  };
}

export type { AuthDatabase, AuthDialect } from './schema.js';
