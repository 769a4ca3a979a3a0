/**
 * The PostgreSQL counterparts of the stores of SQLite's `database-file`: API keys (`api_keys`),
 * the audit log (`audit`) and the server's secrets (`server_secrets`), each with its own numbered
 * migrations, run under the advisory lock of migrate.ts. Their queries are SQLite's own
 * (src/adapters/sql/herald-db/): a few statements per admin action or API call, written once with
 * Kysely (docs/storage.md). openPostgresHeraldStores also opens the device registry, whose store
 * lives in ../devices/.
 *
 * The audit log is append-only for every client of the database: a statement trigger refuses
 * UPDATE and TRUNCATE, and DELETE except in a transaction that set `herald.audit_prune` (which
 * only the retention prune does). Times are Herald's (the caller's entry times, the injected
 * Clock for secrets), never the server's now().
 */
export { createPostgresApiKeyStore, type PostgresApiKeyStoreOptions } from './postgres-api-key-store.js';
export { createPostgresAuditLog, type PostgresAuditLogOptions } from './postgres-audit-log.js';
export { createPostgresEventEndpointStore, type PostgresEventEndpointStoreOptions } from './postgres-event-endpoint-store.js';
export { createPostgresServerSecrets, type PostgresServerSecretsOptions } from './postgres-server-secrets.js';
export { openPostgresHeraldStores, type OpenPostgresHeraldStoresOptions, type PostgresHeraldStores } from './open-postgres-herald-stores.js';
