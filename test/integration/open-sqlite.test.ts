import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { openSqlite, type OpenSqliteOptions } from '../../src/adapters/sqlite/open-sqlite.js';
import { createSqliteNotifyStore } from '../../src/adapters/sqlite/notify/sqlite-notify-store.js';
import { createSqlitePushStore } from '../../src/adapters/sqlite/push/sqlite-push-store.js';
import { createSqliteQueue } from '../../src/adapters/sqlite/queue/sqlite-queue.js';

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-open-sqlite-'));
  try {
    await run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Two migrations that count how often each runs; `fail` makes the second one throw. */
function countingMigrations(options: { fail?: boolean } = {}) {
  const runs = { first: 0, second: 0 };
  const migrations: Record<string, Migration> = {
    '0001_first': {
      async up(db: Kysely<unknown>) {
        runs.first++;
        await sql`CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT NOT NULL)`.execute(db);
      },
    },
    '0002_second': {
      async up(db: Kysely<unknown>) {
        runs.second++;
        await sql`CREATE INDEX things_name ON things (name)`.execute(db);
        if (options.fail) throw new Error('second migration broke');
      },
    },
  };
  const provider: MigrationProvider = { getMigrations: async () => migrations };
  return { runs, migrations: { provider, migrationTableName: 'test_migration', migrationLockTableName: 'test_migration_lock' } };
}

function options(file: string, extra: Partial<OpenSqliteOptions> = {}): OpenSqliteOptions {
  return { file, synchronous: 'NORMAL', migrations: countingMigrations().migrations, ...extra };
}

/** Descriptors this process holds on `file` (Linux); undefined where /proc is not there to ask. */
function descriptorsOn(file: string): number | undefined {
  if (!existsSync('/proc/self/fd')) return undefined;
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === file) n++;
    } catch {
      // closed between the listing and the read
    }
  }
  return n;
}

describe('openSqlite', () => {
  it('creates the directory and applies WAL, the sync level, the busy timeout and the extra pragmas', async () => {
    await withDir(async (dir) => {
      const file = join(dir, 'a', 'b', 'test.db');
      const conn = await openSqlite(options(file, { synchronous: 'NORMAL', foreignKeys: true, pragmas: ['wal_autocheckpoint = 1234'] }));
      try {
        assert.equal(conn.sqlite.pragma('journal_mode', { simple: true }), 'wal');
        assert.equal(conn.sqlite.pragma('synchronous', { simple: true }), 1);
        assert.equal(conn.sqlite.pragma('busy_timeout', { simple: true }), 15000);
        assert.equal(conn.sqlite.pragma('foreign_keys', { simple: true }), 1);
        assert.equal(conn.sqlite.pragma('wal_autocheckpoint', { simple: true }), 1234);
      } finally {
        await conn.close();
      }
      const full = await openSqlite(options(file, { synchronous: 'FULL' }));
      try {
        assert.equal(full.sqlite.pragma('synchronous', { simple: true }), 2);
      } finally {
        await full.close();
      }
    });
  });

  it('synced() commits with synchronous = FULL and restores the level, even when the write throws', async () => {
    const conn = await openSqlite(options(':memory:'));
    try {
      const level = () => conn.sqlite.pragma('synchronous', { simple: true });
      assert.equal(conn.synced(level), 2);
      assert.equal(level(), 1);
      assert.throws(() => conn.synced(() => { throw new Error('write failed'); }), /write failed/);
      assert.equal(level(), 1);
    } finally {
      await conn.close();
    }
  });

  it('runs each migration once, recording it in the named tables, and reopens without running it again', async () => {
    await withDir(async (dir) => {
      const file = join(dir, 'test.db');
      const { runs, migrations } = countingMigrations();
      await (await openSqlite(options(file, { migrations }))).close();
      const second = await openSqlite(options(file, { migrations }));
      const third = await openSqlite(options(file, { migrations }));
      await second.close();
      await third.close();
      assert.deepEqual(runs, { first: 1, second: 1 });
      const raw = new Database(file, { readonly: true });
      try {
        const tables = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
        assert.deepEqual(tables, ['test_migration', 'test_migration_lock', 'things']);
        assert.deepEqual(raw.prepare('SELECT name FROM test_migration ORDER BY name').pluck().all(), ['0001_first', '0002_second']);
      } finally {
        raw.close();
      }
    });
  });

  it('gives every :memory: open a database of its own', async () => {
    const { runs, migrations } = countingMigrations();
    const a = await openSqlite(options(':memory:', { migrations }));
    const b = await openSqlite(options(':memory:', { migrations }));
    try {
      a.sqlite.prepare("INSERT INTO things (name) VALUES ('only in a')").run();
      assert.equal(b.sqlite.prepare('SELECT count(*) FROM things').pluck().get(), 0);
      assert.deepEqual(runs, { first: 2, second: 2 });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('close is idempotent and closes the file even when only prepared statements ran on it', async () => {
    await withDir(async (dir) => {
      const file = join(dir, 'test.db');
      await (await openSqlite(options(file))).close();
      // Reopening an up-to-date file runs no Kysely query at all, the case Kysely's destroy skips.
      const conn = await openSqlite(options(file));
      const first = conn.close();
      assert.equal(conn.close(), first);
      await first;
      await conn.close();
      assert.equal(conn.sqlite.open, false);
    });
  });

  it('a failed migration rolls back whole and closes the connection', async () => {
    await withDir(async (dir) => {
      const file = join(dir, 'test.db');
      const broken = countingMigrations({ fail: true });
      await assert.rejects(openSqlite(options(file, { migrations: broken.migrations })), /second migration broke/);
      assert.equal(descriptorsOn(file) ?? 0, 0);
      const raw = new Database(file, { readonly: true });
      try {
        assert.equal(raw.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'things'").pluck().get(), 0);
      } finally {
        raw.close();
      }
      // Fixed, it opens and migrates from the start.
      const fixed = countingMigrations();
      await (await openSqlite(options(file, { migrations: fixed.migrations }))).close();
      assert.deepEqual(fixed.runs, { first: 1, second: 1 });
    });
  });

  it('names the file when its directory cannot be made', async () => {
    await withDir(async (dir) => {
      const blocker = join(dir, 'not-a-dir');
      writeFileSync(blocker, 'a file where a directory should be');
      const file = join(blocker, 'test.db');
      await assert.rejects(openSqlite(options(file)), (err: Error) => {
        assert.match(err.message, /^cannot open SQLite database /);
        assert.ok(err.message.includes(file), err.message);
        assert.ok(err.cause instanceof Error);
        return true;
      });
    });
  });

  it('names the file when it is a directory or not a database', async () => {
    await withDir(async (dir) => {
      await assert.rejects(openSqlite(options(dir)), (err: Error) => {
        assert.ok(err.message.startsWith(`cannot open SQLite database ${dir}: `), err.message);
        return true;
      });
      const garbage = join(dir, 'garbage.db');
      writeFileSync(garbage, 'this is not a SQLite database, only some text that is long enough to have a header'.repeat(20));
      await assert.rejects(openSqlite(options(garbage)), (err: Error) => {
        assert.ok(err.message.startsWith(`cannot open SQLite database ${garbage}: `), err.message);
        assert.match(err.message, /not a database/);
        return true;
      });
      assert.equal(descriptorsOn(garbage) ?? 0, 0);
    });
  });
});

describe('stores opened with openSqlite', () => {
  it('release the queue file on close, when they reopen a file that is already migrated', { skip: descriptorsOn(tmpdir()) === undefined && 'needs /proc/self/fd' }, async () => {
    await withDir(async (dir) => {
      const file = join(dir, 'queue.db');
      const open = async () => [
        await createSqliteQueue({ file }),
        await createSqlitePushStore({ file }),
        await createSqliteNotifyStore({ file }),
      ];
      for (const store of await open()) await store.close();
      for (const store of await open()) await store.close();
      assert.equal(descriptorsOn(file), 0);
    });
  });
});
