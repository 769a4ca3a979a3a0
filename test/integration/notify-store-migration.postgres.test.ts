import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPostgres } from '../../src/adapters/postgres/open-postgres.js';
import { createPostgresNotifyStore } from '../../src/adapters/postgres/notify/index.js';
import { NOTIFY_MIGRATIONS } from '../../src/adapters/postgres/notify/migrations.js';
import { freshPostgresSchema, serviceSkip } from '../helpers/services.js';

const skip = await serviceSkip('postgres');

/** The PostgreSQL side of notify-store-migration.test.ts: rows written as 'canceled' read as 'cancelled'. */
test('PostgreSQL: rows written as canceled read as cancelled after the migration', { skip }, async () => {
  const schema = await freshPostgresSchema('notify cancelled spelling');
  const db = await openPostgres({ url: schema.url, poolSize: 2 });
  try {
    const all = await NOTIFY_MIGRATIONS.provider.getMigrations();
    const first = Object.keys(all).sort()[0]!;
    await db.migrate({ ...NOTIFY_MIGRATIONS, provider: { getMigrations: async () => ({ [first]: all[first]! }) } });
    await db.pool.query(`INSERT INTO notifications (seq, id, template, category, priority, strategy, data, audience, actor, created_at, phase, recipients)
      VALUES (1, 'ntf_old', 't', 'orders', 'normal', 'all', '{}', '{"subscribers":["u1"]}', 'key:k1', 1, 'canceled', 1),
             (2, 'ntf_routed', 't', 'orders', 'normal', 'all', '{}', '{"subscribers":["u1"]}', 'key:k1', 1, 'routed', 1)`);
    await db.pool.query(`INSERT INTO notify_recipients VALUES (1, 'u1', 'canceled', 'the notification was cancelled', '[]', 1, 1)`);
    await db.pool.query(`INSERT INTO notify_channels (notification_seq, subscriber_id, channel, state, reason, attempts, created_at, updated_at)
      VALUES (1, 'u1', 'email', 'canceled', 'canceled', 0, 1, 1)`);

    const store = await createPostgresNotifyStore({ database: db });
    try {
      assert.equal((await store.getNotificationBySeq(1))?.phase, 'cancelled');
      assert.equal((await store.getRecipient(1, 'u1'))?.state, 'cancelled');
      const [channel] = await store.channelsOf(1, ['u1']);
      assert.deepEqual([channel?.state, channel?.reason], ['cancelled', 'cancelled']);
      await store.setPhase(2, 'cancelled');
      assert.equal((await store.getNotificationBySeq(2))?.phase, 'cancelled', 'the new spelling is accepted by the table');
      await assert.rejects(db.pool.query(`UPDATE notifications SET phase = 'canceled' WHERE seq = 2`), /check constraint/, 'the old spelling is refused');
    } finally {
      await store.close();
    }
  } finally {
    await db.close();
    await schema.drop();
  }
});
