import type { Config } from '../config/index.js';
import { AuditTrail } from '../core/audit/audit-trail.js';
import { AuthService } from '../core/auth/auth-service.js';
import { TierService } from '../core/auth/tier-service.js';
import { ApiKeyService } from '../core/keys/api-key-service.js';
import { systemClock, type Clock } from '../ports/clock.js';
import { silentLogger } from '../ports/logger.js';
import type { PostgresDatabase } from '../adapters/postgres/open-postgres.js';

/**
 * The stores the offline CLI commands (`user`, `access`, `token`, `key`, `webpush keys`) work on,
 * composed apart from main.ts so that a command loads SQLite and the domain it needs, not the
 * HTTP server, the providers and the delivery threads (about half a second less per call). Each
 * backend is imported when it is chosen, so a SQLite installation never loads the PostgreSQL
 * adapters (nor the other way round). test/integration/cli-startup.test.ts keeps the graph small.
 */

/**
 * Opens the account database for the `user`, `access` and `token` commands: the PostgreSQL
 * database of `database-url` when it is set (the one every node serves from), else the file of
 * `auth-file`; undefined when neither is set (access control off).
 */
export async function openAuth(config: Config, clock: Clock = systemClock): Promise<{ auth: AuthService; tiers: TierService; close(): Promise<void> } | undefined> {
  if (config.databaseUrl) {
    const { assertOneAccountHome } = await import('./postgres-database.js');
    assertOneAccountHome(config);
    const { createPostgresAuthStore } = await import('../adapters/postgres/auth/index.js');
    const { openPostgresHeraldStores } = await import('../adapters/postgres/herald-db/index.js');
    const { createBcryptPasswordHasher } = await import('../adapters/crypto/bcrypt-password-hasher.js');
    return onPostgres(config, async (database) => {
      const store = await createPostgresAuthStore({ database, clock });
      const herald = await openPostgresHeraldStores({ database, clock });
      const audit = new AuditTrail(herald.audit, clock, silentLogger);
      const auth = new AuthService({ store, hasher: createBcryptPasswordHasher({ cost: config.authBcryptCost }), clock, defaultAccess: config.authDefaultAccess, audit });
      const tiers = new TierService({ store, auth, audit });
      return { auth, tiers, close: async () => { await store.close(); await herald.close(); } };
    });
  }
  if (!config.authFile) return undefined;
  const { openHeraldDatabase } = await import('../adapters/sqlite/herald-db/open-herald-db.js');
  const { createSqliteAuthStore } = await import('../adapters/sqlite/auth/sqlite-auth-store.js');
  const { createBcryptPasswordHasher } = await import('../adapters/crypto/bcrypt-password-hasher.js');
  const db = await openHeraldDatabase({ file: config.databaseFile || ':memory:' });
  const store = await createSqliteAuthStore({ file: config.authFile });
  const audit = new AuditTrail(db.audit, clock, silentLogger);
  const auth = new AuthService({ store, hasher: createBcryptPasswordHasher({ cost: config.authBcryptCost }), clock, defaultAccess: config.authDefaultAccess, audit });
  const tiers = new TierService({ store, auth, audit });
  return { auth, tiers, close: async () => { await store.close(); await db.close(); } };
}

/** Opens the API keys of Herald's database (`database-url`, else `database-file`), for the `key` command. */
export async function openKeys(config: Config, clock: Clock = systemClock): Promise<{ keys: ApiKeyService; close(): Promise<void> }> {
  if (config.databaseUrl) {
    const { openPostgresHeraldStores } = await import('../adapters/postgres/herald-db/index.js');
    return onPostgres(config, async (database) => {
      const herald = await openPostgresHeraldStores({ database, clock });
      return { keys: new ApiKeyService(herald.keys, clock, new AuditTrail(herald.audit, clock, silentLogger)), close: () => herald.close() };
    });
  }
  const { openHeraldDatabase } = await import('../adapters/sqlite/herald-db/open-herald-db.js');
  const db = await openHeraldDatabase({ file: config.databaseFile || ':memory:' });
  const keys = new ApiKeyService(db.keys, clock, new AuditTrail(db.audit, clock, silentLogger));
  return { keys, close: () => db.close() };
}

/** Opens the pool, then the stores `open` builds on it; closing them closes the pool too, and so does a failure. */
async function onPostgres<T extends { close(): Promise<void> }>(config: Config, open: (database: PostgresDatabase) => Promise<T>): Promise<T> {
  const { openConfiguredPostgres } = await import('./postgres-database.js');
  const database = await openConfiguredPostgres(config, silentLogger);
  try {
    const stores = await open(database);
    return { ...stores, close: async () => { await stores.close(); await database.close(); } };
  } catch (err) {
    await database.close();
    throw err;
  }
}

/** A new VAPID key pair for `herald webpush keys`. */
export { generateVapidKeys } from '../adapters/providers/webpush/vapid.js';
