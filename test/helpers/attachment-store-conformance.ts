import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import type { AttachmentStore } from '../../src/ports/attachment-store.js';

/** One place to keep attachments (a directory, a bucket), from which stores are opened. */
export interface AttachmentPlace {
  /** Opens a store over the place; several may be open at once, as several nodes would be. */
  open(): Promise<AttachmentStore>;
  /** Whether the stores share the place with other processes. */
  shared: boolean;
  /** Closes what the place holds (a test server), and every store opened on it. */
  close(): Promise<void>;
}

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function body(size: number, fill: number): Uint8Array {
  return new Uint8Array(size).fill(fill);
}

/** The AttachmentStore contract, run against every implementation. */
export function attachmentStoreConformance(name: string, place: () => Promise<AttachmentPlace>): void {
  describe(`AttachmentStore conformance: ${name}`, () => {
    const withStore = async (work: (store: AttachmentStore, p: AttachmentPlace) => Promise<void>) => {
      const p = await place();
      try {
        await work(await p.open(), p);
      } finally {
        await p.close();
      }
    };

    it('reads back what was put, with its size; an unknown or malformed id reads as absent', () =>
      withStore(async (store) => {
        const data = Buffer.from('hello attachment\n'.repeat(1000));
        await store.put('abcDEF123456', data);
        const file = await store.open('abcDEF123456');
        assert.ok(file);
        assert.equal(file.size, data.length);
        assert.deepEqual(await bytesOf(file.stream), data);
        assert.equal(await store.open('zzzzzzzzzzzz'), undefined);
        assert.equal(await store.open('../etc/passwd'), undefined);
      }));

    it('stores an empty file', () =>
      withStore(async (store) => {
        await store.put('empty0000000', new Uint8Array(0));
        const file = await store.open('empty0000000');
        assert.equal(file?.size, 0);
        assert.equal((await bytesOf(file!.stream)).length, 0);
      }));

    it('counts the bytes of every file, and forgets removed ones; removing an unknown id is no error', () =>
      withStore(async (store) => {
        await store.put('aaaaaaaaaaa1', body(1000, 1));
        await store.put('aaaaaaaaaaa2', body(250, 2));
        assert.equal(await store.totalSize(), 1250);
        assert.deepEqual((await store.ids()).sort(), ['aaaaaaaaaaa1', 'aaaaaaaaaaa2']);
        await store.remove(['aaaaaaaaaaa1', 'nosuchfile00']);
        assert.equal(await store.totalSize(), 250);
        assert.deepEqual(await store.ids(), ['aaaaaaaaaaa2']);
        assert.equal(await store.open('aaaaaaaaaaa1'), undefined);
      }));

    it('lists only files written before storedBefore', () =>
      withStore(async (store) => {
        await store.put('bbbbbbbbbbb1', body(10, 1));
        assert.deepEqual(await store.ids({ storedBefore: Date.now() - 3600_000 }), []);
        assert.deepEqual(await store.ids({ storedBefore: Date.now() + 3600_000 }), ['bbbbbbbbbbb1']);
      }));

    it('a store opened later finds the files and bytes already there', () =>
      withStore(async (store, p) => {
        await store.put('ccccccccccc1', body(300, 3));
        const later = await p.open();
        assert.deepEqual(await later.ids(), ['ccccccccccc1']);
        assert.equal(await later.totalSize(), 300);
        assert.deepEqual(await bytesOf((await later.open('ccccccccccc1'))!.stream), Buffer.from(body(300, 3)));
      }));

    it('says whether it is shared, and closes idempotently', () =>
      withStore(async (store, p) => {
        assert.equal(store.shared, p.shared);
        await store.close();
        await store.close();
      }));
  });
}
