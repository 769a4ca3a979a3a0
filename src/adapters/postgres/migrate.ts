import { Migrator, sql, type DatabaseIntrospector, type Kysely, type Migration, type MigrationProvider, type TableMetadata } from 'kysely';

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
        // Kysely looks for its bookkeeping tables by listing the tables of every schema of the
        // database. Another installation's (or test's) tables in another schema would pass for
        // ours, and a table or schema that another client drops meanwhile fails the listing. So
        // the migrator sees only our schema, and a listing of it read from the catalog by name.
        const schema = await currentSchema(conn);
        const migrator = new Migrator({
          db: withSchemaScopedIntrospection(conn, schema),
          provider: m.provider,
          migrationTableName: m.migrationTableName,
          migrationLockTableName: m.migrationLockTableName,
          migrationTableSchema: schema,
        });
        const { error } = await migrator.migrateToLatest();
        if (error) throw error;
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
 * The same connection, but its `introspection` lists one schema only. Everything else is the
 * connection's own, bound to it: Kysely keeps its state in private fields a proxy cannot reach.
 */
function withSchemaScopedIntrospection(db: Kysely<unknown>, schema: string): Kysely<unknown> {
  const introspection: DatabaseIntrospector = {
    async getSchemas() {
      const { rows } = await sql<{ name: string }>`SELECT nspname AS name FROM pg_catalog.pg_namespace WHERE nspname = ${schema}`.execute(db);
      return rows;
    },
    async getTables() {
      const { rows } = await sql<{ name: string; is_view: boolean }>`
        SELECT c.relname AS name, c.relkind = 'v' AS is_view
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ${schema} AND c.relkind IN ('r', 'p', 'v')`.execute(db);
      return rows.map((row): TableMetadata => ({ name: row.name, schema, isView: row.is_view, columns: [] }));
    },
    async getMetadata() {
      return { tables: await this.getTables() };
    },
  };
  return new Proxy(db, {
    get(target, property) {
      if (property === 'introspection') return introspection;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
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
