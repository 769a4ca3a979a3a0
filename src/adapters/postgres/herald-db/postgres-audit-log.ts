import { sql } from 'kysely';
import { createAuditQueries, deleteAuditBefore, type BatchedAuditLog } from '../../sql/herald-db/audit-log.js';
import type { AuditDatabase } from '../../sql/herald-db/schema.js';
import type { PostgresDatabase } from '../open-postgres.js';
import { AUDIT_MIGRATIONS } from './migrations.js';

export interface PostgresAuditLogOptions {
  /** The shared database handle (see openPostgres); the log uses its pool and does not close it. */
  database: PostgresDatabase;
}

/**
 * The audit log on PostgreSQL: migrates `audit` (append-only by trigger), then answers with the
 * queries it shares with SQLite. Appends gather for a few milliseconds into one multi-row insert;
 * `flush()` writes what is gathering (call it before closing the database).
 */
export async function createPostgresAuditLog(options: PostgresAuditLogOptions): Promise<BatchedAuditLog> {
  await options.database.migrate(AUDIT_MIGRATIONS);
  const db = options.database.kysely.withTables<AuditDatabase>();
  return createAuditQueries(db, (time) =>
    // The trigger lets a DELETE through only in a transaction that has said it is the prune.
    db.transaction().execute(async (trx) => {
      await sql`SELECT set_config('herald.audit_prune', 'on', true)`.execute(trx);
      return deleteAuditBefore(trx, time);
    }));
}
