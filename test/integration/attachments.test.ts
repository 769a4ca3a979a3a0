import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ 'base-url': 'http://files.test', 'attachment-file-size-limit': '64k', 'visitor-attachment-total-size-limit': '200k' });
});
after(() => server.close());

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, ...new Array(100).fill(7)]);

async function publish(topic: string, body: Uint8Array | string, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}/${topic}`, { method: 'PUT', body, headers });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe('attachments', () => {
  test('a body of exactly 4096 bytes becomes an attachment, 4095 stays a message', async () => {
    const small = await publish(randomTopic(), 'a'.repeat(4095));
    assert.equal(small.body.message, 'a'.repeat(4095));
    assert.equal(small.body.attachment, undefined);
    const big = await publish(randomTopic(), 'a'.repeat(4096));
    assert.equal(big.status, 200);
    const a = big.body.attachment;
    assert.deepEqual(Object.keys(a), ['name', 'type', 'size', 'expires', 'url']);
    assert.equal(a.name, 'attachment.txt');
    assert.equal(a.type, 'text/plain; charset=utf-8');
    assert.equal(a.size, 4096);
    assert.equal(a.url, `http://files.test/file/${big.body.id}.txt`);
    assert.ok(Math.abs(a.expires - (big.body.time + 3 * 3600)) <= 2);
    assert.equal(big.body.message, 'You received a file: attachment.txt');
  });

  test('uploads are sniffed, named, downloadable with GET and HEAD', async () => {
    const r = await publish(randomTopic(), PNG, { Filename: 'chart.png', Message: 'look' });
    assert.equal(r.status, 200);
    assert.equal(r.body.message, 'look');
    assert.equal(r.body.attachment.type, 'image/png');
    assert.equal(r.body.attachment.name, 'chart.png');
    const path = new URL(r.body.attachment.url).pathname;
    const get = await fetch(`${server.url}${path}`);
    assert.equal(get.status, 200);
    assert.equal(get.headers.get('content-length'), String(PNG.length));
    assert.equal(get.headers.get('content-disposition'), 'attachment; filename="chart.png"');
    assert.deepEqual(new Uint8Array(await get.arrayBuffer()), PNG);
    const head = await fetch(`${server.url}${path}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(PNG.length));
    assert.ok(existsSync(join(server.dir, 'attachments', r.body.id)));
  });

  test('binary bodies become attachment.bin when nothing is sniffed', async () => {
    const r = await publish(randomTopic(), new Uint8Array([0, 1, 2, 3, 0xff, 0xfe]));
    assert.equal(r.body.attachment.name, 'attachment.bin');
    assert.equal(r.body.attachment.type, 'application/octet-stream');
  });

  test('per-file and per-visitor limits give 413 41301', async () => {
    const tooBig = await publish(randomTopic(), new Uint8Array(65 * 1024 + 1));
    assert.equal(tooBig.status, 413);
    assert.equal(tooBig.body.code, 41301);
    const dir = randomTopic();
    let refused = 0;
    for (let i = 0; i < 5; i++) {
      const r = await publish(dir, new Uint8Array(60 * 1024), { Filename: `f${i}.bin` });
      if (r.status === 413) refused++;
    }
    assert.ok(refused >= 1, 'the visitor total of 200k must refuse some of 5 × 60k uploads');
  });

  test('a delay beyond the attachment expiry is 40015', async () => {
    const r = await publish(randomTopic(), PNG, { Filename: 'x.png', Delay: '1d' });
    assert.equal(r.status, 400);
    assert.equal(r.body.code, 40015);
  });

  test('unknown files are 404', async () => {
    const res = await fetch(`${server.url}/file/AAAAAAAAAAAA.png`);
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { code: number }).code, 40401);
  });

  test('without base-url the attachment URL uses the address the client called', async () => {
    const other = await startTestServer();
    try {
      const res = await fetch(`${other.url}/${randomTopic()}`, { method: 'PUT', body: 'x'.repeat(5000) });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { id: string; attachment: { url: string } };
      assert.equal(body.attachment.url, `${other.url}/file/${body.id}.txt`);
      assert.equal((await fetch(body.attachment.url)).status, 200);
    } finally {
      await other.close();
    }
  });
});
