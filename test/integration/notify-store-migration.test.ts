import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { NOTIFY_MIGRATION_LOCK_TABLE, NOTIFY_MIGRATION_TABLE, notifyMigrations } from '../../src/adapters/sqlite/notify/migrations.js';
import { createSqliteNotifyStore } from '../../src/adapters/sqlite/notify/sqlite-notify-store.js';

/**
 * Notify stores written before 'cancelled' became the one spelling ('canceled' until then) read
 * right after the upgrade: states, phase and reason are migrated, and on SQLite, where the table
 * holding the phase is rebuilt, a seq handed out before is still never handed out again.
 */
test('SQLite: rows written as canceled read as cancelled after the migration; seqs are not reused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-notify-migration-'));
  const file = join(dir, 'queue.db');
  try {
    const all = await notifyMigrations.getMigrations();
    const first = Object.keys(all).sort()[0]!;
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(file) }) });
    const migrated = await new Migrator({
      db,
      provider: { getMigrations: async () => ({ [first]: all[first]! }) },
      migrationTableName: NOTIFY_MIGRATION_TABLE,
      migrationLockTableName: NOTIFY_MIGRATION_LOCK_TABLE,
    }).migrateToLatest();
    assert.equal(migrated.error, undefined);
    await db.destroy();

    const old = new Database(file);
    const insert = old.prepare(`INSERT INTO notifications (seq, id, template, category, priority, strategy, data, audience, actor, created_at, phase, recipients)
      VALUES (?, ?, 't', 'orders', 'normal', 'all', '{}', '{"subscribers":["u1"]}', 'key:k1', 1, ?, 1)`);
    insert.run(1, 'ntf_old', 'canceled');
    insert.run(2, 'ntf_routed', 'routed');
    insert.run(7, 'ntf_pruned', 'routed');
    old.prepare(`DELETE FROM notifications WHERE seq = 7`).run();
    old.prepare(`INSERT INTO notify_recipients VALUES (1, 'u1', 'canceled', 'the notification was cancelled', '[]', 1, 1)`).run();
    old.prepare(`INSERT INTO notify_channels (notification_seq, subscriber_id, channel, state, reason, attempts, created_at, updated_at)
      VALUES (1, 'u1', 'email', 'canceled', 'canceled', 0, 1, 1)`).run();
    old.close();

    const store = await createSqliteNotifyStore({ file });
    try {
      assert.equal((await store.getNotificationBySeq(1))?.phase, 'cancelled');
      assert.equal((await store.getNotificationBySeq(2))?.phase, 'routed');
      assert.equal((await store.getRecipient(1, 'u1'))?.state, 'cancelled');
      const [channel] = await store.channelsOf(1, ['u1']);
      assert.deepEqual([channel?.state, channel?.reason], ['cancelled', 'cancelled']);
      await store.setPhase(2, 'cancelled');
      assert.equal((await store.getNotificationBySeq(2))?.phase, 'cancelled', 'the new spelling is accepted by the table');
      const next = await store.createNotification({ id: 'ntf_new', template: 't', category: 'orders', priority: 'normal', strategy: 'all', data: {}, to: { subscribers: ['u1'] }, actor: 'key:k1', createdAt: 2 }, 0);
      assert.ok(next.record.seq > 7, `a new notification gets a seq above every one handed out before (got ${next.record.seq})`);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
