import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { createRedisCounters, type RedisCounters } from '../../src/adapters/redis/redis-counters.js';
import { silentLogger } from '../../src/ports/logger.js';
import { describeCountersConformance } from '../helpers/counters-conformance.js';
import { namespaceFor, REDIS_URL, serviceSkip } from '../helpers/services.js';
import { eventually } from '../helpers/wait.js';

const skip = await serviceSkip('redis');

/** Two nodes' connections on one fresh key prefix; closing purges the prefix through the adapter. */
async function openPair(name: string): Promise<{ counters: RedisCounters; peer: RedisCounters; prefix: string; close(): Promise<void> }> {
  const prefix = `${namespaceFor(name)}:`;
  const counters = await createRedisCounters({ url: REDIS_URL, keyPrefix: prefix, logger: silentLogger });
  const peer = await createRedisCounters({ url: REDIS_URL, keyPrefix: prefix, logger: silentLogger });
  return {
    counters,
    peer,
    prefix,
    async close() {
      await counters.purge();
      await Promise.all([counters.close(), peer.close()]);
    },
  };
}

describeCountersConformance('redis', () => openPair('redis-counters conformance'), skip);

describe('redis counters', { ...(skip !== undefined ? { skip } : {}) }, () => {
  const start = 1_700_000_000_000;
  let pair: Awaited<ReturnType<typeof openPair>>;
  let raw: Redis;
  before(async () => {
    pair = await openPair('redis-counters');
    raw = new Redis(REDIS_URL, { lazyConnect: true });
    await raw.connect();
  });
  after(async () => {
    await pair?.close();
    raw?.disconnect();
  });

  it('keeps each key under the prefix only as long as it matters: a full bucket goes at once', async () => {
    const { counters, prefix } = pair;
    const rule = { burst: 3, refillMs: 60_000 };
    await counters.take('visitor', rule, start);
    const bucket = `${prefix}b:visitor`;
    const ttl = await raw.pttl(bucket);
    assert.ok(ttl > 60_000 && ttl <= 120_000, `a bucket one token short lives until refilled, plus slack (${ttl} ms)`);
    await counters.take('visitor', rule, start + 60_000, 0);
    assert.equal(await raw.exists(bucket), 0, 'refilled, the bucket is the same as none');

    const day = Math.floor(start / 86_400_000);
    await counters.addDaily('messages', 10, start);
    const dayTtl = await raw.pttl(`${prefix}d:messages:${day}`);
    const untilMidnight = (day + 1) * 86_400_000 - start;
    assert.ok(dayTtl > untilMidnight && dayTtl <= untilMidnight + 60_000, `a day's count lives until the day is over (${dayTtl} ms)`);

    await counters.reserve('send-1', [{ key: 'caps', limit: 2, windowMs: 3_600_000 }], start);
    const windowTtl = await raw.pttl(`${prefix}w:caps`);
    assert.ok(windowTtl > 3_600_000 && windowTtl <= 3_660_000, `a window lives until its newest reservation has left it (${windowTtl} ms)`);
  });

  it('purges every counter under its prefix, and nothing else', async () => {
    const other = await openPair('redis-counters other');
    try {
      await pair.counters.take('purged', { burst: 2, refillMs: 1000 }, start);
      await other.counters.take('kept', { burst: 2, refillMs: 1000 }, start);
      assert.ok((await pair.counters.purge()) >= 1);
      assert.equal(await raw.exists(`${pair.prefix}b:purged`), 0);
      assert.equal(await raw.exists(`${other.prefix}b:kept`), 1);
    } finally {
      await other.close();
    }
  });

  it('while Redis is cut: limits per node from its own counts, reservations refused; shared again once back', async () => {
    const proxy = await tcpProxy(new URL(REDIS_URL));
    const url = new URL(REDIS_URL);
    url.port = String(proxy.port);
    const counters = await createRedisCounters({ url: url.toString(), keyPrefix: pair.prefix, logger: silentLogger });
    try {
      const rule = { burst: 2, refillMs: 3_600_000 };
      assert.deepEqual(await counters.take('outage', rule, start), { taken: true, remaining: 1, waitMs: 0, fullMs: 3_600_000 });
      assert.equal(counters.healthy(), true);
      await proxy.cut();
      await eventually('the counters to see Redis gone', () => !counters.healthy());
      // The node's own bucket starts full: the limit holds per node, and is never lifted.
      assert.equal((await counters.take('outage', rule, start)).remaining, 1);
      assert.equal((await counters.take('outage', rule, start)).remaining, 0);
      assert.equal((await counters.take('outage', rule, start)).taken, false);
      assert.deepEqual(await counters.addDaily('outage', 1, start), { added: true, value: 1 });
      await assert.rejects(counters.reserve('send', [{ key: 'outage', limit: 5, windowMs: 60_000 }], start), /unreachable/);
      await assert.rejects(counters.release('send', ['outage']), /unreachable/);
      proxy.restore();
      await eventually('the counters to reconnect', () => counters.healthy());
      // Back on Redis, which still holds the one token left before the cut.
      assert.deepEqual(await counters.take('outage', rule, start), { taken: true, remaining: 0, waitMs: 3_600_000, fullMs: 7_200_000 });
      assert.equal((await counters.reserve('send', [{ key: 'outage', limit: 5, windowMs: 60_000 }], start)).reserved, true);
    } finally {
      await counters.close();
      await proxy.close();
    }
  });
});

/**
 * A TCP proxy to Redis that the test can cut (close every connection and refuse new ones) and
 * restore, to play an outage without touching the machine's shared Redis.
 */
async function tcpProxy(target: URL): Promise<{ port: number; cut(): Promise<void>; restore(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(Number(target.port), target.hostname);
        sockets.add(client).add(upstream);
        for (const s of [client, upstream]) {
          s.on('error', () => s.destroy());
          s.on('close', () => {
            sockets.delete(s);
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  const cut = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of sockets) s.destroy();
    await closed;
  };
  await listen();
  return {
    port,
    cut,
    restore: () => void listen(),
    close: async () => {
      if (server.listening) await cut();
    },
  };
}
