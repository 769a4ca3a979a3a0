import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileAttachmentStore } from '../../src/adapters/local/file-attachment-store.js';
import { createS3AttachmentStore } from '../../src/adapters/s3/s3-attachment-store.js';
import { HeraldError } from '../../src/errors/index.js';
import type { AttachmentStore } from '../../src/ports/attachment-store.js';
import { attachmentStoreConformance } from '../helpers/attachment-store-conformance.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { startTestS3 } from '../helpers/s3-server.js';

attachmentStoreConformance('directory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-attachments-'));
  const opened: AttachmentStore[] = [];
  return {
    shared: false,
    open: async () => {
      const store = await createFileAttachmentStore(dir);
      opened.push(store);
      return store;
    },
    close: async () => {
      await Promise.all(opened.map((s) => s.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

attachmentStoreConformance('S3 (s3rver)', async () => {
  const s3 = await startTestS3();
  const opened: AttachmentStore[] = [];
  return {
    shared: true,
    open: async () => {
      const store = await createS3AttachmentStore({ location: s3.location('herald') });
      opened.push(store);
      return store;
    },
    close: async () => {
      await Promise.all(opened.map((s) => s.close()));
      await s3.close();
    },
  };
});

test('S3: objects outside the prefix, or deeper under it, are not attachments; listing follows every page', async () => {
  const s3 = await startTestS3();
  const store = await createS3AttachmentStore({ location: s3.location('a/b'), client: { listPageSize: 2 } });
  try {
    await s3.put('a/b/nested/ddddddddddd1', 'not ours');
    await s3.put('a/other', 'not ours');
    await s3.put('elsewhere', 'not ours');
    const ids = ['eeeeeeeeeee1', 'eeeeeeeeeee2', 'eeeeeeeeeee3', 'eeeeeeeeeee4', 'eeeeeeeeeee5'];
    for (const id of ids) await store.put(id, new Uint8Array(7));
    assert.equal(await s3.has('a/b/eeeeeeeeeee1'), true, 'the key is the prefix and the id');
    assert.deepEqual((await store.ids()).sort(), ids);
    const reopened = await createS3AttachmentStore({ location: s3.location('a/b'), client: { listPageSize: 2 } });
    assert.equal(await reopened.totalSize(), 35);
    await reopened.close();
  } finally {
    await store.close();
    await s3.close();
  }
});

test('S3: the server-wide total takes in the other nodes\' files once it is older than the refresh interval', async () => {
  const s3 = await startTestS3();
  const clock = new ManualClock();
  const a = await createS3AttachmentStore({ location: s3.location(), clock, totalRefreshMs: 30_000 });
  const b = await createS3AttachmentStore({ location: s3.location(), clock, totalRefreshMs: 30_000 });
  try {
    await a.put('fffffffffff1', new Uint8Array(100));
    assert.equal(await a.totalSize(), 100, 'its own upload counts at once');
    assert.equal(await b.totalSize(), 0, 'the other node has not looked yet');
    clock.advance(30_000);
    assert.equal(await b.totalSize(), 100);
    await b.remove(['fffffffffff1']);
    assert.equal(await b.totalSize(), 0);
    clock.advance(30_000);
    assert.equal(await a.totalSize(), 0);
  } finally {
    await a.close();
    await b.close();
    await s3.close();
  }
});

test('S3: a bucket that cannot be listed at start is an error naming the location, never the secret', async () => {
  const s3 = await startTestS3();
  try {
    await assert.rejects(
      createS3AttachmentStore({ location: { ...s3.location(), bucket: 'no-such-bucket' } }),
      (err: Error) => /attachment-s3-url: cannot list s3\+http:\/\/127\.0\.0\.1:\d+\/no-such-bucket\/: .*NoSuchBucket/.test(err.message),
    );
    await assert.rejects(
      createS3AttachmentStore({ location: { ...s3.location(), accessKeyId: 'UNKNOWN', secretAccessKey: 'very-secret-value' } }),
      (err: Error) => /InvalidAccessKeyId/.test(err.message) && !err.message.includes('very-secret-value'),
    );
  } finally {
    await s3.close();
  }
});

test('S3: once the server is gone, every operation fails as attachmentStoreUnavailable (503)', async () => {
  const s3 = await startTestS3();
  const store = await createS3AttachmentStore({ location: s3.location(), clock: new ManualClock(), client: { retries: 1, retryDelayMs: 1 } });
  try {
    await s3.close();
    for (const operation of [() => store.put('ggggggggggg1', new Uint8Array(1)), () => store.open('ggggggggggg1'), () => store.remove(['ggggggggggg1']), () => store.ids()]) {
      await assert.rejects(operation(), (err: unknown) => err instanceof HeraldError && err.errorName === 'attachmentStoreUnavailable' && err.http === 503);
    }
  } finally {
    await store.close();
  }
});

test('S3: virtual-hosted style puts the bucket in the host name and not in the path', async () => {
  const s3 = await startTestS3();
  const port = new URL(s3.origin).port;
  // s3rver reads the bucket from a Host of the form <bucket>.s3.amazonaws.com; every name resolves to it here.
  const lookup = ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
  }) as unknown as LookupFunction;
  const store = await createS3AttachmentStore({ location: { ...s3.location('vh'), endpoint: `http://s3.amazonaws.com:${port}`, pathStyle: false }, client: { lookup } });
  try {
    await store.put('hhhhhhhhhhh1', Buffer.from('virtual'));
    assert.deepEqual(await s3.keys(), ['vh/hhhhhhhhhhh1']);
    assert.deepEqual(await store.ids(), ['hhhhhhhhhhh1']);
    const file = await store.open('hhhhhhhhhhh1');
    assert.equal(file?.size, 7);
    file?.stream.destroy();
    await store.remove(['hhhhhhhhhhh1']);
    assert.deepEqual(await s3.keys(), []);
  } finally {
    await store.close();
    await s3.close();
  }
});
