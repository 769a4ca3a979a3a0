import { systemClock, type Clock } from '../../../ports/clock.js';
import { createServerSecrets, type ServerSecret } from '../../sql/herald-db/server-secrets.js';
import type { ServerSecretsDatabase } from '../../sql/herald-db/schema.js';
import type { PostgresDatabase } from '../open-postgres.js';
import { SERVER_SECRET_MIGRATIONS } from './migrations.js';

export interface PostgresServerSecretsOptions {
  database: PostgresDatabase;
  /** Source of a secret's creation time; default the system clock. */
  clock?: Clock;
}

/**
 * The server's secrets on PostgreSQL. Nodes starting together agree on one value per name: the
 * later insert waits on the primary key for the first one's commit, then does nothing, and reads
 * the winner's value.
 */
export async function createPostgresServerSecrets(options: PostgresServerSecretsOptions): Promise<ServerSecret> {
  const clock = options.clock ?? systemClock;
  await options.database.migrate(SERVER_SECRET_MIGRATIONS);
  return createServerSecrets(options.database.kysely.withTables<ServerSecretsDatabase>(), () => clock.now());
}
