import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/** One store's versioned migrations and the tables that record which ones ran. */
export interface PostgresMigrations {
  /** Migrations by name, applied in name order (`0001_…`, `0002_…`). */
  provider: MigrationProvider;
  /** Records the applied migrations, e.g. `herald_queue_migration`; one per store. */
  migrationTableName: string;
  /** Kysely's lock-row table, e.g. `herald_queue_migration_lock`. */
  migrationLockTableName: string;
}

/**
 * Applies the pending migrations of one store in the schema the connection's `search_path` selects.
 *
 * Several nodes starting at once on an empty database must migrate once. Kysely's migrator locks
 * only around applying migrations, after it has created its bookkeeping tables, and both its
 * migrations and a node waiting for its lock are subject to `statement_timeout`: a migration that
 * runs longer than that fails, and so does the start of every node waiting behind it. So the whole
 * run happens on one connection with the statement timeout lifted, which first takes Herald's own
 * session advisory lock, keyed by the schema; the other nodes wait on that lock, then find nothing
 * left to do. Each migration runs in Kysely's transaction, so a failed one leaves nothing half
 * applied. The lock dies with the session if the process does.
 */
export async function migratePostgres(db: Kysely<unknown>, m: PostgresMigrations): Promise<void> {
  await db.connection().execute(async (conn) => {
    await sql`SET statement_timeout = 0`.execute(conn);
    try {
      await sql`SELECT pg_advisory_lock(hashtextextended('herald:migrate:' || coalesce(current_schema(), ''), 0))`.execute(conn);
      try {
        // Kysely looks for its bookkeeping tables in every schema of the database unless it is
        // named: another installation's (or test's) tables in another schema would pass for ours.
        const schema = await currentSchema(conn);
        const migrator = new Migrator({
          db: conn,
          provider: m.provider,
          migrationTableName: m.migrationTableName,
          migrationLockTableName: m.migrationLockTableName,
          migrationTableSchema: schema,
        });
        // Kysely finds its bookkeeping tables by listing the tables of every schema, resolving each
        // schema by name; a schema that another client drops meanwhile (tests dropping theirs
        // beside us) fails that listing with 3F000. Nothing was applied then, and the lock is still
        // ours: run it again. Only while our own schema is there: a missing one of ours is an error.
        for (let attempt = 1; ; attempt++) {
          const { error } = await migrator.migrateToLatest();
          if (!error) break;
          if (attempt >= 5 || (error as { code?: unknown }).code !== '3F000' || String((error as Error).message).includes(`"${schema}"`)) throw error;
        }
      } finally {
        await sql`SELECT pg_advisory_unlock(hashtextextended('herald:migrate:' || coalesce(current_schema(), ''), 0))`.execute(conn);
      }
    } finally {
      // Back to the session's value from the connection settings, for the pool's next user.
      await sql`RESET statement_timeout`.execute(conn);
    }
  });
}

/** The schema the migration creates its tables in (the first of the connection's search_path). */
export async function currentSchema(db: Kysely<unknown>): Promise<string> {
  const { rows } = await sql<{ schema: string | null }>`SELECT current_schema() AS schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('no schema to migrate into: the search_path names none that exists');
  return schema;
}

/**
 * One store's migrations, recorded in bookkeeping tables of its own (`<name>_migration`,
 * `<name>_migration_lock`) so that every store may share one schema with the others.
 */
export function storeMigrations(name: string, migrations: Record<string, Migration>): PostgresMigrations {
  return {
    provider: { getMigrations: () => Promise.resolve(migrations) },
    migrationTableName: `${name}_migration`,
    migrationLockTableName: `${name}_migration_lock`,
  };
}
