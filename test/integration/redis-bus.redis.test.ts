import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRedisBus, type RedisBus } from '../../src/adapters/redis/redis-bus.js';
import type { BusChannels } from '../../src/ports/bus.js';
import { silentLogger } from '../../src/ports/logger.js';
import { busConformance } from '../helpers/bus-conformance.js';
import { freePort } from '../helpers/ports.js';
import { namespaceFor, REDIS_URL, serviceSkip } from '../helpers/services.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { eventually } from '../helpers/wait.js';

const skip = () => serviceSkip('redis');

// Three nodes of one installation (one prefix), each with its own pair of connections.
busConformance('RedisBus', async (logger) => {
  const prefix = `${namespaceFor('redis bus conformance')}:`;
  const [a, b, c] = await Promise.all([0, 1, 2].map(() => createRedisBus({ url: REDIS_URL, prefix, logger })));
  return { a: a!, b: b!, c: c!, close: async () => void (await Promise.all([a!.close(), b!.close(), c!.close()])) };
}, skip);

function listen(bus: RedisBus): string[] {
  const heard: string[] = [];
  bus.subscribe('queue.wake', (p) => heard.push(p.partitions[0]!));
  return heard;
}

const wake = (label: string): BusChannels['queue.wake'] => ({ queue: 'test', partitions: [label] });

describe('RedisBus', async () => {
  const skipped = await skip();
  const opts = skipped ? { skip: skipped } : {};

  it('installations with different prefixes share one Redis without hearing each other', opts, async () => {
    const first = namespaceFor('redis bus prefix one');
    const second = namespaceFor('redis bus prefix two');
    const a = await createRedisBus({ url: REDIS_URL, prefix: `${first}:`, logger: silentLogger });
    const b = await createRedisBus({ url: REDIS_URL, prefix: `${first}:`, logger: silentLogger });
    const other = await createRedisBus({ url: REDIS_URL, prefix: `${second}:`, logger: silentLogger });
    try {
      const onB = listen(b);
      const onOther = listen(other);
      await a.publish('queue.wake', wake('for-first'));
      await other.publish('queue.wake', wake('for-second'));
      await eventually('the first installation to hear its own payload', () => onB.includes('for-first'));
      // A fence in the second installation: `other` ignores its own echo, so ask a second node of it.
      const otherPeer = await createRedisBus({ url: REDIS_URL, prefix: `${second}:`, logger: silentLogger });
      try {
        const onPeer = listen(otherPeer);
        await a.publish('queue.wake', wake('late'));
        await otherPeer.publish('queue.wake', wake('fence'));
        await eventually('the fence in the second installation', () => onOther.includes('fence'));
        await eventually('the late payload in the first', () => onB.includes('late'));
        assert.deepEqual(onOther, ['for-second', 'fence'], 'nothing of the first installation');
        assert.deepEqual(onPeer, ['fence']);
        assert.ok(!onB.includes('for-second'), 'nothing of the second installation');
      } finally {
        await otherPeer.close();
      }
    } finally {
      await Promise.all([a.close(), b.close(), other.close()]);
    }
  });

  it('a node cut off from Redis reports unhealthy, still hears its own publishes, and recovers by itself', opts, async () => {
    const target = new URL(REDIS_URL);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    const prefix = `${namespaceFor('redis bus outage')}:`;
    const a = await createRedisBus({ url: proxy.via(REDIS_URL), prefix, logger: silentLogger });
    const b = await createRedisBus({ url: REDIS_URL, prefix, logger: silentLogger });
    try {
      const onA = listen(a);
      const onB = listen(b);
      assert.equal(a.healthy(), true);

      proxy.cut();
      await eventually('node A to notice the outage', () => !a.healthy());
      assert.equal(b.healthy(), true, 'the other node is not concerned');
      await a.publish('queue.wake', wake('while-cut-from-a'));
      assert.deepEqual(onA, ['while-cut-from-a'], "the cut-off node's own handlers still hear it, and publish does not throw");
      await b.publish('queue.wake', wake('while-cut-from-b'));

      proxy.restore();
      await eventually('node A to reconnect and subscribe again', () => a.healthy());
      await b.publish('queue.wake', wake('after-from-b'));
      await eventually('B\'s payload on A after the outage', () => onA.includes('after-from-b'));
      await a.publish('queue.wake', wake('after-from-a'));
      await eventually('A\'s payload on B after the outage', () => onB.includes('after-from-a'));
      // At most once, and only to nodes connected at the time: nothing is replayed after an outage.
      assert.deepEqual(onA, ['while-cut-from-a', 'after-from-b', 'after-from-a']);
      assert.deepEqual(onB, ['while-cut-from-b', 'after-from-b', 'after-from-a']);

      proxy.cut();
      await eventually('node A to notice the second outage', () => !a.healthy());
      await a.close();
      await a.close();
    } finally {
      await Promise.all([a.close(), b.close()]);
      await proxy.close();
    }
  });

  it('start fails with a clear error naming Redis, without the password, when Redis cannot be reached', opts, async () => {
    const port = await freePort();
    await assert.rejects(
      createRedisBus({ url: `redis://herald:s3cret-pass@127.0.0.1:${port}/0`, logger: silentLogger }),
      (err: Error) => {
        assert.match(err.message, new RegExp(`cannot connect to Redis at redis://herald:\\*\\*\\*@127\\.0\\.0\\.1:${port}`));
        assert.doesNotMatch(err.message, /s3cret/);
        return true;
      },
    );
  });
});
