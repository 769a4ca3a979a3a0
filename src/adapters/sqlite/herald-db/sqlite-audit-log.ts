import type { Kysely } from 'kysely';
import { createAuditQueries, deleteAuditBefore, type BatchedAuditLog } from '../../sql/herald-db/audit-log.js';
import type { AuditDatabase } from '../../sql/herald-db/schema.js';
import type { HeraldDatabase } from './schema.js';

/**
 * The audit log of Herald's database, on a connection that openHeraldDatabase owns and closes.
 * There is deliberately no update path, and a trigger refuses UPDATE from any other client; DELETE
 * stays open to any client, since the file is the operator's (retention prunes by time).
 */
export function createSqliteAuditLog(db: Kysely<HeraldDatabase>): BatchedAuditLog {
  // Kysely<DB> is invariant in DB, so the connection typed for the whole file is narrowed to the one table these queries use.
  const audit = db as unknown as Kysely<AuditDatabase>;
  return createAuditQueries(audit, (time) => deleteAuditBefore(audit, time));
}
