import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startBusCluster, type ClusterNode } from '../helpers/cluster.js';
import { serviceSkip } from '../helpers/services.js';
import { nextEvents, openStream } from '../helpers/streams.js';
import { randomTopic } from '../helpers/server.js';
import { eventually } from '../helpers/wait.js';

// Issue 12, point 2 (the Bus): two Herald servers whose only link is the bus over Redis. A message
// published on one reaches the live subscribers of the other over json, sse and ws; the durable
// side of the publish (cache, stats, pushes) stays with the node that accepted it.

async function publish(node: ClusterNode, topic: string, body: string): Promise<{ id: string }> {
  const res = await fetch(`${node.url}/${topic}`, { method: 'POST', body });
  assert.equal(res.status, 200);
  return (await res.json()) as { id: string };
}

describe('topics across two nodes on one bus', async () => {
  const skipped = await serviceSkip('redis');
  const opts = skipped ? { skip: skipped } : {};
  let a: ClusterNode;
  let b: ClusterNode;

  before(async () => {
    if (skipped) return;
    [a, b] = (await startBusCluster('cluster topics', 2)) as [ClusterNode, ClusterNode];
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it('a message published on A reaches subscribers on B over json, sse and ws', opts, async () => {
    const topic = randomTopic();
    const json = await openStream(`${b.url}/${topic}/json`);
    const sse = await openStream(`${b.url}/${topic}/sse`);
    const ws = new WebSocket(`${b.url.replace('http', 'ws')}/${topic}/ws`);
    const frames: string[] = [];
    ws.on('message', (data) => frames.push(data.toString()));
    try {
      assert.equal((await nextEvents(json))[0]!.event, 'open');
      assert.match((await sse.next(3)).join('\n'), /event: open/);
      await eventually('the ws open frame', () => frames.length >= 1);

      const sent = await publish(a, topic, 'from node A');
      const [viaJson] = await nextEvents(json);
      assert.equal(viaJson!.id, sent.id);
      assert.equal(viaJson!.message, 'from node A');
      const sseLines = await sse.next(2);
      assert.ok(sseLines.some((l) => l.startsWith('data: ') && (JSON.parse(l.slice(6)) as { id: string }).id === sent.id), sseLines.join('\n'));
      await eventually('the ws message frame', () => frames.length >= 2);
      assert.equal((JSON.parse(frames[1]!) as { id: string }).id, sent.id);
    } finally {
      json.close();
      sse.close();
      ws.close();
    }
  });

  it("the publishing node's own subscribers get the message once, not again as its echo from Redis", opts, async () => {
    const topic = randomTopic();
    const onA = await openStream(`${a.url}/${topic}/json`);
    try {
      await nextEvents(onA);
      const first = await publish(a, topic, 'first, from A');
      // Published after the first, on the other node: it reaches A through Redis, after any echo of the first would have.
      const second = await publish(b, topic, 'second, from B');
      const events = await nextEvents(onA, 2);
      assert.deepEqual(events.map((e) => e.id), [first.id, second.id]);
    } finally {
      onA.close();
    }
  });

  it('the durable side stays with the accepting node: only it caches and counts the message', opts, async () => {
    const topic = randomTopic();
    const onB = await openStream(`${b.url}/${topic}/json`);
    try {
      await nextEvents(onB);
      const before = await Promise.all([a, b].map(async (n) => ((await (await fetch(`${n.url}/v1/stats`)).json()) as { messages: number }).messages));
      const sent = await publish(a, topic, 'counted once');
      assert.equal((await nextEvents(onB))[0]!.id, sent.id);
      const afterStats = await Promise.all([a, b].map(async (n) => ((await (await fetch(`${n.url}/v1/stats`)).json()) as { messages: number }).messages));
      assert.deepEqual([afterStats[0]! - before[0]!, afterStats[1]! - before[1]!], [1, 0]);
      const cachedOnA = await (await fetch(`${a.url}/${topic}/json?poll=1&since=all`)).text();
      const cachedOnB = await (await fetch(`${b.url}/${topic}/json?poll=1&since=all`)).text();
      assert.match(cachedOnA, new RegExp(sent.id));
      assert.equal(cachedOnB, '', "B's own cache never saw it (each node here has its own SQLite file)");
    } finally {
      onB.close();
    }
  });
});
