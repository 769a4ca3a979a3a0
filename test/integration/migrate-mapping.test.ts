import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SOURCE_MIGRATIONS, TARGET_MIGRATIONS } from '../../src/adapters/migrate/installation.js';
import { TABLES, TARGET_ONLY, type SourceName } from '../../src/adapters/migrate/tables.js';
import { openPostgres } from '../../src/adapters/postgres/open-postgres.js';
import { migrateLocked } from '../../src/adapters/sqlite/locked-migrate.js';
import { openSqlite } from '../../src/adapters/sqlite/open-sqlite.js';
import { freshPostgresSchema, serviceSkip } from '../helpers/services.js';

/**
 * The mapping of `herald migrate` covers every table the stores create, on both sides: a store
 * that gains a table (a new migration) without a line in tables.ts fails here, not in an operator's
 * move. (Columns are checked by the command itself before it copies; migrate.postgres.test.ts
 * runs that check on a full installation.)
 */

const dir = mkdtempSync(join(tmpdir(), 'herald-migrate-mapping-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('herald migrate: the mapping covers every table', () => {
  it('of each SQLite file', async () => {
    for (const [source, migrations] of Object.entries(SOURCE_MIGRATIONS) as [SourceName, typeof SOURCE_MIGRATIONS[SourceName]][]) {
      const connection = await openSqlite<unknown>({ file: join(dir, `${source}.db`), synchronous: 'NORMAL', migrations: migrations[0]! });
      try {
        for (const m of migrations.slice(1)) await migrateLocked(connection.sqlite, connection.db, m);
        const bookkeeping = new Set(migrations.flatMap((m) => [m.migrationTableName, m.migrationLockTableName]));
        const tables = (connection.sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).pluck().all() as string[])
          .filter((t) => !bookkeeping.has(t)).sort();
        assert.deepEqual(tables, TABLES.filter((m) => m.source === source).map((m) => m.table).sort(), `tables of the ${source} file`);
      } finally {
        await connection.close();
      }
    }
  });

  it('of the PostgreSQL schema', async (t) => {
    const skip = await serviceSkip('postgres');
    if (skip) return t.skip(skip);
    const schema = await freshPostgresSchema('migrate mapping');
    const database = await openPostgres({ url: schema.url, poolSize: 2 });
    try {
      for (const m of TARGET_MIGRATIONS) await database.migrate(m);
      const bookkeeping = new Set(TARGET_MIGRATIONS.flatMap((m) => [m.migrationTableName, m.migrationLockTableName]));
      const { rows } = await database.pool.query<{ name: string }>(
        `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`,
      );
      const tables = rows.map((r) => r.name).filter((n) => !bookkeeping.has(n) && !TARGET_ONLY.includes(n)).sort();
      assert.deepEqual(tables, TABLES.map((m) => m.table).sort());
    } finally {
      await database.close();
      await schema.drop();
    }
  });
});
