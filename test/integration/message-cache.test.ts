import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { cacheMigrations } from '../../src/adapters/sqlite/message-cache/migrations.js';
import { createSqliteMessageCache } from '../../src/adapters/sqlite/message-cache/sqlite-message-cache.js';
import { describeMessageCacheConformance } from '../helpers/message-cache-conformance.js';

// A real file rather than :memory:, so WAL, group commits and close/reopen are what production sees.
// Small batches with a delay, so concurrent adds really share commits and close has pending writes.
describeMessageCacheConformance('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-cache-'));
  const file = join(dir, 'cache.db');
  return {
    async open() {
      const cache = await createSqliteMessageCache({ file, sync: 'full', maxBatch: 16, batchDelayMs: 5 });
      return { cache, close: () => cache.close() };
    },
    async drop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('sqlite message cache upgrades', () => {
  it('a cache made before 0003 keeps its messages and loses the indexes every publish paid for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-cache-upgrade-'));
    try {
      const file = join(dir, 'cache.db');
      // The cache as 0001 and 0002 left it, holding a message and a scheduled one.
      const sqlite = new Database(file);
      sqlite.pragma('journal_mode = WAL');
      const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) });
      const all = await cacheMigrations.getMigrations();
      const before = Object.fromEntries(Object.entries(all).filter(([name]) => name < '0003'));
      const { error } = await new Migrator({ db, provider: { getMigrations: async () => before } }).migrateToLatest();
      assert.equal(error, undefined);
      const now = Math.floor(Date.now() / 1000);
      const insert = sqlite.prepare(`INSERT INTO messages (mid, time, expires, topic, message, title, priority, tags, click, icon, actions,
        attachment_name, attachment_type, attachment_size, attachment_expires, attachment_url, attachment_deleted, content_type, encoding,
        sender, user, published, event, sequence_id) VALUES (?, ?, ?, 'up', ?, '', 0, '', '', '', '', '', '', 0, 0, '', 0, '', '', '', '', ?, 'message', '')`);
      insert.run('upgrade00001', now, now + 60, 'a', 1);
      insert.run('upgrade00002', now + 3600, now + 7200, 'b', 0);
      await db.destroy();

      const cache = await createSqliteMessageCache({ file, sync: 'full', maxBatch: 16, batchDelayMs: 0 });
      const plain = { id: 'upgrade00001' };
      const later = { id: 'upgrade00002' };
      const added = { id: 'upgrade00003', time: now, expires: now + 60, event: 'message' as const, topic: 'up', message: 'c' };
      await cache.add(added, false);
      assert.deepEqual((await cache.messages({ topics: ['up'], since: { kind: 'all' }, scheduled: true })).map((m) => m.id), [plain.id, added.id, later.id]);
      assert.deepEqual((await cache.dueMessages(now + 3600)).map((m) => m.id), [later.id]);
      await cache.close();

      const check = new Database(file, { readonly: true });
      const indexes = check.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages' AND sql IS NOT NULL ORDER BY name`).pluck().all();
      check.close();
      assert.deepEqual(indexes, ['idx_messages_attachment_expires', 'idx_messages_due', 'idx_messages_expires', 'idx_messages_sender_uploads',
        'idx_messages_topic_seq', 'idx_messages_waiting_sequence']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
