import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { createSqliteAuthStore } from '../../src/adapters/sqlite/auth/sqlite-auth-store.js';
import { HERALD_DB_MIGRATION_LOCK_TABLE, HERALD_DB_MIGRATION_TABLE, heraldDbMigrations } from '../../src/adapters/sqlite/herald-db/migrations.js';
import { openHeraldDatabase } from '../../src/adapters/sqlite/herald-db/open-herald-db.js';
import { createSqliteMessageCache } from '../../src/adapters/sqlite/message-cache/sqlite-message-cache.js';
import type { ApiKeyRecord } from '../../src/ports/api-key-store.js';
import { describeApiKeyStoreConformance } from '../helpers/api-key-store-conformance.js';
import { describeAuditLogConformance } from '../helpers/audit-log-conformance.js';

/** A fresh file in a directory that does not exist yet, which the adapter must create. */
function tempDatabase() {
  const dir = mkdtempSync(join(tmpdir(), 'herald-db-'));
  const file = join(dir, 'data', 'herald.db');
  return {
    open: () => openHeraldDatabase({ file }),
    async drop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describeApiKeyStoreConformance('sqlite', async () => tempDatabase());
describeAuditLogConformance('sqlite', async () => tempDatabase());

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-db-'));
  try {
    await run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function withRaw<T>(file: string, run: (raw: Database.Database) => T): T {
  const raw = new Database(file);
  try {
    return run(raw);
  } finally {
    raw.close();
  }
}

const key: ApiKeyRecord = {
  id: 'key_raw', name: 'raw', secretHash: 'ab'.repeat(32), prefix: 'hk_AbC', scopes: ['notify:send'],
  categories: [], created: 1_700_000_000, expires: 0, lastUsed: 0, revoked: 0,
};

describe('herald database, SQLite specifics', () => {
  it('creates the missing directory, runs in WAL and keeps its own migration tables', async () => {
    await withDir(async (dir) => {
      const file = join(dir, 'a', 'b', 'herald.db');
      const db = await openHeraldDatabase({ file });
      await db.close();
      assert.ok(existsSync(file));
      // A second open finds the schema current and applies nothing again.
      await (await openHeraldDatabase({ file })).close();
      withRaw(file, (raw) => {
        assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
        const tables = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
        assert.deepEqual(tables, ['api_keys', 'audit', 'device_topics', 'devices', 'event_attempts', 'event_endpoints', 'herald_db_migration', 'herald_db_migration_lock', 'server_secrets', 'sqlite_sequence', 'user_topics']);
        const applied = raw.prepare('SELECT name FROM herald_db_migration ORDER BY name').pluck().all();
        assert.deepEqual(applied, ['0001_api_keys', '0002_audit', '0003_devices', '0004_server_secrets', '0005_devices_seen', '0006_event_endpoints', '0007_devices_by_id']);
      });
    });
  });

  it('refuses UPDATE of audit rows from any connection but allows DELETE', async () => {
    await withDir(async (dir) => {
      const file = join(dir, 'herald.db');
      const db = await openHeraldDatabase({ file });
      try {
        await db.audit.append({ time: 1, actor: 'user:ann', action: 'user.create', target: 'bob', address: '', details: {} });
        await db.audit.append({ time: 2, actor: 'cli', action: 'user.remove', target: 'bob', address: '', details: {} });
        withRaw(file, (raw) => {
          assert.throws(() => raw.prepare("UPDATE audit SET actor = 'x'").run(), /audit log is append-only/);
          assert.throws(() => raw.prepare('UPDATE audit SET time = 0 WHERE time = 1').run(), /append-only/);
          assert.equal(raw.prepare('DELETE FROM audit WHERE time = 2').run().changes, 1);
        });
        const left = await db.audit.query({ limit: 10 });
        assert.deepEqual(left.map((e) => [e.time, e.actor]), [[1, 'user:ann']]);
      } finally {
        await db.close();
      }
    });
  });

  it('looks keys up by hash through the unique index', async () => {
    await withDir(async (dir) => {
      const file = join(dir, 'herald.db');
      const db = await openHeraldDatabase({ file });
      await db.keys.add(key);
      await db.close();
      withRaw(file, (raw) => {
        const plan = raw.prepare('EXPLAIN QUERY PLAN SELECT * FROM api_keys WHERE secret_hash = ?').all(key.secretHash) as { detail: string }[];
        assert.match(plan.map((row) => row.detail).join('\n'), /USING INDEX sqlite_autoindex_api_keys_\d \(secret_hash=\?\)/);
      });
    });
  });

  it('moves an older file\'s devices to a table keyed by id, every column kept, and pages a topic through that key', async () => {
    await withDir(async (dir) => {
      const file = join(dir, 'herald.db');
      // The file as release 0006 left it: devices in a rowid table.
      const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(file) }) });
      const migrated = await new Migrator({ db: old, provider: heraldDbMigrations, migrationTableName: HERALD_DB_MIGRATION_TABLE, migrationLockTableName: HERALD_DB_MIGRATION_LOCK_TABLE })
        .migrateTo('0006_event_endpoints');
      assert.equal(migrated.error, undefined);
      await old.destroy();
      const columns = 'id, app, provider, platform, token, p256dh, auth, user, locale, timezone, meta, state, invalid_reason, created_at, updated_at, last_seen_at';
      const before = withRaw(file, (raw) => {
        const insert = raw.prepare(`INSERT INTO devices (${columns}) VALUES (?, 'app', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
        insert.run('dev_b', 'webpush', 'web', 'https://push.example/b', 'p256', 'authkey', 'ann', 'de-DE', 'Europe/Berlin', '{"k":"v"}', 'active', null, 1, 2, 3);
        insert.run('dev_a', 'apns', 'ios', 'ab'.repeat(32), null, null, null, null, null, '{}', 'invalid', 'unregistered', 4, 5, 6);
        raw.prepare("INSERT INTO device_topics (device_id, topic) VALUES ('dev_a', 'news'), ('dev_b', 'news')").run();
        return raw.prepare(`SELECT ${columns} FROM devices ORDER BY id`).all();
      });

      const db = await openHeraldDatabase({ file });
      try {
        const page = await db.devices.pageAudience({ kind: 'topic', topic: 'news' }, { limit: 10 });
        assert.deepEqual(page.members.map((m) => m.id), ['dev_b'], 'only the active device of the topic');
      } finally {
        await db.close();
      }
      withRaw(file, (raw) => {
        assert.deepEqual(raw.prepare(`SELECT ${columns} FROM devices ORDER BY id`).all(), before);
        assert.match(String(raw.prepare("SELECT sql FROM sqlite_master WHERE name = 'devices'").pluck().get()), /WITHOUT ROWID/);
        const indexes = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'devices' AND sql IS NOT NULL ORDER BY name").pluck().all();
        assert.deepEqual(indexes, ['idx_devices_provider_seen', 'idx_devices_state_id', 'idx_devices_user_id']);
        const plan = raw.prepare(`EXPLAIN QUERY PLAN SELECT devices.token FROM device_topics INNER JOIN devices ON devices.id = device_topics.device_id
          WHERE device_topics.topic = 'news' AND devices.state = 'active' AND device_topics.device_id > '' ORDER BY device_topics.device_id LIMIT 10`).all() as { detail: string }[];
        assert.match(plan.map((row) => row.detail).join('\n'), /SEARCH devices USING PRIMARY KEY \(id=\?\)/);
        // The registry's unique (app, provider, token) still holds.
        assert.throws(() => raw.prepare(`INSERT INTO devices (${columns}) SELECT 'dev_c', app, provider, platform, token, p256dh, auth, user, locale, timezone, meta, state, invalid_reason, created_at, updated_at, last_seen_at FROM devices WHERE id = 'dev_a'`).run(), /UNIQUE/);
      });
    });
  });

  it('works in memory, each open being its own database', async () => {
    const first = await openHeraldDatabase({ file: ':memory:' });
    const second = await openHeraldDatabase({ file: ':memory:' });
    await first.keys.add(key);
    await first.audit.append({ time: 5, actor: 'cli', action: 'key.create', target: key.id, address: '', details: { scopes: key.scopes } });
    assert.deepEqual(await first.keys.byHash(key.secretHash), key);
    assert.deepEqual((await first.audit.query({ limit: 1 }))[0]?.details, { scopes: ['notify:send'] });
    assert.deepEqual(await second.keys.list(), []);
    await first.close();
    await first.close();
    await second.close();
  });

  it('stays apart from the message cache and account files beside it', async () => {
    await withDir(async (dir) => {
      const heraldFile = join(dir, 'data', 'herald.db');
      const authFile = join(dir, 'data', 'user.db');
      const cacheFile = join(dir, 'data', 'cache.db');
      const cache = await createSqliteMessageCache({ file: cacheFile, sync: 'full', maxBatch: 10, batchDelayMs: 0 });
      const auth = await createSqliteAuthStore({ file: authFile });
      const db = await openHeraldDatabase({ file: heraldFile });
      await db.keys.add(key);
      await auth.addUser({ id: 'u_1', name: 'ann', passwordHash: 'x', role: 'user', created: 1 });
      assert.equal(await cache.publishedCount(), 0);
      await db.close();
      await auth.close();
      await cache.close();

      const tablesOf = (file: string) => withRaw(file, (raw) =>
        raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
      assert.ok(!tablesOf(authFile).includes('api_keys'));
      assert.ok(!tablesOf(cacheFile).includes('audit'));
      assert.ok(!tablesOf(heraldFile).includes('users'));
      const reopened = await openHeraldDatabase({ file: heraldFile });
      assert.deepEqual(await reopened.keys.list(), [key]);
      await reopened.close();
    });
  });
});
