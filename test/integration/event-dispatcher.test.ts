import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openHeraldDatabase, type HeraldDatabaseStores } from '../../src/adapters/sqlite/herald-db/open-herald-db.js';
import { createSqliteQueue, type SqliteQueue } from '../../src/adapters/sqlite/queue/sqlite-queue.js';
import { eventPartition, EventDispatcher, EventEndpointService, EventPublisher, type EventJob } from '../../src/core/events/index.js';
import type { EventPost, EventPoster } from '../../src/ports/event-poster.js';
import { silentLogger } from '../../src/ports/logger.js';
import type { Outcome } from '../../src/ports/provider.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { eventually } from '../helpers/wait.js';

/** A poster that answers from a script (ok once it is empty) and records what it was asked. */
class ScriptedPoster implements EventPoster {
  readonly posts: EventPost[] = [];
  readonly answers: Outcome[] = [];
  /** URLs whose posts hang until released (a receiver that stopped answering). */
  readonly held = new Map<string, (() => void)[]>();
  async post(post: EventPost): Promise<Outcome> {
    this.posts.push(post);
    const waiters = this.held.get(post.url);
    if (waiters) await new Promise<void>((resolve) => waiters.push(resolve));
    return this.answers.shift() ?? { kind: 'ok' };
  }
  release(url: string): void {
    const waiters = this.held.get(url) ?? [];
    this.held.delete(url);
    for (const w of waiters) w();
  }
  async close(): Promise<void> {}
}

describe('EventDispatcher', () => {
  const clock = new ManualClock(1_700_000_000_000);
  let db: HeraldDatabaseStores;
  let queue: SqliteQueue<EventJob>;
  let endpoints: EventEndpointService;
  let poster: ScriptedPoster;
  let dispatcher: EventDispatcher;
  let publisher: EventPublisher;

  before(async () => {
    db = await openHeraldDatabase({ file: ':memory:' });
    queue = await createSqliteQueue<EventJob>({ file: ':memory:', clock });
    endpoints = new EventEndpointService(db.eventEndpoints, clock, { allowHttp: false, allowedHosts: [] });
    poster = new ScriptedPoster();
    dispatcher = new EventDispatcher({
      endpoints, store: db.eventEndpoints, queue, poster, clock, logger: silentLogger,
      options: { maxAttempts: 4, backoff: { baseMs: 1000, maxMs: 2000 }, disableAfter: 2, concurrency: 4, visibilityMs: 60_000, idlePollMs: 20 },
    });
    publisher = new EventPublisher({ endpoints, queue, clock, logger: silentLogger, maxAttempts: 4, queued: (partitions) => dispatcher.wake(partitions) });
    endpoints.onChange(() => void dispatcher.sync());
    await dispatcher.start();
  });
  after(async () => {
    await dispatcher.stop();
    await queue.close();
    await db.close();
  });

  const waiting = async () => (await queue.stats()).filter((p) => p.partition.startsWith('events:')).reduce((n, p) => n + p.waiting, 0);

  it('queues nothing when no endpoint listens', async () => {
    await publisher.emit([{ type: 'push.delivery.sent', data: {} }]);
    assert.equal(await waiting(), 0);
    assert.equal(poster.posts.length, 0);
  });

  it("waits out a receiver's Retry-After, even past the backoff ceiling", async () => {
    const e = await endpoints.create({ url: 'https://hooks.example.com/a', events: ['push.delivery.sent'] }, 'test');
    poster.answers.push({ kind: 'throttled', target: 'device', afterMs: 60_000, status: 429 });
    await publisher.emit([{ type: 'push.delivery.sent', data: { n: 1 } }]);
    await eventually('the first attempt', async () => poster.posts.length === 1);
    await eventually('the retry to be scheduled', async () => (await db.eventEndpoints.attempts(e.id, 10)).length === 1);
    clock.advance(59_000);
    assert.equal((await queue.reserve({ partition: eventPartition(e.id), limit: 1, visibilityMs: 1, now: clock.now() })).length, 0, 'not due before Retry-After');
    clock.advance(1_000);
    await eventually('the retry', async () => poster.posts.length === 2);
    assert.equal(poster.posts[1]!.id, poster.posts[0]!.id);
    assert.ok(poster.posts[1]!.timestamp > poster.posts[0]!.timestamp, 'each attempt carries its own timestamp');
    await endpoints.remove(e.id);
  });

  it('does not retry a rejected message, and switches an endpoint off after disable-after failures in a row', async () => {
    const e = await endpoints.create({ url: 'https://hooks.example.com/b', events: ['*'] }, 'test');
    poster.posts.length = 0;
    poster.answers.push({ kind: 'rejected', status: 400, reason: 'HTTP 400' }, { kind: 'rejected', status: 400, reason: 'HTTP 400' });
    await publisher.emit([{ type: 'device.invalidated', data: { n: 1 } }]);
    await eventually('the first message given up', async () => (await db.eventEndpoints.attempts(e.id, 10))[0]?.result === 'failed');
    assert.equal((await endpoints.get(e.id)).disabledAt, 0);
    await publisher.emit([{ type: 'device.invalidated', data: { n: 2 } }]);
    await eventually('switched off', async () => (await endpoints.get(e.id)).disabledAt !== 0);
    assert.equal(poster.posts.length, 2, 'one attempt each');
    assert.match((await endpoints.get(e.id)).disabledReason, /2 deliveries failed in a row/);
    assert.equal(endpoints.wants('device.invalidated'), false);
    await publisher.emit([{ type: 'device.invalidated', data: { n: 3 } }]);
    assert.equal(await waiting(), 0, 'a switched-off endpoint gets nothing queued');
  });

  it("a receiver that hangs holds up only its own messages; deleting an endpoint cancels what waits for it", async () => {
    const slow = await endpoints.create({ url: 'https://slow.example.com/', events: ['push.delivery.failed'] }, 'test');
    const fast = await endpoints.create({ url: 'https://fast.example.com/', events: ['push.delivery.failed'] }, 'test');
    poster.held.set(slow.url, []);
    poster.posts.length = 0;
    // More messages than the slow endpoint may have in flight (concurrency: 4).
    for (let i = 0; i < 12; i++) await publisher.emit([{ type: 'push.delivery.failed', data: { i } }]);
    await eventually('every message to the healthy endpoint', async () => poster.posts.filter((p) => p.url === fast.url).length === 12);
    await eventually('the hanging endpoint to fill its own 4 slots', async () => poster.posts.filter((p) => p.url === slow.url).length === 4);
    assert.equal((await queue.stats()).find((p) => p.partition === eventPartition(slow.id))?.waiting, 8, 'and no more');
    await endpoints.remove(slow.id);
    await eventually('the 8 still waiting cancelled', async () => ((await queue.stats()).find((p) => p.partition === eventPartition(slow.id))?.waiting ?? 0) === 0);
    poster.release(slow.url);
    await eventually('the ones in flight settled', async () => ((await queue.stats()).find((p) => p.partition === eventPartition(slow.id))?.reserved ?? 0) === 0);
    assert.equal(poster.posts.filter((p) => p.url === slow.url).length, 4, 'nothing more went to the deleted endpoint');
    await endpoints.remove(fast.id);
  });
});
