import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openPostgres } from '../../src/adapters/postgres/open-postgres.js';
import { createSqliteAuthStore } from '../../src/adapters/sqlite/auth/sqlite-auth-store.js';
import { openHeraldDatabase } from '../../src/adapters/sqlite/herald-db/open-herald-db.js';
import { createSqliteNotifyStore } from '../../src/adapters/sqlite/notify/sqlite-notify-store.js';
import { createSqlitePushStore } from '../../src/adapters/sqlite/push/sqlite-push-store.js';
import { createSqliteQueue } from '../../src/adapters/sqlite/queue/sqlite-queue.js';
import { createSqliteMessageCache } from '../../src/adapters/sqlite/message-cache/sqlite-message-cache.js';
import { herald, RunningCli } from '../helpers/cli.js';
import { killHeraldProcesses, spawnHerald } from '../helpers/herald-process.js';
import { assertSameInstallation, type SourceFiles } from '../helpers/migrate-compare.js';
import { freshPostgresSchema, serviceSkip } from '../helpers/services.js';
import { eventually } from '../helpers/wait.js';

/**
 * An interrupted `herald migrate` continues exactly: killed with SIGKILL mid-way (the PostgreSQL
 * transaction of the batch in flight dies with the connection) or stopped with Ctrl-C (it finishes
 * the batch in flight), the next run copies the rest, and the target ends up row for row equal to
 * the source, the keyless table (notify_sends) included.
 */

const skip = await serviceSkip('postgres');
const MESSAGES = 20_000;
const SENDS = 15_000;
const RECIPIENTS = 8_000;
const AUDIT = 4_000;
const TOTAL = MESSAGES + SENDS + RECIPIENTS + AUDIT + 1; // + the cache's counter row

function fileFlags(files: SourceFiles): string[] {
  return ['--cache-file', files.cache, '--auth-file', files.auth, '--database-file', files.database, '--queue-file', files.queue];
}

/** An installation made by the stores themselves (schemas, migrations), then filled in bulk. */
async function seedInstallation(dir: string): Promise<SourceFiles> {
  const files: SourceFiles = { cache: join(dir, 'cache.db'), auth: join(dir, 'auth.db'), database: join(dir, 'herald.db'), queue: join(dir, 'queue.db') };
  const cache = await createSqliteMessageCache({ file: files.cache, sync: 'normal', maxBatch: 1000, batchDelayMs: 0 });
  const time = Math.floor(Date.now() / 1000);
  await Promise.all(Array.from({ length: MESSAGES }, (_, i) =>
    cache.add({ id: `m${String(i).padStart(8, '0')}`, time, expires: time + 86_400, event: 'message', topic: `t${i % 7}`, message: `message ${i}`, ...(i % 1000 === 0 ? { title: 'with \u0000' } : {}) }, false)));
  await cache.close();
  await (await createSqliteAuthStore({ file: files.auth })).close();
  await (await openHeraldDatabase({ file: files.database })).close();
  await (await createSqliteQueue({ file: files.queue })).close();
  await (await createSqlitePushStore({ file: files.queue })).close();
  await (await createSqliteNotifyStore({ file: files.queue })).close();

  // Bulk rows straight into the tables the stores just made: the stores' one-at-a-time writes
  // would spend the test's time on fsyncs, not on the copy under test.
  const queue = new Database(files.queue);
  queue.transaction(() => {
    const send = queue.prepare('INSERT INTO notify_sends (subscriber_id, at, category) VALUES (?, ?, ?)');
    // Repeated rows on purpose: nothing but the copy's progress tells them apart.
    for (let i = 0; i < SENDS; i++) send.run(`s${i % 50}`, 1_000 + (i % 300), 'news');
    const recipient = queue.prepare(`INSERT INTO notify_recipients (notification_seq, subscriber_id, state, reason, plan, created_at, updated_at) VALUES (?, ?, 'queued', NULL, '{}', 1, 2)`);
    for (let i = 0; i < RECIPIENTS; i++) recipient.run(1 + Math.floor(i / 100), `sub-${i % 100}`);
  })();
  queue.close();
  const database = new Database(files.database);
  database.transaction(() => {
    const entry = database.prepare(`INSERT INTO audit (time, actor, action, target, address, details) VALUES (?, 'cli', 'user.add', ?, '', '{"n":1}')`);
    for (let i = 0; i < AUDIT; i++) entry.run(1_000 + i, `u${i}`);
  })();
  database.close();
  return files;
}

/** Rows committed so far according to the progress table (0 while it does not exist yet). */
async function copiedSoFar(pool: import('pg').Pool): Promise<number> {
  try {
    const { rows: [row] } = await pool.query<{ n: string | null }>('SELECT sum(rows) AS n FROM herald_migrate_progress');
    return Number(row?.n ?? 0);
  } catch {
    return 0;
  }
}

/** Each table holds exactly the rows its progress row counts: whole batches, nothing half-written. */
async function assertWholeBatches(pool: import('pg').Pool): Promise<number> {
  const { rows } = await pool.query<{ table_name: string; rows: string }>('SELECT table_name, rows FROM herald_migrate_progress');
  let total = 0;
  for (const row of rows) {
    const { rows: [count] } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM "${row.table_name}"`);
    assert.equal(Number(count!.n), Number(row.rows), `${row.table_name}: rows in the table vs the progress`);
    total += Number(row.rows);
  }
  return total;
}

describe('herald migrate: an interrupted copy continues exactly', { skip }, () => {
  let dir: string;
  let files: SourceFiles;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-migrate-resume-'));
    files = await seedInstallation(dir);
  });
  after(async () => {
    await killHeraldProcesses();
    rmSync(dir, { recursive: true, force: true });
  });

  it('SIGKILL mid-way, then a re-run: complete, row for row, no duplicate', async () => {
    const schema = await freshPostgresSchema('migrate sigkill');
    const database = await openPostgres({ url: schema.url, poolSize: 2 });
    try {
      const child = spawnHerald(['migrate', ...fileFlags(files), '--to', schema.url, '--batch-size', '100']);
      await eventually('some batches copied', async () => {
        if (child.child.exitCode !== null) throw new Error(`migrate ended before it was killed: ${child.stderr()}`);
        return (await copiedSoFar(database.pool)) >= 1_000;
      });
      assert.equal(await child.stop('SIGKILL'), null);
      const copied = await assertWholeBatches(database.pool);
      assert.ok(copied < TOTAL, `killed mid-way (${copied} of ${TOTAL} rows copied)`);

      const rerun = await herald(['migrate', ...fileFlags(files), '--to', schema.url, '--batch-size', '500']);
      assert.equal(rerun.code, 0, rerun.stderr);
      assert.match(rerun.stdout, new RegExp(`^${TOTAL - copied} rows copied in`, 'm'));
      const counts = await assertSameInstallation(database.pool, files);
      assert.equal(counts.notify_sends, SENDS);
      assert.equal(counts.messages, MESSAGES);
      assert.equal(await assertWholeBatches(database.pool), TOTAL);
    } finally {
      await database.close();
      await schema.drop();
    }
  });

  it('Ctrl-C stops after the batch in flight with exit 130; the next run finishes', async () => {
    const schema = await freshPostgresSchema('migrate sigint');
    const database = await openPostgres({ url: schema.url, poolSize: 2 });
    try {
      const run = new RunningCli(['migrate', ...fileFlags(files), '--to', schema.url, '--batch-size', '100']);
      await eventually('some batches copied', async () => (await copiedSoFar(database.pool)) >= 1_000);
      assert.equal(await run.stop('SIGINT'), 130, run.stderr);
      assert.match(run.stdout, /^Interrupted after \d+ rows .*run the same command again/m);
      const copied = await assertWholeBatches(database.pool);
      assert.ok(copied < TOTAL);

      const rerun = await herald(['migrate', ...fileFlags(files), '--to', schema.url]);
      assert.equal(rerun.code, 0, rerun.stderr);
      await assertSameInstallation(database.pool, files);
    } finally {
      await database.close();
      await schema.drop();
    }
  });
});
