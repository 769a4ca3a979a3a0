import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely, type MigrationProvider } from 'kysely';
import { openPostgres } from '../../src/adapters/postgres/open-postgres.js';
import type { Logger } from '../../src/ports/logger.js';
import { freshPostgresSchema, serviceSkip } from '../helpers/services.js';
import { freePort } from '../helpers/ports.js';
import { eventually } from '../helpers/wait.js';

const skip = await serviceSkip('postgres');

/** A logger that keeps what it is given, to check what reaches the logs. */
function capturingLogger(): Logger & { lines: { obj: object; msg?: string }[] } {
  const lines: { obj: object; msg?: string }[] = [];
  const keep = (obj: object, msg?: string) => void lines.push({ obj, msg });
  return { lines, debug: keep, info: keep, warn: keep, error: keep };
}

describe('openPostgres', { skip }, () => {
  it('applies the pool size, statement timeout and application name, and closes idempotently', async () => {
    const schema = await freshPostgresSchema('postgres-database settings');
    const db = await openPostgres({ url: schema.url, poolSize: 3, statementTimeoutMs: 1500, applicationName: 'herald-settings-test' });
    try {
      assert.equal(db.pool.options.max, 3);
      const { rows } = await db.pool.query<{ timeout: string; app: string; schema: string }>(
        "SELECT current_setting('statement_timeout') AS timeout, current_setting('application_name') AS app, current_schema() AS schema",
      );
      assert.deepEqual(rows[0], { timeout: '1500ms', app: 'herald-settings-test', schema: schema.schema });
      // The Kysely instance runs on the same pool, in the same schema.
      const viaKysely = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(db.kysely);
      assert.equal(viaKysely.rows[0].schema, schema.schema);
    } finally {
      await db.close();
      await db.close();
      await schema.drop();
    }
  });

  it('fails at open with the URL but never the password when the server cannot be reached', async () => {
    const port = await freePort();
    await assert.rejects(openPostgres({ url: `postgres://herald:pg-s3cret@127.0.0.1:${port}/herald`, connectTimeoutMs: 5000 }), (err: Error) => {
      assert.match(err.message, new RegExp(`cannot connect to PostgreSQL at postgres://herald:\\*\\*\\*@127\\.0\\.0\\.1:${port}/herald`));
      assert.doesNotMatch(err.message, /pg-s3cret/);
      return true;
    });
  });

  it('honours sslmode from the URL and never shows the password when TLS fails', async () => {
    const schema = await freshPostgresSchema('postgres-database sslmode');
    try {
      const url = new URL(schema.url);
      url.username = 'postgres';
      url.password = 'pg-s3cret';
      url.searchParams.set('sslmode', 'require');
      const probe = await openPostgres({ url: schema.url, poolSize: 1 });
      const serverTls = (await probe.pool.query<{ ssl: string }>('SHOW ssl')).rows[0].ssl === 'on';
      await probe.close();
      if (serverTls) {
        const db = await openPostgres({ url: url.toString(), poolSize: 1 });
        const { rows } = await db.pool.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
        assert.equal(rows[0].ssl, true);
        await db.close();
      } else {
        // The machine's server has TLS off: sslmode=require must refuse plain text, not fall back.
        await assert.rejects(openPostgres({ url: url.toString(), poolSize: 1 }), (err: Error) => {
          assert.match(err.message, /cannot connect to PostgreSQL at postgres:\/\/postgres:\*\*\*@/);
          assert.match(err.message, /SSL/);
          assert.doesNotMatch(err.message, /pg-s3cret/);
          return true;
        });
      }
    } finally {
      await schema.drop();
    }
  });

  it('names an unreadable database-ca-file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-pg-ca-'));
    try {
      await assert.rejects(openPostgres({ url: 'postgres://postgres@127.0.0.1:5432/test', caFile: join(dir, 'missing-ca.pem') }), /cannot read database-ca-file .*missing-ca\.pem/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('survives an idle connection killed by the server: logs it, without the URL password, and carries on', async () => {
    const schema = await freshPostgresSchema('postgres-database idle error');
    const logger = capturingLogger();
    const app = `herald-idle-${randomBytes(4).toString('hex')}`;
    const url = new URL(schema.url);
    url.password = 'pg-s3cret';
    const db = await openPostgres({ url: url.toString(), poolSize: 2, applicationName: app, logger });
    const admin = await openPostgres({ url: schema.url, poolSize: 1 });
    try {
      const killed = await admin.pool.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [app]);
      assert.equal(killed.rowCount, 1, 'the pool keeps its idle connection');
      await eventually('the pool to report the lost connection', () => logger.lines.some((line) => line.msg?.includes('idle PostgreSQL connection failed')));
      assert.doesNotMatch(JSON.stringify(logger.lines), /pg-s3cret/);
      assert.equal((await db.pool.query<{ one: number }>('SELECT 1 AS one')).rows[0].one, 1);
    } finally {
      await admin.close();
      await db.close();
      await schema.drop();
    }
  });
});

describe('PostgreSQL migrations at start', { skip }, () => {
  it('three nodes starting at once run a slow migration once, none failing on the statement timeout', async () => {
    const schema = await freshPostgresSchema('postgres-database slow migration');
    const app = `herald-migrate-${randomBytes(4).toString('hex')}`;
    // The migration waits on a table the test holds locked, so it takes as long as the test says
    // and the three starts overlap for certain, without the test sleeping.
    const gate = await openPostgres({ url: schema.url, poolSize: 2 });
    await gate.pool.query('CREATE TABLE gate (x integer)');
    const holder = await gate.pool.connect();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE gate IN ACCESS EXCLUSIVE MODE');

    let runs = 0;
    const provider: MigrationProvider = {
      async getMigrations() {
        return {
          '0001_slow': {
            async up(db: Kysely<unknown>) {
              runs++;
              await sql`SELECT count(*) FROM gate`.execute(db);
              // Not idempotent on purpose: a second run would fail here.
              await sql`CREATE TABLE migrated (n integer)`.execute(db);
            },
          },
        };
      },
    };
    const migrations = { provider, migrationTableName: 'test_migration', migrationLockTableName: 'test_migration_lock' };
    const statementTimeoutMs = 100;
    const nodes = await Promise.all(Array.from({ length: 3 }, () => openPostgres({ url: schema.url, poolSize: 2, statementTimeoutMs, applicationName: app })));
    try {
      const started = nodes.map((db) => db.migrate(migrations));
      const failed = Promise.race(started.map((p) => p.then(() => new Promise<never>(() => {}))));
      // All three are waiting (one on the gate, two on the migration lock) for well over the
      // statement timeout, as the server measures it.
      await Promise.race([
        failed,
        eventually('three starts waiting past the statement timeout', async () => {
          const { rows } = await gate.pool.query<{ waiting: number }>(
            `SELECT count(*)::integer AS waiting FROM pg_stat_activity
             WHERE application_name = $1 AND wait_event_type IN ('Lock', 'Advisory') AND now() - query_start > $2 * interval '1 millisecond'`,
            [app, statementTimeoutMs * 4],
          );
          return rows[0].waiting === 3;
        }),
      ]);
      await holder.query('COMMIT');
      await Promise.all(started);
      assert.equal(runs, 1);
      const applied = await gate.pool.query<{ name: string }>('SELECT name FROM test_migration');
      assert.deepEqual(applied.rows.map((row) => row.name), ['0001_slow']);
      // The connections that migrated went back to the pool with the configured timeout.
      for (const db of nodes) {
        const settings = await Promise.all([0, 1].map(() => db.pool.query<{ timeout: string }>("SELECT current_setting('statement_timeout') AS timeout")));
        for (const { rows } of settings) assert.equal(rows[0].timeout, `${statementTimeoutMs}ms`);
      }
    } finally {
      await holder.query('ROLLBACK').catch(() => {});
      holder.release();
      for (const db of nodes) await db.close();
      await gate.close();
      await schema.drop();
    }
  });
});
