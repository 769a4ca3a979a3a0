import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Location } from '../../src/util/s3-url.js';

/** The part of s3rver's API the tests use (it ships no types). */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

/** s3rver's built-in account: any other key id is refused with InvalidAccessKeyId. */
export const S3RVER_KEY = 'S3RVER';

/**
 * A real S3-compatible server (s3rver, from npm) in this process, on a free loopback port, over a
 * fresh directory: one bucket per test. It checks that requests carry SigV4 headers and a known
 * key id; it does not recompute signatures, which the unit test holds to AWS's vectors.
 */
export interface TestS3 {
  /** Origin of the server, e.g. http://127.0.0.1:41234. */
  origin: string;
  bucket: string;
  /** `attachment-s3-url` for Herald, path-style over plain HTTP, with an optional key prefix. */
  url(prefix?: string): string;
  location(prefix?: string): S3Location;
  /** Whether the object exists, asked over plain S3 HTTP rather than through Herald's client. */
  has(key: string): Promise<boolean>;
  /** Keys of the objects under `prefix`, sorted (one listing page: tests store few). */
  keys(prefix?: string): Promise<string[]>;
  /** Stores an object directly (as another program, or another node, would). */
  put(key: string, body: string | Uint8Array): Promise<void>;
  /** Stops the server; its directory is removed. Idempotent. */
  close(): Promise<void>;
}

export async function startTestS3(): Promise<TestS3> {
  // s3rver is CommonJS; require() also honours NODE_PATH, where a checkout without it may point.
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;
  const dir = mkdtempSync(join(tmpdir(), 'herald-s3-'));
  const bucket = `herald-${randomBytes(4).toString('hex')}`;
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
  const address = await server.run();
  const origin = `http://127.0.0.1:${address.port}`;
  let closed: Promise<void> | undefined;
  // Anonymous requests: s3rver authenticates only requests that carry credentials.
  const objectUrl = (key: string) => `${origin}/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  return {
    origin,
    bucket,
    url: (prefix = '') => `s3+http://${S3RVER_KEY}:${S3RVER_KEY}@127.0.0.1:${address.port}/${bucket}${prefix ? `/${prefix}` : ''}`,
    location: (prefix = '') => ({
      endpoint: origin, bucket, prefix: prefix ? `${prefix}/` : '', region: 'us-east-1', pathStyle: true, accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY,
    }),
    async has(key) {
      const res = await fetch(objectUrl(key), { method: 'HEAD' });
      return res.status === 200;
    },
    async keys(prefix = '') {
      const res = await fetch(`${origin}/${bucket}?prefix=${encodeURIComponent(prefix)}`);
      const xml = await res.text();
      if (!res.ok) throw new Error(`s3rver list: ${res.status} ${xml}`);
      return [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]!).sort();
    },
    async put(key, body) {
      const res = await fetch(objectUrl(key), { method: 'PUT', body });
      if (!res.ok) throw new Error(`s3rver PUT ${key}: ${res.status}`);
    },
    close: () =>
      (closed ??= server.close().finally(() => rmSync(dir, { recursive: true, force: true }))),
  };
}
