import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type { S3Location } from '../../util/s3-url.js';
import { parseErrorBody, parseListPage, type ListedObject } from './s3-xml.js';
import { EMPTY_PAYLOAD_HASH, sha256Hex, signRequest, uriEncode } from './sigv4.js';

/**
 * The handful of S3 operations the attachment store needs (put, get, delete, list), over
 * node:http with keep-alive and SigV4 signatures. Written for Herald instead of taking the AWS
 * SDK: these four calls are a few hundred lines, and the SDK is dozens of packages.
 *
 * Requests are signed with the wall clock, never with Herald's injected clock: S3 refuses a
 * signature more than 15 minutes away from its own time.
 */
export interface S3Client {
  /** Stores the object whole (one PUT; the body is signed, so S3 rejects a corrupted transfer). */
  putObject(key: string, body: Uint8Array, contentType?: string): Promise<void>;
  /** The object's bytes as they arrive and its size; undefined when there is no such object. */
  getObject(key: string): Promise<{ body: Readable; size: number } | undefined>;
  /** Deletes the object; deleting one that does not exist succeeds. */
  deleteObject(key: string): Promise<void>;
  /** Every object whose key starts with `prefix`, page by page. */
  listObjects(prefix: string): AsyncGenerator<ListedObject>;
  /** Closes its connections, idle or not (a download still streaming ends). */
  close(): void;
}

export interface S3ClientOptions {
  location: S3Location;
  /** A request during which no byte moves for this long is abandoned (and retried). Default 30 s. */
  idleTimeoutMs?: number;
  /** Further attempts after a network error or a 5xx answer. Default 2. */
  retries?: number;
  /** Pause before the first retry, doubled for each next one. Default 200 ms. */
  retryDelayMs?: number;
  /** Keys per list page, at most 1000 (S3's limit and default). */
  listPageSize?: number;
  /** Resolves host names; the system's resolver by default. */
  lookup?: LookupFunction;
}

/** An answer from S3 that is not a success: its status and, when the body said, S3's error code. */
export class S3ResponseError extends Error {
  override readonly name = 'S3ResponseError';
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly s3Code: string | undefined,
    s3Message: string | undefined,
  ) {
    super(`S3 ${operation}: HTTP ${status}${s3Code ? ` ${s3Code}` : ''}${s3Message ? `: ${s3Message}` : ''}`);
  }
}

/** Error bodies are short XML; a larger one is cut, since only its code is read. */
const ERROR_BODY_LIMIT = 64 * 1024;
/** A list page of 1000 keys is a few hundred kB. */
const LIST_BODY_LIMIT = 16 * 1024 * 1024;

interface Call {
  operation: string;
  method: 'GET' | 'PUT' | 'DELETE';
  /** Object key; absent for bucket-level calls. */
  key?: string;
  query?: [string, string][];
  body?: Uint8Array;
  headers?: Record<string, string>;
}

export function createS3Client(options: S3ClientOptions): S3Client {
  const { location } = options;
  const endpoint = new URL(location.endpoint);
  const secure = endpoint.protocol === 'https:';
  const transport = secure ? https : http;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: 32 });
  const host = location.pathStyle ? endpoint.host : `${location.bucket}.${endpoint.host}`;
  // node:http takes an IPv6 address without the brackets a URL puts around it.
  const bareHost = endpoint.hostname.replace(/^\[|\]$/g, '');
  const hostname = location.pathStyle ? bareHost : `${location.bucket}.${bareHost}`;
  const port = endpoint.port === '' ? undefined : Number(endpoint.port);
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  const retries = options.retries ?? 2;
  const retryDelayMs = options.retryDelayMs ?? 200;
  const listPageSize = Math.min(1000, options.listPageSize ?? 1000);
  const credentials = { accessKeyId: location.accessKeyId, secretAccessKey: location.secretAccessKey };
  const scope = { region: location.region, service: 's3' };

  const pathOf = (key: string | undefined): string => {
    const base = location.pathStyle ? `/${location.bucket}` : '';
    if (key === undefined) return base || '/';
    return `${base}/${key.split('/').map(uriEncode).join('/')}`;
  };

  /** One attempt: resolves with the response once its headers are in. */
  const attempt = (call: Call): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      const path = pathOf(call.key);
      const body = call.body ?? new Uint8Array(0);
      // S3 checks the body against this hash, so a transfer corrupted on the way is refused.
      const payloadHash = call.body ? sha256Hex(body) : EMPTY_PAYLOAD_HASH;
      const signed = signRequest(
        { method: call.method, host, path, query: call.query ?? [], headers: { ...call.headers, 'x-amz-content-sha256': payloadHash }, payloadHash },
        credentials,
        scope,
        new Date(),
      );
      const search = (call.query ?? []).map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join('&');
      const req = transport.request({
        agent, protocol: endpoint.protocol, hostname, port, method: call.method, ...(options.lookup ? { lookup: options.lookup } : {}), path: search ? `${path}?${search}` : path,
        headers: { ...signed.headers, host, ...(call.method === 'PUT' ? { 'content-length': String(body.length) } : {}) },
      });
      req.setTimeout(idleTimeoutMs, () => req.destroy(new Error(`S3 ${call.operation}: no progress for ${idleTimeoutMs} ms`)));
      req.on('error', reject);
      req.once('response', resolve);
      req.end(call.method === 'PUT' ? body : undefined);
    });

  /** Runs the call, retrying network errors and 5xx answers; resolves with a response that is a 2xx, or a 404 when `allow404`. */
  const request = async (call: Call, allow404 = false): Promise<IncomingMessage> => {
    for (let n = 0; ; n++) {
      let failure: unknown;
      try {
        const res = await attempt(call);
        const status = res.statusCode ?? 0;
        if ((status >= 200 && status < 300) || (status === 404 && allow404)) return res;
        const { code, message } = parseErrorBody(await readBody(res, ERROR_BODY_LIMIT));
        failure = new S3ResponseError(call.operation, status, code, message);
        if (status < 500) throw failure;
      } catch (err) {
        if (err instanceof S3ResponseError && err.status < 500) throw err;
        failure = err;
      }
      if (n >= retries) throw failure;
      await delay(retryDelayMs * 2 ** n);
    }
  };

  return {
    async putObject(key, body, contentType = 'application/octet-stream') {
      const res = await request({ operation: 'PutObject', method: 'PUT', key, body, headers: { 'content-type': contentType } });
      res.resume();
    },
    async getObject(key) {
      const res = await request({ operation: 'GetObject', method: 'GET', key }, true);
      if (res.statusCode === 404) {
        res.resume();
        return undefined;
      }
      const size = Number(res.headers['content-length']);
      if (!Number.isSafeInteger(size) || size < 0) {
        // The size goes out as the download's Content-Length before the first byte: it must be known.
        res.destroy();
        throw new S3ResponseError('GetObject', res.statusCode ?? 0, undefined, 'no Content-Length in the answer');
      }
      // The body is streamed to a downloader at its own pace; a slow reader must not time S3 out.
      res.socket.setTimeout(0);
      return { body: res, size };
    },
    async deleteObject(key) {
      const res = await request({ operation: 'DeleteObject', method: 'DELETE', key });
      res.resume();
    },
    async *listObjects(prefix) {
      // ListObjects (version 1), paged by the last key seen: every S3-compatible server has it, and
      // its marker is plain text where version 2's continuation token is each server's own.
      let marker = '';
      for (;;) {
        const query: [string, string][] = [['max-keys', String(listPageSize)], ['prefix', prefix]];
        if (marker) query.push(['marker', marker]);
        const res = await request({ operation: 'ListObjects', method: 'GET', query });
        const page = parseListPage(await readBody(res, LIST_BODY_LIMIT));
        yield* page.objects;
        const last = page.objects.at(-1)?.key;
        if (!page.truncated || last === undefined) return;
        marker = last;
      }
    },
    close() {
      agent.destroy();
    },
  };
}

async function readBody(res: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      res.destroy();
      break;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
