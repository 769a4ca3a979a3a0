import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { cacheMigrations } from '../../src/adapters/sqlite/message-cache/migrations.js';
import { createSqliteMessageCache } from '../../src/adapters/sqlite/message-cache/sqlite-message-cache.js';
import { startCacheWriterThread } from '../../src/adapters/sqlite/message-cache/writer.js';
import { insertValues } from '../../src/adapters/sqlite/message-cache/writes.js';
import { messageToRow } from '../../src/adapters/sql/message-cache/message-row.js';
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

describe('sqlite message cache writer thread', () => {
  it('inserts posted together commit together, and a post that cannot be stored fails alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-cache-writer-'));
    try {
      const file = join(dir, 'cache.db');
      // The schema first, as the cache's own connection makes it.
      await (await createSqliteMessageCache({ file, sync: 'full', maxBatch: 16, batchDelayMs: 0 })).close();
      const writer = await startCacheWriterThread({ file, synchronous: 'FULL' });
      const now = Math.floor(Date.now() / 1000);
      const row = (id: string) => insertValues(messageToRow({ id, time: now, expires: now + 60, event: 'message', topic: 'w', message: id }, true));
      // Posted in one turn, so the thread finds all three queued and tries them as one transaction.
      const results = await Promise.allSettled([
        writer.run('insert', [row('writer000001'), row('writer000002')]),
        writer.run('insert', [row('writer000001')]),
        writer.run('insert', [row('writer000003')]),
      ]);
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
      assert.match(String((results[1] as PromiseRejectedResult).reason), /UNIQUE/);
      await writer.close();
      const check = new Database(file, { readonly: true });
      assert.deepEqual(check.prepare('SELECT mid FROM messages ORDER BY seq').pluck().all(), ['writer000001', 'writer000002', 'writer000003']);
      check.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
