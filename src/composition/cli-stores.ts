import { createBcryptPasswordHasher } from '../adapters/crypto/bcrypt-password-hasher.js';
import { openHeraldDatabase } from '../adapters/sqlite/herald-db/open-herald-db.js';
import { createSqliteAuthStore } from '../adapters/sqlite/auth/sqlite-auth-store.js';
import type { Config } from '../config/index.js';
import { AuditTrail } from '../core/audit/audit-trail.js';
import { AuthService } from '../core/auth/auth-service.js';
import { ApiKeyService } from '../core/keys/api-key-service.js';
import { systemClock, type Clock } from '../ports/clock.js';
import { silentLogger } from '../ports/logger.js';

/**
 * The stores the offline CLI commands (`user`, `access`, `token`, `key`, `webpush keys`) work on,
 * composed apart from main.ts so that a command loads SQLite and the domain it needs, not the
 * HTTP server, the providers and the delivery threads (about half a second less per call).
 */

/**
 * Opens the account database of `auth-file` (undefined when it is unset): used by the server
 * and by the `user`, `access` and `token` commands, which work on the same file.
 */
export async function openAuth(config: Config, clock: Clock = systemClock): Promise<{ auth: AuthService; close(): Promise<void> } | undefined> {
  if (!config.authFile) return undefined;
  const db = await openHeraldDatabase({ file: config.databaseFile || ':memory:' });
  const store = await createSqliteAuthStore({ file: config.authFile });
  const audit = new AuditTrail(db.audit, clock, silentLogger);
  const auth = new AuthService({ store, hasher: createBcryptPasswordHasher(), clock, defaultAccess: config.authDefaultAccess, audit });
  return { auth, close: async () => { await store.close(); await db.close(); } };
}

/** Opens the API keys of Herald's database, for the `key` command. */
export async function openKeys(config: Config, clock: Clock = systemClock): Promise<{ keys: ApiKeyService; close(): Promise<void> }> {
  const db = await openHeraldDatabase({ file: config.databaseFile || ':memory:' });
  const keys = new ApiKeyService(db.keys, clock, new AuditTrail(db.audit, clock, silentLogger));
  return { keys, close: () => db.close() };
}

/** A new VAPID key pair for `herald webpush keys`. */
export { generateVapidKeys } from '../adapters/providers/webpush/vapid.js';
