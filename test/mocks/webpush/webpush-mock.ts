/**
 * A push service (RFC 8030) that holds subscriptions it created, with real P-256 keys and auth
 * secrets, and for every `POST /push/<id>` does what a browser's push service and the browser do
 * together: verify the VAPID token (RFC 8292), check the RFC 8030 headers, decrypt the aes128gcm
 * body (RFC 8291) and record the plaintext, so tests see exactly what the service worker would.
 */
import { createECDH, createPublicKey, randomBytes, verify, type ECDH, type KeyObject } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { decryptPayload } from '../../../src/adapters/providers/webpush/encryption.js';
import { testCertificate } from '../tls.js';

export interface WebPushMockOptions {
  port?: number;
  /** Serve https with testCertificate() instead of http. */
  tls?: boolean;
  /** Waited before every push answer. */
  delayMs?: number;
  /** Keep every accepted message in `messages`. Default true; benchmarks turn it off. */
  record?: boolean;
  /** Decrypt and check every body. Default true; off only to measure the sender alone. */
  decrypt?: boolean;
  /** The time VAPID tokens are checked against: the server's clock when a test moves it. Default: real time. */
  now?: () => number;
}

export interface MockSubscription {
  id: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** A scripted answer for one push to a subscription, given after the subscription is looked up. */
export interface WebPushScriptedAnswer {
  status: number;
  retryAfter?: string;
  /** For 3xx answers. */
  location?: string;
}

export interface RecordedWebPush {
  subscription: string;
  ttl: number;
  urgency: string | undefined;
  topic: string | undefined;
  /** The decrypted payload (empty when decryption is off). */
  plaintext: Buffer;
  /** The JWT of the VAPID Authorization header and its verified claims. */
  vapid: { jwt: string; key: string; aud: string; sub: string; exp: number };
}

export interface WebPushMockCounters {
  /** Every POST /push/… the mock got. */
  requests: number;
  /** Answered 201. */
  accepted: number;
  /** TCP connections accepted. */
  connections: number;
  /** JWTs whose signature was checked (each distinct Authorization header once). */
  vapidVerifications: number;
}

export interface WebPushMock {
  url: string;
  /** PEM to trust when `tls` is on. */
  ca: string | undefined;
  messages: RecordedWebPush[];
  /** Status of every answered push request, in order, with its path. */
  answers: { path: string; status: number }[];
  counters: WebPushMockCounters;
  /**
   * A new subscription as a browser's PushManager would hand it out. With `applicationServerKey`,
   * pushes signed with any other VAPID key are refused (403), as real push services do.
   */
  createSubscription(options?: { applicationServerKey?: string }): MockSubscription;
  /** From now on pushes to it get 410 Gone. */
  unsubscribe(idOrEndpoint: string): void;
  /** Queues answers for the next pushes to a subscription; then it is normal again. */
  script(idOrEndpoint: string, ...answers: WebPushScriptedAnswer[]): void;
  setDelay(ms: number): void;
  setRecord(on: boolean): void;
  close(): Promise<void>;
}

interface Held {
  privateKey: Buffer;
  publicKey: Buffer;
  auth: Buffer;
  /** Holds privateKey, so decrypting does not re-import it per message. */
  ecdh: ECDH;
  applicationServerKey: string | undefined;
  gone: boolean;
  script: WebPushScriptedAnswer[];
}

interface VapidVerdict {
  ok: boolean;
  status?: number;
  why?: string;
  jwt: string;
  key: string;
  aud: string;
  sub: string;
  exp: number;
}

const URGENCIES = new Set(['very-low', 'low', 'normal', 'high']);
const TOPIC = /^[A-Za-z0-9_-]{1,32}$/;
const MAX_BODY = 4096;
const DAY_S = 24 * 3600;

export async function startWebPushMock(options: WebPushMockOptions = {}): Promise<WebPushMock> {
  let delayMs = options.delayMs ?? 0;
  let record = options.record ?? true;
  const decrypt = options.decrypt ?? true;
  const subscriptions = new Map<string, Held>();
  const messages: RecordedWebPush[] = [];
  const answers: { path: string; status: number }[] = [];
  const counters: WebPushMockCounters = { requests: 0, accepted: 0, connections: 0, vapidVerifications: 0 };
  /** Authorization header value → verdict on its signature and fixed claims; expiry is checked per use. */
  const vapidCache = new Map<string, VapidVerdict>();
  let origin = '';
  let messageSeq = 0;

  function reply(res: ServerResponse, path: string, status: number, headers: Record<string, string> = {}, text = ''): void {
    if (record) answers.push({ path, status });
    res.writeHead(status, { 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  function checkVapid(header: string | undefined): VapidVerdict {
    const empty = { jwt: '', key: '', aud: '', sub: '', exp: 0 };
    if (header === undefined) return { ok: false, status: 401, why: 'missing Authorization', ...empty };
    const cached = vapidCache.get(header);
    if (cached) return cached;
    const verdict = verifyVapid(header);
    counters.vapidVerifications++;
    if (vapidCache.size > 10_000) vapidCache.clear();
    vapidCache.set(header, verdict);
    return verdict;
  }

  function verifyVapid(header: string): VapidVerdict {
    const empty = { jwt: '', key: '', aud: '', sub: '', exp: 0 };
    const m = /^vapid\s+(.*)$/i.exec(header);
    if (!m) return { ok: false, status: 401, why: 'Authorization is not a vapid scheme', ...empty };
    const params = new Map<string, string>();
    for (const part of m[1]!.split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) params.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
    }
    const jwt = params.get('t') ?? '';
    const key = params.get('k') ?? '';
    const bad = (why: string) => ({ ok: false, status: 401, why, jwt, key, aud: '', sub: '', exp: 0 });
    const parts = jwt.split('.');
    if (parts.length !== 3 || key === '') return bad('t= and k= are required');
    let publicKey: KeyObject;
    try {
      const point = Buffer.from(key, 'base64url');
      if (point.length !== 65 || point[0] !== 4) return bad('k is not an uncompressed P-256 point');
      publicKey = createPublicKey({ format: 'jwk', key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') } });
    } catch {
      return bad('k is not a P-256 public key');
    }
    let header0: { alg?: unknown };
    let claims: { aud?: unknown; exp?: unknown; sub?: unknown };
    try {
      header0 = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as typeof header0;
      claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return bad('JWT is not JSON');
    }
    if (header0.alg !== 'ES256') return bad('JWT alg must be ES256');
    const signature = Buffer.from(parts[2]!, 'base64url');
    if (!verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)) return bad('JWT signature does not verify with k');
    if (claims.aud !== origin) return bad(`aud must be ${origin}`);
    if (typeof claims.exp !== 'number' || !Number.isInteger(claims.exp)) return bad('exp is required');
    if (typeof claims.sub !== 'string' || !(/^mailto:.+@.+/.test(claims.sub) || /^https:\/\/.+/.test(claims.sub))) return bad('sub must be a mailto: or https: contact');
    return { ok: true, jwt, key, aud: claims.aud, sub: claims.sub, exp: claims.exp };
  }

  function handlePush(req: IncomingMessage, res: ServerResponse, path: string, body: Buffer, size: number): void {
    counters.requests++;
    const id = path.slice('/push/'.length);
    const held = subscriptions.get(id);
    if (!held) return reply(res, path, 404, {}, 'no such subscription');
    if (held.gone) return reply(res, path, 410, {}, 'unsubscribed');
    const scripted = held.script.shift();
    if (scripted) {
      const headers: Record<string, string> = {};
      if (scripted.retryAfter !== undefined) headers['retry-after'] = scripted.retryAfter;
      if (scripted.location !== undefined) headers.location = scripted.location;
      return reply(res, path, scripted.status, headers);
    }

    const vapid = checkVapid(req.headers.authorization);
    if (!vapid.ok) return reply(res, path, vapid.status ?? 401, {}, vapid.why ?? 'unauthorized');
    const nowS = Math.floor((options.now?.() ?? Date.now()) / 1000);
    if (vapid.exp <= nowS) return reply(res, path, 401, {}, 'VAPID token expired');
    if (vapid.exp > nowS + DAY_S) return reply(res, path, 401, {}, 'VAPID exp is more than 24 hours ahead');
    if (held.applicationServerKey !== undefined && held.applicationServerKey !== vapid.key) return reply(res, path, 403, {}, 'VAPID key does not match the subscription');

    const ttlHeader = req.headers.ttl;
    if (typeof ttlHeader !== 'string' || !/^\d+$/.test(ttlHeader)) return reply(res, path, 400, {}, 'TTL header is required');
    const urgency = req.headers.urgency as string | undefined;
    if (urgency !== undefined && !URGENCIES.has(urgency)) return reply(res, path, 400, {}, 'bad Urgency');
    const topic = req.headers.topic as string | undefined;
    if (topic !== undefined && !TOPIC.test(topic)) return reply(res, path, 400, {}, 'bad Topic');
    if (size > MAX_BODY) return reply(res, path, 413, {}, 'payload too large');
    if (body.length > 0 && req.headers['content-encoding'] !== 'aes128gcm') return reply(res, path, 415, {}, 'Content-Encoding must be aes128gcm');

    let plaintext: Buffer = Buffer.alloc(0);
    if (decrypt && body.length > 0) {
      try {
        plaintext = decryptPayload(body, held);
      } catch (err) {
        return reply(res, path, 400, {}, `cannot decrypt: ${(err as Error).message}`);
      }
    }
    counters.accepted++;
    if (record) {
      messages.push({ subscription: id, ttl: Number(ttlHeader), urgency, topic, plaintext, vapid: { jwt: vapid.jwt, key: vapid.key, aud: vapid.aud, sub: vapid.sub, exp: vapid.exp } });
    }
    reply(res, path, 201, { location: `${origin}/message/${++messageSeq}`, ttl: ttlHeader });
  }

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Enough to tell an oversized body (413) without holding an arbitrarily large one.
      if (size <= MAX_BODY + 1) chunks.push(chunk);
    });
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0]!;
      const go = (): void => {
        if (req.method === 'POST' && path.startsWith('/push/')) return handlePush(req, res, path, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), size);
        reply(res, path, 404, {}, 'not found');
      };
      if (delayMs > 0) setTimeout(go, delayMs);
      else go();
    });
  };

  const tls = options.tls ? testCertificate() : undefined;
  const server: Server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key, keepAlive: true }, handler) : createHttpServer({ keepAlive: true }, handler);
  server.keepAliveTimeout = 60_000;
  server.on(tls ? 'secureConnection' : 'connection', () => counters.connections++);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  origin = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const find = (idOrEndpoint: string): Held => {
    const id = idOrEndpoint.startsWith(origin) ? idOrEndpoint.slice(`${origin}/push/`.length) : idOrEndpoint;
    const held = subscriptions.get(id);
    if (!held) throw new Error(`no subscription ${idOrEndpoint}`);
    return held;
  };

  return {
    url: origin,
    ca: tls?.cert,
    messages,
    answers,
    counters,
    createSubscription(opts = {}) {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      // getPrivateKey can drop leading zero bytes; decryption wants the full 32.
      const privateKey = Buffer.alloc(32);
      const raw = ecdh.getPrivateKey();
      raw.copy(privateKey, 32 - raw.length);
      const held: Held = { privateKey, ecdh, publicKey: ecdh.getPublicKey(), auth: randomBytes(16), applicationServerKey: opts.applicationServerKey, gone: false, script: [] };
      // About 160 bits, like the unguessable ids real push services hand out.
      const id = randomBytes(20).toString('base64url');
      subscriptions.set(id, held);
      return { id, endpoint: `${origin}/push/${id}`, keys: { p256dh: held.publicKey.toString('base64url'), auth: held.auth.toString('base64url') } };
    },
    unsubscribe(idOrEndpoint) {
      find(idOrEndpoint).gone = true;
    },
    script(idOrEndpoint, ...scripted) {
      find(idOrEndpoint).script.push(...scripted);
    },
    setDelay(ms) {
      delayMs = ms;
    },
    setRecord(on) {
      record = on;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
