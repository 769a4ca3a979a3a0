import type { EventEndpointStore } from '../../../ports/event-endpoint-store.js';
import { createEventEndpointQueries } from '../../sql/herald-db/event-endpoints.js';
import type { EventEndpointsDatabase } from '../../sql/herald-db/schema.js';
import type { PostgresDatabase } from '../open-postgres.js';
import { EVENT_ENDPOINT_MIGRATIONS } from './migrations.js';

export interface PostgresEventEndpointStoreOptions {
  /** The shared database handle (see openPostgres); the store uses its pool and does not close it. */
  database: PostgresDatabase;
}

/** The event endpoints on PostgreSQL: migrates `event_endpoints` and `event_attempts`, then answers with the queries it shares with SQLite. */
export async function createPostgresEventEndpointStore(options: PostgresEventEndpointStoreOptions): Promise<EventEndpointStore> {
  await options.database.migrate(EVENT_ENDPOINT_MIGRATIONS);
  return createEventEndpointQueries(options.database.kysely.withTables<EventEndpointsDatabase>());
}
