import type { DeviceTopicsTable, DevicesTable, UserTopicsTable } from '../../sql/devices/schema.js';
import type { ApiKeysTable, AuditTable, EventAttemptsTable, EventEndpointsTable, ServerSecretsTable } from '../../sql/herald-db/schema.js';

/**
 * Kysely's view of Herald's own database (`database-file`); migrations.ts creates exactly these
 * tables. Every one of them is reached through queries SQLite shares with PostgreSQL, so their
 * row types live beside those queries (src/adapters/sql/herald-db/, src/adapters/sql/devices/).
 */
export type { ApiKeysTable, AuditTable, DeviceTopicsTable, DevicesTable, ServerSecretsTable, UserTopicsTable };

export interface HeraldDatabase {
  api_keys: ApiKeysTable;
  audit: AuditTable;
  devices: DevicesTable;
  device_topics: DeviceTopicsTable;
  user_topics: UserTopicsTable;
  server_secrets: ServerSecretsTable;
  event_endpoints: EventEndpointsTable;
  event_attempts: EventAttemptsTable;
}
