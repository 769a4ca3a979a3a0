import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, OffsetClock } from '../helpers/manual-clock.js';
import { startTestS3, type TestS3 } from '../helpers/s3-server.js';
import { randomTopic, startTestServer, type TestServer } from '../helpers/server.js';

// Attachments in an S3 bucket (s3rver, in process), through Herald's HTTP API.
const PREFIX = 'herald';
const HOUR = 3600_000;

function s3Flags(s3: TestS3, extra: Record<string, string> = {}): Record<string, string> {
  return { 'base-url': 'http://files.test', 'attachment-cache-dir': '', 'attachment-s3-url': s3.url(PREFIX), ...extra };
}

interface Upload {
  status: number;
  code?: number;
  id?: string;
  /** `/file/<id>.<ext>` */
  path?: string;
}

async function upload(server: TestServer, body: Uint8Array, headers: Record<string, string> = {}): Promise<Upload> {
  const res = await fetch(`${server.url}/${randomTopic()}`, { method: 'PUT', body, headers: { Filename: 'data.bin', ...headers } });
  const json = (await res.json()) as { id?: string; code?: number; attachment?: { url: string } };
  return {
    status: res.status,
    ...(json.code ? { code: json.code } : {}),
    ...(json.id ? { id: json.id } : {}),
    ...(json.attachment ? { path: new URL(json.attachment.url).pathname } : {}),
  };
}

test('an upload goes to the bucket, and GET and HEAD /file/<id> serve it from there', async () => {
  const s3 = await startTestS3();
  const server = await startTestServer(s3Flags(s3));
  try {
    const data = randomBytes(300_000);
    const up = await upload(server, data, { Filename: 'report.pdf' });
    assert.equal(up.status, 200);
    assert.deepEqual(await s3.keys(), [`${PREFIX}/${up.id}`]);

    const res = await fetch(`${server.url}${up.path}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), String(data.length));
    assert.match(res.headers.get('content-disposition') ?? '', /report\.pdf/);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), data);

    const head = await fetch(`${server.url}${up.path}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(data.length));
    assert.equal((await head.arrayBuffer()).byteLength, 0);

    assert.equal((await fetch(`${server.url}/file/AAAAAAAAAAAA`)).status, 404);
  } finally {
    await server.close();
    await s3.close();
  }
});

test('the attachment limits hold as with a directory: file size, visitor quota, server total', async () => {
  const s3 = await startTestS3();
  const perFile = await startTestServer(s3Flags(s3, { 'attachment-file-size-limit': '600k', 'visitor-attachment-total-size-limit': '1M' }));
  try {
    const tooBig = await upload(perFile, new Uint8Array(700_000));
    assert.deepEqual([tooBig.status, tooBig.code], [413, 41301]);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await upload(perFile, new Uint8Array(500_000), i === 1 ? { Cache: 'no' } : {})).status);
    assert.deepEqual(statuses, [200, 200, 413], 'cached and uncached uploads share the visitor quota');
    assert.equal((await s3.keys()).length, 2, 'refused uploads leave nothing in the bucket');
  } finally {
    await perFile.close();
  }
  const total = await startTestServer(s3Flags(s3, { 'attachment-total-size-limit': '1200k', 'visitor-attachment-total-size-limit': '10M' }));
  try {
    // The two files already in the bucket (1,000,000 bytes) count against the server's total.
    assert.equal((await upload(total, new Uint8Array(300_000))).status, 413);
    assert.equal((await upload(total, new Uint8Array(200_000))).status, 200);
  } finally {
    await total.close();
    await s3.close();
  }
});

test('expiry deletes the objects of cached and Cache: no uploads, and their downloads end', async () => {
  const s3 = await startTestS3();
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  const server = await startTestServer(s3Flags(s3), undefined, { clock });
  try {
    const cached = await upload(server, new Uint8Array(10_000).fill(1));
    const uncached = await upload(server, new Uint8Array(10_000).fill(2), { Cache: 'no' });
    assert.equal((await fetch(`${server.url}${uncached.path}`)).status, 200, 'a Cache: no upload downloads until it expires');
    assert.deepEqual(await s3.keys(), [`${PREFIX}/${cached.id}`, `${PREFIX}/${uncached.id}`].sort());

    clock.advance(3 * HOUR + 1000);
    await server.topics.manage();
    assert.deepEqual(await s3.keys(), []);
    assert.equal((await fetch(`${server.url}${cached.path}`)).status, 404);
    assert.equal((await fetch(`${server.url}${uncached.path}`)).status, 404);
  } finally {
    await server.close();
    await s3.close();
  }
});

test('orphans: a file no message names is deleted only once older than any attachment lives, at start or by the hourly sweep', async () => {
  const s3 = await startTestS3();
  const dir = mkdtempSync(join(tmpdir(), 'herald-s3-orphans-'));
  try {
    // Another node's file (a Cache: no upload it remembers, say): young, so it must survive.
    await s3.put(`${PREFIX}/otherNode001`, 'theirs');
    await s3.put('outside-the-prefix', 'not herald');
    const first = await startTestServer(s3Flags(s3), dir);
    const cached = await upload(first, new Uint8Array(5000));
    const uncached = await upload(first, new Uint8Array(5000), { Cache: 'no' });
    await first.stop();
    assert.deepEqual(await s3.keys(PREFIX), [`${PREFIX}/${cached.id}`, `${PREFIX}/${uncached.id}`, `${PREFIX}/otherNode001`].sort());

    // Restarted at once: the uncached upload's memory is gone, but it may still be in use elsewhere.
    const clock = new OffsetClock();
    const second = await startTestServer(s3Flags(s3), dir, { clock });
    try {
      assert.deepEqual(await s3.keys(PREFIX), [`${PREFIX}/${cached.id}`, `${PREFIX}/${uncached.id}`, `${PREFIX}/otherNode001`].sort());
      // Past the attachment expiry and the clock margin, the sweep of the manager pass takes them.
      clock.advance(3 * HOUR + 16 * 60_000);
      await second.topics.manage();
      assert.deepEqual(await s3.keys(PREFIX), []);
      assert.deepEqual(await s3.keys('outside'), ['outside-the-prefix'], 'objects outside the prefix are not Herald\'s');
    } finally {
      await second.stop();
    }

    // At start, with a clock already past the expiry: an old unnamed file goes at once.
    await s3.put(`${PREFIX}/leftOver0001`, 'stale');
    const third = await startTestServer(s3Flags(s3), dir, { clock: new OffsetClock(3 * HOUR + 16 * 60_000) });
    await third.stop();
    assert.deepEqual(await s3.keys(PREFIX), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await s3.close();
  }
});

test('with the bucket unreachable, uploads and downloads answer 503 (50303), plain messages still publish', async () => {
  const s3 = await startTestS3();
  const server = await startTestServer(s3Flags(s3));
  try {
    const stored = await upload(server, new Uint8Array(8000));
    assert.equal(stored.status, 200);
    await s3.close();
    const refused = await upload(server, new Uint8Array(8000));
    assert.deepEqual([refused.status, refused.code], [503, 50303]);
    const download = await fetch(`${server.url}${stored.path}`);
    assert.equal(download.status, 503);
    assert.equal(((await download.json()) as { code: number }).code, 50303);
    assert.equal((await fetch(`${server.url}/${randomTopic()}`, { method: 'POST', body: 'still here' })).status, 200);
  } finally {
    await server.close();
  }
});

test('a bucket that cannot be reached at start stops the start with a message naming it', async () => {
  const s3 = await startTestS3();
  const url = s3.url(PREFIX);
  await s3.close();
  await assert.rejects(startTestServer({ 'base-url': 'http://files.test', 'attachment-cache-dir': '', 'attachment-s3-url': url }), /attachment-s3-url: cannot list s3\+http:\/\/127\.0\.0\.1:\d+\/herald-[0-9a-f]+\/herald\//);
});
