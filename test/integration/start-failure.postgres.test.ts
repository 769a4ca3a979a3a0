import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { freePort } from '../helpers/ports.js';
import { freshPostgresSchema, namespaceFor, POSTGRES_URL, REDIS_URL, serviceSkip } from '../helpers/services.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { eventually } from '../helpers/wait.js';

// Issue 12, point 5, on PostgreSQL: a start that fails after the pool opened (a port in use, a
// migration that fails) closes the pool and every other connection; an unreachable database is
// named in the error without its password. Connections go through TCP proxies that count them.

async function listenOn(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}

describe('a start on PostgreSQL that fails', async () => {
  const skipped = (await serviceSkip('postgres')) ?? (await serviceSkip('redis'));
  const opts = skipped ? { skip: skipped } : {};
  let pgProxy: TcpProxy;
  let redisProxy: TcpProxy;

  before(async () => {
    if (skipped) return;
    const pg = new URL(POSTGRES_URL);
    const redis = new URL(REDIS_URL);
    pgProxy = await startTcpProxy({ host: pg.hostname, port: Number(pg.port) });
    redisProxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port) });
  });
  after(async () => {
    await pgProxy?.close();
    await redisProxy?.close();
  });

  it('a port in use after the stores migrated: the pool and the Redis connections are closed, and the next start works', opts, async () => {
    const db = await freshPostgresSchema('start failure postgres port');
    const dir = mkdtempSync(join(tmpdir(), 'herald-start-failure-'));
    const port = await freePort();
    const blocker = await listenOn(port);
    const flags = {
      'listen-http': `127.0.0.1:${port}`,
      'database-url': pgProxy.via(db.url),
      'redis-url': redisProxy.via(REDIS_URL),
      'redis-prefix': `${namespaceFor('start failure postgres')}:`,
    };
    let second: TestServer | undefined;
    try {
      try {
        await assert.rejects(startTestServer(flags, dir), /EADDRINUSE/);
        await eventually('the PostgreSQL pool to close', () => pgProxy.connections === 0);
        await eventually('the Redis connections to close', () => redisProxy.connections === 0);
      } finally {
        await new Promise<void>((resolve) => blocker.close(() => resolve()));
      }
      second = await startTestServer(flags, dir);
      assert.deepEqual(await (await fetch(`${second.url}/v1/health`)).json(), { healthy: true, database: 'ok', redis: 'ok' });
      assert.equal((await fetch(`${second.url}/after-a-failed-start`, { method: 'POST', body: 'started again' })).status, 200);
    } finally {
      await second?.stop();
      rmSync(dir, { recursive: true, force: true });
      await db.drop();
    }
  });

  it("a migration that fails: the error is the migration's, and the pool is closed", opts, async () => {
    const db = await freshPostgresSchema('start failure migration');
    const dir = mkdtempSync(join(tmpdir(), 'herald-start-failure-'));
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      // Something else's table where the message cache wants to create its own.
      await client.query('CREATE TABLE messages (something_else integer)');
      await assert.rejects(startTestServer({ 'database-url': pgProxy.via(db.url) }, dir), /messages/);
      await eventually('the PostgreSQL pool to close', () => pgProxy.connections === 0);
    } finally {
      await client.end();
      rmSync(dir, { recursive: true, force: true });
      await db.drop();
    }
  });

  it('an unreachable database: the error names the URL without its password', opts, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-start-failure-'));
    const port = await freePort();
    try {
      await assert.rejects(startTestServer({ 'database-url': `postgres://herald:s3cret-pass@127.0.0.1:${port}/herald` }, dir), (err: Error) => {
        assert.match(err.message, new RegExp(`cannot connect to PostgreSQL at postgres://herald:\\*\\*\\*@127\\.0\\.0\\.1:${port}/herald`));
        assert.doesNotMatch(err.message, /s3cret-pass/);
        return true;
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
