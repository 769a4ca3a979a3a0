import type { ApiKeyStore } from '../../../ports/api-key-store.js';
import type { AuditLog } from '../../../ports/audit-log.js';
import type { Clock } from '../../../ports/clock.js';
import type { DeviceStore } from '../../../ports/device-store.js';
import type { EventEndpointStore } from '../../../ports/event-endpoint-store.js';
import type { ServerSecret } from '../../sql/herald-db/server-secrets.js';
import { createPostgresDeviceStore } from '../devices/index.js';
import type { PostgresDatabase } from '../open-postgres.js';
import { createPostgresApiKeyStore } from './postgres-api-key-store.js';
import { createPostgresAuditLog } from './postgres-audit-log.js';
import { createPostgresEventEndpointStore } from './postgres-event-endpoint-store.js';
import { createPostgresServerSecrets } from './postgres-server-secrets.js';

export interface OpenPostgresHeraldStoresOptions {
  /** The shared database handle (see openPostgres); the stores use its pool and never close it. */
  database: PostgresDatabase;
  /** Source of the secrets' creation times; default the system clock. */
  clock?: Clock;
}

/** PostgreSQL's counterpart of openHeraldDatabase's stores. */
export interface PostgresHeraldStores {
  keys: ApiKeyStore;
  audit: AuditLog;
  devices: DeviceStore;
  /** Event endpoints (event webhooks for app backends) and their recent attempts. */
  eventEndpoints: EventEndpointStore;
  /** The secret stored under `name`, created with `generate` on first use (and kept from then on); every node gets the same. */
  secret: ServerSecret;
  /** Writes the audit entries still gathering; idempotent. The database stays open: its owner closes it. */
  close(): Promise<void>;
}

/** Migrates and opens the API keys, the audit log, the device registry and the server's secrets on one PostgreSQL database. */
export async function openPostgresHeraldStores(options: OpenPostgresHeraldStoresOptions): Promise<PostgresHeraldStores> {
  const { database, clock } = options;
  // One after the other: each migrates under the same advisory lock anyway.
  const keys = await createPostgresApiKeyStore({ database });
  const audit = await createPostgresAuditLog({ database });
  const devices = await createPostgresDeviceStore({ database });
  const eventEndpoints = await createPostgresEventEndpointStore({ database });
  const secret = await createPostgresServerSecrets({ database, ...(clock ? { clock } : {}) });
  let closed: Promise<void> | undefined;
  return {
    keys,
    audit,
    devices,
    eventEndpoints,
    secret,
    close() {
      closed ??= audit.flush();
      return closed;
    },
  };
}
