import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRedisCounters } from '../../src/adapters/redis/redis-counters.js';
import { silentLogger } from '../../src/ports/logger.js';
import { killHeraldProcesses, restartablePort, spawnHerald, untilHealthy } from '../helpers/herald-process.js';
import { randomTopic } from '../helpers/server.js';
import { freshPostgresSchema, namespaceFor, POSTGRES_URL, REDIS_URL, serviceSkip } from '../helpers/services.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { eventually } from '../helpers/wait.js';

// A node that has lost PostgreSQL must still stop on SIGTERM, as an orchestrator restarting it
// expects. Its shutdown then fails to write what it keeps in memory (the publish counter): that
// failure is reported, and everything else is closed anyway; the Redis connections of the bus and
// the counters, left open, kept the process alive for good. Found when a node whose schema was
// dropped under it ignored SIGTERM.

describe('a node cut from PostgreSQL', async () => {
  const skipped = (await serviceSkip('postgres')) ?? (await serviceSkip('redis'));
  const opts = skipped ? { skip: skipped } : {};
  let db: Awaited<ReturnType<typeof freshPostgresSchema>>;
  let proxy: TcpProxy;
  const redisPrefix = `${namespaceFor('shutdown outage')}:`;

  before(async () => {
    if (skipped) return;
    db = await freshPostgresSchema('shutdown outage');
    const target = new URL(POSTGRES_URL);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
  });
  after(async () => {
    await killHeraldProcesses();
    await proxy?.close();
    await db?.drop();
    if (!skipped) {
      // The node's rate-limit buckets.
      const counters = await createRedisCounters({ url: REDIS_URL, keyPrefix: redisPrefix, logger: silentLogger });
      await counters.purge();
      await counters.close();
    }
  });

  it('exits on SIGTERM, reporting what it could not save', opts, async () => {
    const port = await restartablePort();
    const url = `http://127.0.0.1:${port}`;
    const node = spawnHerald(['serve', `--listen-http=127.0.0.1:${port}`, `--database-url=${proxy.via(db.url)}`,
      `--redis-url=${REDIS_URL}`, `--redis-prefix=${redisPrefix}`, '--attachment-cache-dir=',
      // No housekeeping pass saves the publish counter meanwhile: the shutdown has it to write.
      '--manager-interval=1h', '--shutdown-timeout=3s', '--log-level=info']);
    await untilHealthy(url, node);
    assert.equal((await fetch(`${url}/${randomTopic()}`, { method: 'POST', body: 'counted, not yet saved' })).status, 200);

    proxy.cut();
    node.child.kill('SIGTERM');
    await eventually('the node to exit', () => node.child.exitCode !== null || node.child.signalCode !== null, 60_000, 50);
    assert.equal(await node.exited, 0, node.stderr());
    const log = node.stdout().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; err?: { message: string } });
    assert.ok(log.some((l) => l.msg === 'herald stopped'), 'the last steps of the shutdown ran');
    const failure = log.find((l) => l.msg === 'shutdown failed');
    assert.match(failure?.err?.message ?? '', /^shutdown: saving the publish counter failed/);
  });
});
