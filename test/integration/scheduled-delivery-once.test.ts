import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgres } from '../../src/adapters/postgres/open-postgres.js';
import { createPostgresMessageCache } from '../../src/adapters/postgres/message-cache/index.js';
import { createSqliteMessageCache } from '../../src/adapters/sqlite/message-cache/sqlite-message-cache.js';
import { LocalBus } from '../../src/adapters/local/local-bus.js';
import { Hub } from '../../src/core/hub/hub.js';
import { TopicRegistry } from '../../src/core/topics/topic-registry.js';
import { TopicService } from '../../src/core/topics/topic-service.js';
import { silentLogger } from '../../src/ports/logger.js';
import type { MessageCache } from '../../src/ports/message-cache.js';
import type { Message } from '../../src/ports/message.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { freshPostgresSchema, serviceSkip } from '../helpers/services.js';

/**
 * Every node runs the delayed sender against the shared cache. When two of them find the same due
 * messages at once, each message must go out once: handed to onPublished (the push to devices is
 * queued there) by one node, not by both.
 */

/** One node's topic service over its own connection to the shared cache. */
function node(cache: MessageCache, clock: ManualClock, published: string[]): TopicService {
  const service = new TopicService({
    options: {
      baseUrl: 'http://herald.test', cacheDurationMs: 43_200_000, attachmentsEnabled: false, attachmentFileSizeLimit: 0,
      attachmentTotalSizeLimit: 0, attachmentExpiryMs: 0, messageSizeLimit: 4096, messageDelayMinMs: 10_000,
      messageDelayMaxMs: 259_200_000, emailEnabled: false, disallowedTopics: [],
    },
    cache,
    attachments: undefined,
    hub: new Hub(),
    bus: new LocalBus(silentLogger),
    topics: new TopicRegistry({ global: 1000, perVisitor: 1000 }),
    clock,
    logger: silentLogger,
  });
  service.onPublished(async (m) => {
    published.push(m.id);
  });
  return service;
}

const pgSkip = await serviceSkip('postgres');

async function deliverOnce(first: MessageCache, second: MessageCache): Promise<void> {
  const clock = new ManualClock();
  const now = Math.floor(clock.now() / 1000);
  const due: Message[] = Array.from({ length: 25 }, (_, i) => ({ id: `due${String(i).padStart(9, '0')}`, time: now + 60 + i, event: 'message', topic: 'later', message: `m${i}` }));
  for (const m of due) await first.add(m, true);
  const published: string[] = [];
  const a = node(first, clock, published);
  const b = node(second, clock, published);
  assert.deepEqual(await Promise.all([a.deliverDue(), b.deliverDue()]), [0, 0], 'nothing due yet');
  clock.advance(120_000);
  const [fromA, fromB] = await Promise.all([a.deliverDue(), b.deliverDue()]);
  assert.equal(fromA + fromB, due.length, 'the two nodes together handed out each due message once');
  assert.deepEqual([...published].sort(), due.map((m) => m.id));
  assert.deepEqual(await Promise.all([a.deliverDue(), b.deliverDue()]), [0, 0]);
}

describe('scheduled messages on a cache shared by two nodes', () => {
  it('go out once on SQLite (two connections to one cache file)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-due-once-'));
    const open = () => createSqliteMessageCache({ file: join(dir, 'cache.db'), sync: 'normal', maxBatch: 100, batchDelayMs: 0 });
    const first = await open();
    const second = await open();
    try {
      await deliverOnce(first, second);
    } finally {
      await first.close();
      await second.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('go out once on PostgreSQL (two pools on one schema)', { skip: pgSkip }, async () => {
    const schema = await freshPostgresSchema('scheduled delivery once');
    const dbs = [await openPostgres({ url: schema.url, poolSize: 2 }), await openPostgres({ url: schema.url, poolSize: 2 })];
    try {
      const [first, second] = await Promise.all(dbs.map((database) => createPostgresMessageCache({ database, maxBatch: 100, batchDelayMs: 0 })));
      await deliverOnce(first!, second!);
      await first!.close();
      await second!.close();
    } finally {
      for (const db of dbs) await db.close();
      await schema.drop();
    }
  });
});
