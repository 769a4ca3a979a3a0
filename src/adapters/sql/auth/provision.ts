import type { Kysely, Transaction } from 'kysely';
import type { AuthStore, ProvisionedAccounts } from '../../../ports/auth-store.js';
import { written } from './constraint-errors.js';
import type { AuthDatabase, AuthDialect } from './schema.js';

/**
 * Applies the config-defined accounts (see AuthStore.provision). The first statement of the
 * transaction is a write, so on SQLite it holds the write lock from the start and on PostgreSQL
 * the change counter's lock, which orders it after any other process's provisioning: a second
 * node starting with the same config finds the users the first one created and updates them.
 */
export function prepareProvision(db: Kysely<AuthDatabase>, dialect: AuthDialect): Pick<AuthStore, 'provision'> {
  return {
    async provision(accounts) {
      await written(dialect, db.transaction().execute((trx) => apply(trx, dialect, accounts)));
    },
  };
}

async function apply(trx: Transaction<AuthDatabase>, dialect: AuthDialect, accounts: ProvisionedAccounts): Promise<void> {
  const nowSec = Math.floor(dialect.now() / 1000);
  const names = accounts.users.map((u) => u.name);
  // Tokens and access entries of removed users go with them (ON DELETE CASCADE).
  let gone = trx.deleteFrom('users').where('provisioned', '=', 1);
  if (names.length > 0) gone = gone.where('name', 'not in', names);
  await gone.execute();

  for (const user of accounts.users) {
    await trx.insertInto('users')
      .values({ id: user.newId, name: user.name, password_hash: user.passwordHash, role: user.role, created: nowSec, sync_topic: user.newSyncTopic, provisioned: 1 })
      // An existing user keeps its id, sync topic, settings and tokens; the config decides the rest.
      .onConflict((oc) => oc.column('name').doUpdateSet({ password_hash: user.passwordHash, role: user.role, provisioned: 1 }))
      .execute();
  }

  await trx.deleteFrom('access').where('provisioned', '=', 1).execute();
  for (const entry of accounts.access) {
    const userId = entry.user === null ? null : await idOf(trx, entry.user);
    await trx.insertInto('access')
      .values({ user_id: userId, pattern: entry.pattern, read: entry.read ? 1 : 0, write: entry.write ? 1 : 0, provisioned: 1 })
      .onConflict((oc) => oc.expression(dialect.accessKey).doUpdateSet({ read: entry.read ? 1 : 0, write: entry.write ? 1 : 0, provisioned: 1 }))
      .execute();
  }

  const tokens = accounts.tokens.map((t) => t.token);
  let staleTokens = trx.deleteFrom('tokens').where('provisioned', '=', 1);
  if (tokens.length > 0) staleTokens = staleTokens.where('token', 'not in', tokens);
  await staleTokens.execute();
  for (const token of accounts.tokens) {
    const userId = await idOf(trx, token.user);
    await trx.insertInto('tokens')
      .values({ token: token.token, user_id: userId, label: token.label, last_access: 0, last_origin: '', expires: 0, created: nowSec, provisioned: 1 })
      // A token the config now gives to another user moves to that user; its last access stays.
      .onConflict((oc) => oc.column('token').doUpdateSet({ user_id: userId, label: token.label, expires: 0, provisioned: 1 }))
      .execute();
  }
}

async function idOf(trx: Transaction<AuthDatabase>, name: string): Promise<string> {
  const row = await trx.selectFrom('users').select('id').where('name', '=', name).executeTakeFirst();
  // The caller lists every named user in `users`, which this transaction just wrote.
  if (!row) throw new Error(`provisioning: user ${name} is not among the provisioned users`);
  return row.id;
}

