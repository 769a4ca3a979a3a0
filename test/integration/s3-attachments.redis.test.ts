import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startBusCluster, type ClusterNode } from '../helpers/cluster.js';
import { startTestS3, type TestS3 } from '../helpers/s3-server.js';
import { randomTopic } from '../helpers/server.js';
import { serviceSkip } from '../helpers/services.js';
import { nextEvents, openStream } from '../helpers/streams.js';
import { eventuallyValue } from '../helpers/wait.js';

// Issue 12, point 7: attachments shared by all nodes. Two Herald servers whose links are the bus
// over Redis and one S3 bucket, each with its own message cache: whichever node a download
// reaches (a load balancer picks), it serves the file, cached or not.

async function upload(node: ClusterNode, topic: string, body: Uint8Array, headers: Record<string, string> = {}): Promise<{ id: string; path: string }> {
  const res = await fetch(`${node.url}/${topic}`, { method: 'PUT', body, headers: { Filename: 'shared.bin', ...headers } });
  assert.equal(res.status, 200);
  const json = (await res.json()) as { id: string; attachment: { url: string } };
  return { id: json.id, path: new URL(json.attachment.url).pathname };
}

/** The file as `node` serves it, once that node has heard of its message. */
function downloadFrom(node: ClusterNode, path: string): Promise<Buffer> {
  return eventuallyValue(`${path} on ${node.url}`, async () => {
    const res = await fetch(`${node.url}${path}`);
    return res.status === 200 ? Buffer.from(await res.arrayBuffer()) : (await res.body?.cancel(), undefined);
  });
}

describe('attachments across two nodes on one bucket', async () => {
  const skipped = await serviceSkip('redis');
  const opts = skipped ? { skip: skipped } : {};
  let s3: TestS3;
  let a: ClusterNode;
  let b: ClusterNode;

  before(async () => {
    if (skipped) return;
    s3 = await startTestS3();
    [a, b] = (await startBusCluster('s3 attachments', 2, { 'base-url': 'http://files.test', 'attachment-s3-url': s3.url('shared') })) as [ClusterNode, ClusterNode];
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await s3?.close();
  });

  it('a file uploaded through A downloads (GET and HEAD) from B, and the other way round with Cache: no', opts, async () => {
    const topic = randomTopic();
    const stream = await openStream(`${b.url}/${topic}/json`);
    try {
      assert.equal((await nextEvents(stream))[0]!.event, 'open');
      const data = randomBytes(200_000);
      const sent = await upload(a, topic, data);
      const [live] = await nextEvents(stream);
      assert.equal(live!.id, sent.id, 'the subscriber on B hears of the file');
      assert.deepEqual(await downloadFrom(b, sent.path), data);
      const head = await fetch(`${b.url}${sent.path}`, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('content-length'), String(data.length));

      const uncachedData = randomBytes(50_000);
      const uncached = await upload(b, randomTopic(), uncachedData, { Cache: 'no' });
      assert.deepEqual(await downloadFrom(a, uncached.path), uncachedData);
    } finally {
      stream.close();
    }
  });

  it('a node joining later keeps the files the others still use', opts, async () => {
    const sent = await upload(a, randomTopic(), randomBytes(10_000), { Cache: 'no' });
    const [c] = await startBusCluster('s3 attachments joining', 1, { 'base-url': 'http://files.test', 'attachment-s3-url': s3.url('shared') });
    try {
      assert.ok((await s3.keys('shared/')).includes(`shared/${sent.id}`), 'the start-up orphan sweep left it');
      assert.equal((await fetch(`${a.url}${sent.path}`)).status, 200);
    } finally {
      await c!.close();
    }
  });
});
