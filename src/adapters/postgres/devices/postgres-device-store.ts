import { sql } from 'kysely';
import type { DeviceStore } from '../../../ports/device-store.js';
import { createDeviceQueries } from '../../sql/devices/device-queries.js';
import type { DevicesDatabase } from '../../sql/devices/schema.js';
import { postgresConstraintBroken } from '../constraint-errors.js';
import type { PostgresDatabase } from '../open-postgres.js';
import { prepareAudience } from './audience.js';
import { DEVICE_MIGRATIONS } from './migrations.js';

export interface PostgresDeviceStoreOptions {
  /** The shared database handle (see openPostgres); the store uses its pool and does not close it. */
  database: PostgresDatabase;
}

/** SQLSTATEs of a transaction that lost to a concurrent one and may simply run again. */
const DEADLOCK = '40P01';
const SERIALIZATION_FAILURE = '40001';

/**
 * The push device registry on PostgreSQL: migrates its tables (under the advisory lock), then
 * answers with the queries it shares with SQLite and its own audience paging, on the shared pool.
 */
export async function createPostgresDeviceStore(options: PostgresDeviceStoreOptions): Promise<DeviceStore> {
  const { database } = options;
  await database.migrate(DEVICE_MIGRATIONS);
  const db = database.kysely.withTables<DevicesDatabase>();
  const queries = createDeviceQueries(db, {
    topicsOfDevice: sql`ARRAY(SELECT topic FROM device_topics WHERE device_id = devices.id ORDER BY topic)`,
    rowLocks: true,
    isRegistrationRace(err) {
      const code = (err as { code?: unknown } | null)?.code;
      return postgresConstraintBroken(err) === 'unique' || code === DEADLOCK || code === SERIALIZATION_FAILURE;
    },
    async serialize(trx, key) {
      // Keyed by the schema too, so installations sharing a database never wait for each other.
      await sql`SELECT pg_advisory_xact_lock(hashtextextended('herald:devices:' || coalesce(current_schema(), '') || ':' || ${key}, 0))`.execute(trx);
    },
  });
  return { ...queries, ...prepareAudience(database.pool, db) };
}
