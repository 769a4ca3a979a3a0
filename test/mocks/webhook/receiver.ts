/**
 * A webhook receiver that checks Standard Webhooks signatures the way a customer's endpoint
 * would. Its verification is written here from the specification, independently of Herald's
 * signer, so a test that passes shows Herald interoperates rather than agrees with itself.
 *
 * Plain HTTP by default; `tls: true` serves HTTPS with the test certificate (for tests of the
 * guard's scheme rule on a reachable https endpoint).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { testCertificate } from '../tls.js';

export interface ReceiverScript {
  status: number;
  retryAfter?: string;
  /** Wait before answering (a slow endpoint). */
  delayMs?: number;
  /** Redirect target for 3xx answers. */
  location?: string;
}

export interface ReceiverOptions {
  /** The `whsec_…` secrets this endpoint knows; a request verifies when any of its signatures matches any of them. */
  secrets: readonly string[];
  /** Allowed clock skew either way, seconds. Default 300 (five minutes, as the specification suggests). */
  toleranceSec?: number;
  /** Unix seconds "now" for the tolerance check; default the wall clock. */
  now?: () => number;
  tls?: boolean;
}

export interface ReceivedWebhook {
  path: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  /** Why the request was refused, for rejected ones. */
  why?: string;
  /** Client port: equal on requests that shared a kept-alive connection. */
  remotePort: number | undefined;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>` (or https). */
  url: string;
  /** The PEM a client must trust when `tls` is on. */
  ca: string | undefined;
  verified: ReceivedWebhook[];
  rejected: ReceivedWebhook[];
  /** Answers for a path, one per verified request; the last one then repeats. Unscripted paths answer 204. */
  script(path: string, ...answers: ReceiverScript[]): void;
  /** Replace the secrets the endpoint knows (rotation on the receiver's side). */
  setSecrets(secrets: readonly string[]): void;
  reset(): void;
  close(): Promise<void>;
}

function decodeSecret(secret: string): Buffer {
  const b64 = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  return Buffer.from(b64, 'base64');
}

/** Checks the three Standard Webhooks headers against the body; returns why not, or undefined when good. */
function problem(headers: IncomingMessage['headers'], body: string, keys: readonly Buffer[], nowSec: number, toleranceSec: number): string | undefined {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  const sig = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof ts !== 'string' || typeof sig !== 'string') return 'missing header';
  if (!/^\d+$/.test(ts)) return 'bad timestamp';
  const sent = Number(ts);
  if (Math.abs(nowSec - sent) > toleranceSec) return 'timestamp outside tolerance';
  const signed = Buffer.from(`${id}.${ts}.${body}`, 'utf8');
  const expected = keys.map((key) => createHmac('sha256', key).update(signed).digest());
  for (const entry of sig.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    const given = Buffer.from(entry.slice(comma + 1), 'base64');
    for (const want of expected) {
      if (given.length === want.length && timingSafeEqual(given, want)) return undefined;
    }
  }
  return 'no matching signature';
}

export async function startWebhookReceiver(options: ReceiverOptions): Promise<WebhookReceiver> {
  let keys = options.secrets.map(decodeSecret);
  const toleranceSec = options.toleranceSec ?? 300;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const verified: ReceivedWebhook[] = [];
  const rejected: ReceivedWebhook[] = [];
  const scripts = new Map<string, ReceiverScript[]>();

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const record: ReceivedWebhook = {
        path,
        method: req.method ?? '',
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')])),
        body,
        remotePort: req.socket.remotePort,
      };
      const why =
        req.method !== 'POST'
          ? 'not a POST'
          : !(req.headers['content-type'] ?? '').startsWith('application/json')
            ? 'not JSON'
            : problem(req.headers, body, keys, now(), toleranceSec);
      if (why !== undefined) {
        rejected.push({ ...record, why });
        res.writeHead(401, { 'content-type': 'text/plain' }).end(why);
        return;
      }
      verified.push(record);
      const queue = scripts.get(path);
      const answer = queue && queue.length > 1 ? queue.shift() : queue?.[0];
      if (!answer) {
        res.writeHead(204).end();
        return;
      }
      const go = (): void => {
        const headers: Record<string, string> = {};
        if (answer.retryAfter !== undefined) headers['retry-after'] = answer.retryAfter;
        if (answer.location !== undefined) headers.location = answer.location;
        res.writeHead(answer.status, headers).end();
      };
      if (answer.delayMs) setTimeout(go, answer.delayMs);
      else go();
    });
  };

  const cert = options.tls ? testCertificate() : undefined;
  const server = cert ? https.createServer({ cert: cert.cert, key: cert.key, keepAlive: true }, handler) : http.createServer({ keepAlive: true }, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `${cert ? 'https' : 'http'}://127.0.0.1:${port}`,
    ca: cert?.cert,
    verified,
    rejected,
    script(path, ...answers) {
      scripts.set(path, answers);
    },
    setSecrets(secrets) {
      keys = secrets.map(decodeSecret);
    },
    reset() {
      verified.length = 0;
      rejected.length = 0;
      scripts.clear();
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
