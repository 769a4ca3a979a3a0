import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';
import { namespaceFor, REDIS_URL, serviceSkip } from '../helpers/services.js';
import { nextEvents, openStream, type LineStream } from '../helpers/streams.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { eventually } from '../helpers/wait.js';

// Issue 12, point 8: a node that loses Redis answers 503 on readiness, keeps what it accepted and
// recovers by itself once Redis is back. Node A reaches Redis through a TCP proxy the test cuts;
// node B reaches it directly, so live delivery from A to B shows when the bus works again.

async function health(node: TestServer): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${node.url}/v1/health`);
  return { status: res.status, body: await res.json() };
}

async function publish(node: TestServer, topic: string, body: string): Promise<string> {
  const res = await fetch(`${node.url}/${topic}`, { method: 'POST', body });
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { id: string }).id;
}

async function cached(node: TestServer, topic: string): Promise<string[]> {
  const res = await fetch(`${node.url}/${topic}/json?poll=1&since=all`);
  return (await res.text()).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { message: string }).message);
}

/** Waits for the next message event on `stream`, skipping keepalives. */
async function nextMessage(stream: LineStream): Promise<string> {
  for (;;) {
    const [event] = await nextEvents(stream);
    if (event?.event === 'message') return String(event.message);
  }
}

describe('a node that loses Redis', async () => {
  const skipped = await serviceSkip('redis');
  const opts = skipped ? { skip: skipped } : {};
  let proxy: TcpProxy;
  let a: TestServer;
  let b: TestServer;

  before(async () => {
    if (skipped) return;
    const target = new URL(REDIS_URL);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
    const prefix = `${namespaceFor('redis outage')}:`;
    a = await startTestServer({ 'redis-url': proxy.via(REDIS_URL), 'redis-prefix': prefix });
    b = await startTestServer({ 'redis-url': REDIS_URL, 'redis-prefix': prefix });
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await proxy?.close();
  });

  it('answers 503 while Redis is cut and 200 once it is back; accepted messages stay and live delivery resumes', opts, async () => {
    const topic = randomTopic();
    const onB = await openStream(`${b.url}/${topic}/json`);
    try {
      assert.equal((await nextEvents(onB))[0]!.event, 'open');
      assert.deepEqual(await health(a), { status: 200, body: { healthy: true, redis: 'ok' } });
      await publish(a, topic, 'before the cut');
      assert.equal(await nextMessage(onB), 'before the cut');

      proxy.cut();
      await eventually('readiness to turn 503', async () => (await health(a)).status === 503);
      assert.deepEqual((await health(a)).body, { healthy: false, redis: 'unreachable' });
      // Still accepting: the message is stored, rate limits are counted on this node meanwhile.
      await publish(a, topic, 'during the cut');
      assert.deepEqual(await cached(a, topic), ['before the cut', 'during the cut']);

      proxy.restore();
      await eventually('readiness to be 200 again', async () => (await health(a)).status === 200);
      assert.deepEqual((await health(a)).body, { healthy: true, redis: 'ok' });
      await publish(a, topic, 'after the cut');
      assert.equal(await nextMessage(onB), 'after the cut');
      assert.deepEqual(await cached(a, topic), ['before the cut', 'during the cut', 'after the cut']);
    } finally {
      onB.close();
    }
  });

  it('a Redis that hangs instead of going away does not hang requests: they complete once its replies are late', opts, async () => {
    const topic = randomTopic();
    proxy.stall();
    try {
      // Without a command timeout this request would wait on the rate-limit counters for ever.
      await publish(a, topic, 'while Redis hangs');
      assert.deepEqual(await cached(a, topic), ['while Redis hangs']);
      // The connection still looks up, but the node counts on its own now: not ready.
      assert.deepEqual(await health(a), { status: 503, body: { healthy: false, redis: 'unreachable' } });
    } finally {
      proxy.restore();
    }
    const onB = await openStream(`${b.url}/${topic}/json`);
    try {
      await nextEvents(onB);
      // The bus of A resubscribes or carries on once the replies flow again.
      await eventually('A to reach B over the bus again', async () => {
        await publish(a, topic, 'ping');
        const [event] = await nextEvents(onB, 1, 2000).catch(() => [undefined]);
        return event?.event === 'message';
      });
      await eventually('readiness to be 200 again', async () => (await health(a)).status === 200);
    } finally {
      onB.close();
    }
  });
});
