import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openPostgres, type PostgresDatabase } from '../../src/adapters/postgres/open-postgres.js';
import { createPostgresMessageCache } from '../../src/adapters/postgres/message-cache/index.js';
import type { MessageCache } from '../../src/ports/message-cache.js';
import type { Message } from '../../src/ports/message.js';
import { describeMessageCacheConformance } from '../helpers/message-cache-conformance.js';
import { freshPostgresSchema, serviceSkip } from '../helpers/services.js';

const skip = await serviceSkip('postgres');

/** A cache on its own pool, as one Herald process would hold it. Small pools: the server is shared. */
async function cacheOn(url: string, batch = { maxBatch: 16, batchDelayMs: 5 }): Promise<{ db: PostgresDatabase; cache: MessageCache; close(): Promise<void> }> {
  const db = await openPostgres({ url, poolSize: 4 });
  try {
    const cache = await createPostgresMessageCache({ database: db, ...batch });
    return {
      db,
      cache,
      async close() {
        await cache.close();
        await db.close();
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}

if (skip) {
  describe('MessageCache conformance: postgres', { skip }, () => {
    it('runs against the machine PostgreSQL', () => {});
  });
} else {
  // Small batches with a delay, as the SQLite run has them, so concurrent adds share commits and
  // close has pending writes.
  describeMessageCacheConformance('postgres', async () => {
    const schema = await freshPostgresSchema('message-cache conformance');
    return {
      async open() {
        const { cache, close } = await cacheOn(schema.url);
        return { cache, close };
      },
      drop: () => schema.drop(),
    };
  });
}

let serial = 0;
const message = (topic: string, fields: Partial<Message> = {}): Message =>
  ({ id: `pgc${String(++serial).padStart(9, '0')}`, time: 1_000_000, event: 'message', topic, message: `body ${serial}`, ...fields });

/** Two nodes: two caches on separate pools over one fresh schema. */
async function twoNodes(name: string, batch?: { maxBatch: number; batchDelayMs: number }) {
  const schema = await freshPostgresSchema(name);
  const a = await cacheOn(schema.url, batch);
  const b = await cacheOn(schema.url, batch);
  return {
    a: a.cache,
    b: b.cache,
    async close() {
      await a.close();
      await b.close();
      await schema.drop();
    },
  };
}

describe('postgres message cache across processes', { skip }, () => {
  it('two nodes running the delayed sender at once publish each due message once', async () => {
    const nodes = await twoNodes('message-cache due once');
    try {
      const scheduled = Array.from({ length: 400 }, (_, i) => message('later', { time: 1_000 + (i % 50) }));
      await Promise.all(scheduled.map((m, i) => (i % 2 ? nodes.a : nodes.b).add(m, true)));
      const handedOut = new Map<string, number>();
      // What TopicService.deliverDue does on each node: read the due messages, publish them, fan
      // out what it got back. Several rounds per node, with the clock moving through the times.
      const sender = async (cache: MessageCache): Promise<void> => {
        for (let now = 1_000; now < 1_060; now += 3) {
          const due = await cache.dueMessages(now);
          for (const id of await cache.markPublished(due.map((m) => m.id))) handedOut.set(id, (handedOut.get(id) ?? 0) + 1);
        }
      };
      await Promise.all([sender(nodes.a), sender(nodes.b), sender(nodes.a), sender(nodes.b)]);
      assert.deepEqual([...handedOut].filter(([, n]) => n > 1), [], 'handed out twice');
      assert.equal(handedOut.size, scheduled.length, 'every due message handed out');
      assert.equal((await nodes.b.messages({ topics: ['later'], since: { kind: 'all' }, scheduled: false })).length, scheduled.length);
    } finally {
      await nodes.close();
    }
  });

  it('two nodes expiring at once name each file to delete once', async () => {
    const nodes = await twoNodes('message-cache expiry once');
    try {
      const t = 5_000;
      const upload = (expires: number) => ({ name: 'f', size: 10, expires, url: 'https://herald.example/file/f' });
      // Half expire with their files still unnamed, half have files that expire before the message.
      const rows = Array.from({ length: 600 }, (_, i) => message('exp', { time: t - 100, expires: t - 1 - (i % 7), attachment: upload(i % 2 ? t + 10 : t - 20) }));
      await Promise.all(rows.map((m, i) => (i % 3 ? nodes.a : nodes.b).add(m, false)));
      const named = new Map<string, number>();
      const count = (ids: string[]) => ids.forEach((id) => named.set(id, (named.get(id) ?? 0) + 1));
      // Each node's manager: files first, then messages (TopicService.manage's order), racing.
      const manager = async (cache: MessageCache): Promise<void> => {
        count(await cache.expiredAttachmentIds(t));
        count(await cache.pruneExpired(t));
      };
      await Promise.all([manager(nodes.a), manager(nodes.b), manager(nodes.b), manager(nodes.a)]);
      // A row skipped because another node held it is taken on a later round.
      await manager(nodes.a);
      assert.deepEqual([...named].filter(([, n]) => n > 1), [], 'named twice');
      assert.equal(named.size, rows.length);
      assert.deepEqual(await nodes.a.attachmentIds(), []);
      assert.deepEqual(await nodes.b.messages({ topics: ['exp'], since: { kind: 'all' }, scheduled: true }), []);
    } finally {
      await nodes.close();
    }
  });

  it('a reader following since=<last id> misses nothing while two nodes publish at once', async () => {
    // Batches of 1-5 messages from both nodes, so many commits interleave; the reader keeps asking
    // for what came after the last message it saw, as a reconnecting subscriber does.
    const nodes = await twoNodes('message-cache since order', { maxBatch: 5, batchDelayMs: 0 });
    try {
      const total = 1_200;
      const seen: string[] = [];
      let writing = true;
      const reader = async (): Promise<void> => {
        while (writing || seen.length < total) {
          // Read before the query starts: a read that began while the last batch was committing
          // may return nothing and end after the writers did, and must not count as the last.
          const writersDone = !writing;
          const since = seen.length === 0 ? { kind: 'all' as const } : { kind: 'id' as const, id: seen[seen.length - 1]! };
          const got = await nodes.b.messages({ topics: ['flow'], since, scheduled: false });
          for (const m of got) seen.push(m.id);
          if (writersDone && got.length === 0) break;
        }
      };
      const writer = async (cache: MessageCache, from: number): Promise<void> => {
        for (let i = 0; i < total / 2; i += 20) {
          await Promise.all(Array.from({ length: 20 }, (_, k) => cache.add(message('flow', { id: `flow${String(from + i + k).padStart(8, '0')}` }), false)));
        }
      };
      const reading = reader();
      await Promise.all([writer(nodes.a, 0), writer(nodes.b, total / 2)]);
      writing = false;
      await reading;
      assert.equal(new Set(seen).size, seen.length, 'nothing read twice');
      assert.equal(seen.length, total, 'nothing skipped');
    } finally {
      await nodes.close();
    }
  });

  it('migrates into its own schema while another schema of the database already holds a cache', async () => {
    // Kysely's migrator looks for its bookkeeping tables in every schema unless told which one:
    // it took the other installation's tables for its own and never created them here.
    const other = await freshPostgresSchema('message-cache other installation');
    const mine = await freshPostgresSchema('message-cache own installation');
    try {
      const first = await cacheOn(other.url);
      await first.close();
      const second = await cacheOn(mine.url);
      try {
        const m = message('own');
        await second.cache.add(m, false);
        assert.deepEqual(await second.cache.messageById(m.id), m);
        const applied = await second.db.pool.query<{ name: string }>('SELECT name FROM herald_cache_migration');
        assert.deepEqual(applied.rows.map((r) => r.name), ['0001_messages', '0002_sequence_ids']);
      } finally {
        await second.close();
      }
    } finally {
      await other.drop();
      await mine.drop();
    }
  });

  it('counts publishes from two nodes at once, and both see the total', async () => {
    const nodes = await twoNodes('message-cache counters');
    try {
      await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? nodes.a : nodes.b).countPublished(i + 1)));
      assert.equal(await nodes.a.publishedCount(), (40 * 41) / 2);
      assert.equal(await nodes.b.publishedCount(), (40 * 41) / 2);
    } finally {
      await nodes.close();
    }
  });

  it('a message PostgreSQL cannot store fails alone, not the batch it would have joined', async () => {
    const nodes = await twoNodes('message-cache bad message');
    try {
      const good = Array.from({ length: 5 }, () => message('mixed'));
      const results = await Promise.allSettled([
        ...good.map((m) => nodes.a.add(m, false)),
        nodes.a.add(message('mixed', { time: 1.5 }), false),
        nodes.a.add(message('mixed\u0000'), false),
      ]);
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected']);
      assert.deepEqual((await nodes.b.messages({ topics: ['mixed'], since: { kind: 'all' }, scheduled: false })).map((m) => m.id), good.map((m) => m.id));
    } finally {
      await nodes.close();
    }
  });
});
