import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { testCertificate } from '../mocks/tls.js';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';
import { namespaceFor, REDIS_URL, serviceSkip } from '../helpers/services.js';
import { nextEvents, openStream } from '../helpers/streams.js';

// `rediss://` works end to end: a node whose Redis is behind TLS (a terminating proxy in front of
// the test Redis, serving a private CA's certificate) shares the bus with a node on plain Redis.

/** TLS in front of the test Redis, as a managed Redis with a private CA would look to Herald. */
async function startTlsTerminator(cert: string, key: string): Promise<{ port: number; close(): Promise<void> }> {
  const target = new URL(REDIS_URL);
  const sockets = new Set<TLSSocket>();
  const server: Server = createServer({ cert, key }, (client) => {
    sockets.add(client);
    const upstream = connect(Number(target.port), target.hostname);
    const drop = () => {
      sockets.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('Redis over TLS (rediss://)', async () => {
  const skipped = await serviceSkip('redis');
  const opts = skipped ? { skip: skipped } : {};
  let terminator: Awaited<ReturnType<typeof startTlsTerminator>>;
  let dir: string;
  let caFile: string;
  let prefix: string;
  let overTls: TestServer | undefined;
  let plain: TestServer | undefined;

  before(async () => {
    if (skipped) return;
    const { cert, key } = testCertificate();
    terminator = await startTlsTerminator(cert, key);
    dir = mkdtempSync(join(tmpdir(), 'herald-redis-tls-'));
    caFile = join(dir, 'redis-ca.pem');
    writeFileSync(caFile, cert);
    prefix = `${namespaceFor('redis tls')}:`;
  });
  after(async () => {
    await Promise.all([overTls?.close(), plain?.close()]);
    await terminator?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('with redis-ca-file, a node on rediss:// shares the bus with a node on plain redis://', opts, async () => {
    overTls = await startTestServer({ 'redis-url': `rediss://localhost:${terminator.port}/0`, 'redis-ca-file': caFile, 'redis-prefix': prefix });
    plain = await startTestServer({ 'redis-url': REDIS_URL, 'redis-prefix': prefix });
    assert.deepEqual(await (await fetch(`${overTls.url}/v1/health`)).json(), { healthy: true, redis: 'ok' });
    const topic = randomTopic();
    const onPlain = await openStream(`${plain.url}/${topic}/json`);
    try {
      await nextEvents(onPlain);
      const res = await fetch(`${overTls.url}/${topic}`, { method: 'POST', body: 'sent over TLS' });
      assert.equal(res.status, 200);
      const [event] = await nextEvents(onPlain);
      assert.equal(event!.message, 'sent over TLS');
    } finally {
      onPlain.close();
    }
  });

  it('without the CA, the server certificate is refused and the start fails saying why', opts, async () => {
    const own = mkdtempSync(join(tmpdir(), 'herald-redis-tls-'));
    try {
      await assert.rejects(startTestServer({ 'redis-url': `rediss://localhost:${terminator.port}/0`, 'redis-prefix': prefix }, own), /cannot connect to Redis at rediss:\/\/localhost:\d+\/0: .*certificate/);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });
});
