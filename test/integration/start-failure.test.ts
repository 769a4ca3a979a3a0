import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killHeraldProcesses, runHeraldProcess } from '../helpers/herald-process.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { freePort } from '../helpers/ports.js';
import { namespaceFor, REDIS_URL, serviceSkip } from '../helpers/services.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { eventually } from '../helpers/wait.js';

// Issue 12, point 5: a start that fails half-way releases what it opened, newest first, so that
// nothing is left holding connections, threads or ports and the process can simply start again.

/** TCP sockets and listeners of this process (what a leaked connection or listener would add to). */
function tcpHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap').length;
}

async function listenOn(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}

describe('a start that fails after Redis and the stores opened', async () => {
  const skipped = await serviceSkip('redis');
  const opts = skipped ? { skip: skipped } : {};
  let proxy: TcpProxy;
  let dir: string;

  before(async () => {
    if (skipped) return;
    const target = new URL(REDIS_URL);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
    dir = mkdtempSync(join(tmpdir(), 'herald-start-failure-'));
  });
  after(async () => {
    await proxy?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a port in use: the error says so, every connection is closed, and the next start on the same files works', opts, async () => {
    const port = await freePort();
    const blocker = await listenOn(port);
    const flags = {
      'listen-http': `127.0.0.1:${port}`,
      'redis-url': proxy.via(REDIS_URL),
      'redis-prefix': `${namespaceFor('start failure port')}:`,
    };
    const handlesBefore = tcpHandles();
    let second: TestServer | undefined;
    try {
      await assert.rejects(startTestServer(flags, dir), /EADDRINUSE/);
      // The bus (two connections) and the counters had connected through the proxy before the listen failed.
      await eventually('the Redis connections to close', () => proxy.connections === 0);
      await eventually('no socket of the failed start to remain', () => tcpHandles() <= handlesBefore);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
    try {
      second = await startTestServer(flags, dir);
      const health = await fetch(`${second.url}/v1/health`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { healthy: true, redis: 'ok' });
      const published = await fetch(`${second.url}/after-a-failed-start`, { method: 'POST', body: 'started again' });
      assert.equal(published.status, 200);
    } finally {
      // Not close(): the directory is the suite's, removed after it.
      await second?.stop();
    }
  });
});

describe('herald serve whose start fails', async () => {
  const skipped = await serviceSkip('redis');
  const opts = skipped ? { skip: skipped } : {};
  after(() => killHeraldProcesses());

  it('exits with status 1 and the reason: nothing it opened keeps the process alive', opts, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-start-failure-'));
    const port = await freePort();
    const blocker = await listenOn(port);
    try {
      const run = await runHeraldProcess(['serve',
        '--listen-http', `127.0.0.1:${port}`, '--redis-url', REDIS_URL, '--redis-prefix', `${namespaceFor('serve start failure')}:`,
        '--cache-file', join(dir, 'cache.db'), '--database-file', join(dir, 'herald.db'), '--queue-file', join(dir, 'queue.db'),
        '--attachment-cache-dir', join(dir, 'attachments'), '--log-level', 'error']);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /EADDRINUSE/);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a start that cannot reach Redis', () => {
  it('fails naming the URL without its password, and leaves nothing open', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'herald-start-failure-'));
    const handlesBefore = tcpHandles();
    try {
      await assert.rejects(startTestServer({ 'redis-url': `redis://herald:s3cret-pass@127.0.0.1:${port}/0` }, dir), (err: Error) => {
        assert.match(err.message, new RegExp(`cannot connect to Redis at redis://herald:\\*\\*\\*@127\\.0\\.0\\.1:${port}/0`));
        assert.doesNotMatch(err.message, /s3cret-pass/);
        return true;
      });
      await eventually('no socket of the failed start to remain', () => tcpHandles() <= handlesBefore);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unreadable redis-ca-file is a start-up error naming the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-start-failure-'));
    try {
      await assert.rejects(startTestServer({ 'redis-url': 'rediss://127.0.0.1:6380/0', 'redis-ca-file': join(dir, 'missing.pem') }, dir), /cannot read redis-ca-file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('database-url with auth-file', () => {
  it('is refused before anything is opened: with database-url the accounts live in PostgreSQL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-start-failure-'));
    try {
      writeFileSync(join(dir, 'auth.db'), '');
      // Nothing listens on port 1: had the server tried to connect, the error would say so instead.
      await assert.rejects(
        startTestServer({ 'database-url': 'postgres://herald@127.0.0.1:1/herald', 'auth-file': 'auth.db' }, dir),
        /auth-file and database-url are both set/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
