import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock } from '../helpers/manual-clock.js';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';

// Issue 11: with a 1 MB visitor quota, 8 uploads of 500 kB with `Cache: no` were all accepted and
// their files were never deleted, so later uploads got 413 for good.
const FLAGS = { 'base-url': 'http://files.test', 'attachment-file-size-limit': '600k', 'visitor-attachment-total-size-limit': '1M' };
const UPLOAD = 500_000;

async function upload(server: TestServer, headers: Record<string, string> = {}): Promise<{ status: number; id?: string; path?: string }> {
  const res = await fetch(`${server.url}/${randomTopic()}`, { method: 'PUT', body: new Uint8Array(UPLOAD).fill(7), headers: { Filename: 'big.bin', ...headers } });
  const body = (await res.json()) as { id?: string; attachment?: { url: string } };
  return { status: res.status, ...(body.id ? { id: body.id } : {}), ...(body.attachment ? { path: new URL(body.attachment.url).pathname } : {}) };
}

function storedFiles(server: TestServer): string[] {
  return readdirSync(join(server.dir, 'attachments'));
}

test('Cache: no uploads count against the visitor attachment quota', async () => {
  const server = await startTestServer(FLAGS);
  try {
    const statuses = [];
    for (let i = 0; i < 8; i++) statuses.push((await upload(server, { Cache: 'no' })).status);
    assert.deepEqual(statuses, [200, 200, 413, 413, 413, 413, 413, 413]);
    assert.equal(storedFiles(server).length, 2);
    assert.equal((await upload(server)).status, 413, 'cached and uncached uploads share one quota');
  } finally {
    await server.close();
  }
});

test('uploads sent in parallel cannot all pass the same quota check', async () => {
  const server = await startTestServer(FLAGS);
  try {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => upload(server, i % 2 === 0 ? { Cache: 'no' } : {})));
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 200, 413, 413, 413, 413, 413, 413]);
    assert.equal(storedFiles(server).length, 2);
  } finally {
    await server.close();
  }
});

test('a Cache: no upload is downloadable until it expires, then its file is deleted and its quota freed', async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  const server = await startTestServer(FLAGS, undefined, { clock });
  try {
    const first = await upload(server, { Cache: 'no' });
    const second = await upload(server, { Cache: 'no' });
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    const download = await fetch(`${server.url}${first.path}`);
    assert.equal(download.status, 200, 'the subscriber that got the message can fetch the file');
    assert.equal((await download.arrayBuffer()).byteLength, UPLOAD);
    assert.equal((await upload(server)).status, 413);

    clock.advance(3 * 3600_000 + 1000); // past the default 3h attachment expiry
    await server.topics.manage();
    assert.equal(existsSync(join(server.dir, 'attachments', first.id!)), false);
    assert.equal(existsSync(join(server.dir, 'attachments', second.id!)), false);
    assert.equal((await fetch(`${server.url}${first.path}`)).status, 404);
    assert.equal((await upload(server)).status, 200, 'the quota is free again');
  } finally {
    await server.close();
  }
});

test('after a restart, files whose message is not cached are deleted; cached uploads stay', async () => {
  const first = await startTestServer(FLAGS);
  const dir = first.dir;
  let uncached: string;
  let cached: { id?: string; path?: string };
  try {
    uncached = (await upload(first, { Cache: 'no' })).id!;
    cached = await upload(first);
    assert.deepEqual(storedFiles(first).sort(), [uncached, cached.id!].sort());
  } finally {
    await first.stop();
  }
  const second = await startTestServer(FLAGS, dir);
  try {
    assert.deepEqual(storedFiles(second), [cached.id!]);
    assert.equal((await fetch(`${second.url}${cached.path}`)).status, 200);
    assert.equal((await upload(second)).status, 200, 'uploads work after the restart');
  } finally {
    await second.close();
  }
});
