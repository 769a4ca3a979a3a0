import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { constants, createSecureServer, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { testCertificate } from '../tls.js';
import { fcmError, googleError, unauthenticated, validateSendBody, type ErrorReply, type FcmErrorCode } from './protocol.js';
import { testServiceAccount, type TestServiceAccount } from './service-account.js';

/** One scripted answer to a send for a token. Without `error` it is a success. */
export interface FcmMockAnswer {
  error?: FcmErrorCode;
  /** Replaces the code's usual message (e.g. an INVALID_ARGUMENT about another field). */
  message?: string;
  /** Retry-After header, in seconds (429, 503). */
  retryAfter?: number | string;
  /** QUOTA_EXCEEDED: whether the QuotaFailure names the device rate or the project's. */
  quota?: 'device' | 'project';
  /** Answer this one after this many ms (overrides the mock's global delay). */
  delayMs?: number;
  /** Reset the stream (RST_STREAM INTERNAL_ERROR) instead of answering: a transport failure. */
  reset?: boolean;
}

export interface FcmMockOptions {
  port?: number;
  host?: string;
  /** The Firebase project the mock serves; sends to another project id get 403. Default `herald-test`. */
  project?: string;
  /** Answer every send after this many ms (default 0); also settable later as `mock.delayMs`. */
  delayMs?: number;
  /** Keep every request in `requests` / `tokenRequests` (default true; off for benchmarks). */
  record?: boolean;
  /** SETTINGS_MAX_CONCURRENT_STREAMS the mock announces (default 100, like Google's front ends). */
  maxConcurrentStreams?: number;
  /** `expires_in` of the access tokens it issues, in seconds (default 3600). */
  tokenLifetimeS?: number;
  /** The mock's notion of now, for checking JWT and access-token times; tests with a fake clock pass theirs. */
  clock?: { now(): number };
}

export interface RecordedSend {
  httpVersion: string;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  /** The parsed message, when the body was valid JSON with one. */
  message: Record<string, unknown> | undefined;
  /** The status the mock answered (0 for a reset stream). */
  status: number;
}

export interface RecordedTokenRequest {
  form: Record<string, string>;
  claims: Record<string, unknown> | undefined;
  /** undefined when a token was issued, else the OAuth error it answered. */
  error: string | undefined;
}

export interface FcmMockCounters {
  /** TLS connections accepted (HTTP/2 and HTTP/1.1). */
  connections: number;
  /** HTTP/2 sessions opened. */
  sessions: number;
  sends: number;
  sendsOk: number;
  sendErrors: number;
  unauthorized: number;
  tokensIssued: number;
  tokenRefusals: number;
  inFlight: number;
  maxInFlight: number;
}

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
const SEND_PATH = /^\/v1\/projects\/([^/]+)\/messages:send$/;
/** Google tolerates some clock skew on `iat`. */
const SKEW_S = 60;
const JSON_HEADERS = { 'content-type': 'application/json; charset=UTF-8' } as const;

interface Reply extends ErrorReply {
  delayMs?: number;
  reset?: boolean;
  /** An answer to a send (as opposed to the token endpoint's): what `hold` keeps back. */
  send?: boolean;
}

/**
 * A protocol-faithful stand-in for FCM on one TLS port: the OAuth token endpoint (`POST /token`,
 * RFC 7523 JWT bearer grant, usually over HTTP/1.1) and `POST /v1/projects/{p}/messages:send`
 * (HTTP/2, or HTTP/1.1). Answers are scripted per token; unscripted tokens succeed.
 */
export class FcmMock {
  readonly url: string;
  readonly tokenUrl: string;
  readonly ca: string;
  readonly project: string;
  /** The service account the mock trusts from the start (token_uri = `tokenUrl`). */
  readonly serviceAccount: TestServiceAccount['account'];
  readonly publicKeyPem: string;
  readonly requests: RecordedSend[] = [];
  readonly tokenRequests: RecordedTokenRequest[] = [];
  readonly counters: FcmMockCounters = FcmMock.#zero();
  delayMs: number;

  readonly #server: ReturnType<typeof createSecureServer>;
  readonly #record: boolean;
  readonly #tokenLifetimeS: number;
  readonly #clock: { now(): number };
  readonly #accounts = new Map<string, KeyObject>();
  readonly #accessTokens = new Map<string, number>();
  readonly #scripts = new Map<string, FcmMockAnswer[]>();
  #defaultAnswer: FcmMockAnswer = {};
  readonly #sessions = new Set<ServerHttp2Session>();
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #held: (() => void)[] = [];
  #holding = false;
  #seq = 0;

  private constructor(server: ReturnType<typeof createSecureServer>, url: string, options: FcmMockOptions, sa: TestServiceAccount) {
    this.#server = server;
    this.url = url;
    this.tokenUrl = `${url}/token`;
    this.ca = testCertificate().cert;
    this.project = sa.account.project_id;
    this.serviceAccount = sa.account;
    this.publicKeyPem = sa.publicKeyPem;
    this.delayMs = options.delayMs ?? 0;
    this.#record = options.record ?? true;
    this.#tokenLifetimeS = options.tokenLifetimeS ?? 3600;
    this.#clock = options.clock ?? { now: () => Date.now() };
    this.addAccount(sa.account.client_email, sa.publicKeyPem);
  }

  static async start(options: FcmMockOptions = {}): Promise<FcmMock> {
    const { cert, key } = testCertificate();
    const server = createSecureServer({ cert, key, allowHTTP1: true, settings: { maxConcurrentStreams: options.maxConcurrentStreams ?? 100 } });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const url = `https://127.0.0.1:${port}`;
    const mock = new FcmMock(server, url, options, testServiceAccount(`${url}/token`, options.project ?? 'herald-test'));
    mock.#attach();
    return mock;
  }

  /** Trusts another service account (its client_email and public key) at the token endpoint. */
  addAccount(clientEmail: string, publicKeyPem: string): void {
    this.#accounts.set(clientEmail, createPublicKey(publicKeyPem));
  }

  /** Queues answers for sends to `token` (or to a topic or condition, as written in the message), used one per request; after them, the default answer. */
  script(token: string, ...answers: FcmMockAnswer[]): void {
    const queue = this.#scripts.get(token);
    if (queue) queue.push(...answers);
    else this.#scripts.set(token, [...answers]);
  }

  /** The answer for tokens with nothing queued (initially success). */
  setDefault(answer: FcmMockAnswer): void {
    this.#defaultAnswer = answer;
  }

  /** Makes every access token issued so far invalid (sends with them get 401); returns how many. */
  revokeAccessTokens(): number {
    const n = this.#accessTokens.size;
    this.#accessTokens.clear();
    return n;
  }

  /** Forgets scripts, records and counters (not issued tokens or open connections). */
  reset(): void {
    this.#scripts.clear();
    this.#defaultAnswer = {};
    this.requests.length = 0;
    this.tokenRequests.length = 0;
    const inFlight = this.counters.inFlight;
    Object.assign(this.counters, FcmMock.#zero(), { inFlight });
  }

  /**
   * Keeps every answer to a send back until the returned function is called (not FCM's: a test's
   * way to make the provider hang exactly as long as it needs, however slow the machine). The
   * token endpoint keeps answering.
   */
  hold(): () => void {
    this.#holding = true;
    return () => {
      this.#holding = false;
      for (const answer of this.#held.splice(0)) answer();
    };
  }

  async close(): Promise<void> {
    this.#held.length = 0;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const session of this.#sessions) session.destroy();
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  static #zero(): FcmMockCounters {
    return { connections: 0, sessions: 0, sends: 0, sendsOk: 0, sendErrors: 0, unauthorized: 0, tokensIssued: 0, tokenRefusals: 0, inFlight: 0, maxInFlight: 0 };
  }

  #attach(): void {
    const server = this.#server;
    server.on('secureConnection', (socket: Socket) => {
      this.counters.connections++;
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    // The TCP sockets under the TLS ones too: a client killed mid-connection (a SIGKILLed Herald)
    // could leave one that its TLS socket's end did not take along, and close() would wait for it.
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    server.on('session', (session: ServerHttp2Session) => {
      this.counters.sessions++;
      this.#sessions.add(session);
      session.on('close', () => this.#sessions.delete(session));
      session.on('error', () => {});
    });
    // HTTP/1.1 arrives as 'request'. Adding that listener makes node wrap every HTTP/2 stream in
    // its compatibility objects too; the mock drops that wrapper and serves HTTP/2 streams
    // directly, which is several times cheaper per request under benchmark load.
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.#onHttp1(req, res));
    server.removeAllListeners('stream');
    server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => this.#onStream(stream, headers));
  }

  #onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    this.#enter();
    stream.on('close', () => this.counters.inFlight--);
    stream.on('error', () => {});
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const method = String(headers[':method']);
      const path = String(headers[':path']);
      const reply = this.#handle(method, path, headers, Buffer.concat(chunks).toString('utf8'), '2.0');
      this.#later(reply, () => {
        if (stream.destroyed || stream.closed) return;
        if (reply.reset) return void stream.close(constants.NGHTTP2_INTERNAL_ERROR);
        stream.respond({ ':status': reply.status, ...JSON_HEADERS, ...reply.headers });
        stream.end(reply.body);
      });
    });
  }

  #onHttp1(req: IncomingMessage, res: ServerResponse): void {
    this.#enter();
    res.on('close', () => this.counters.inFlight--);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const reply = this.#handle(req.method ?? 'GET', req.url ?? '/', req.headers, Buffer.concat(chunks).toString('utf8'), req.httpVersion);
      this.#later(reply, () => {
        if (res.destroyed) return;
        if (reply.reset) return void req.socket.destroy();
        res.writeHead(reply.status, { ...JSON_HEADERS, ...reply.headers }).end(reply.body);
      });
    });
  }

  #enter(): void {
    const c = this.counters;
    c.inFlight++;
    if (c.inFlight > c.maxInFlight) c.maxInFlight = c.inFlight;
  }

  #later(reply: Reply, answer: () => void): void {
    if (this.#holding && reply.send) return void this.#held.push(() => this.#later(reply, answer));
    const delay = reply.delayMs ?? 0;
    if (delay <= 0) return answer();
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      answer();
    }, delay);
    this.#timers.add(timer);
  }

  #handle(method: string, path: string, headers: IncomingHttpHeaders, raw: string, httpVersion: string): Reply {
    if (path === '/token') return method === 'POST' ? this.#token(raw) : notFound();
    // Not FCM's: lets a benchmark read the counters of a mock running as another process.
    if (path === '/_mock/stats' && method === 'GET') return { status: 200, body: JSON.stringify(this.counters) };
    const m = SEND_PATH.exec(path);
    if (!m) return notFound();
    if (method !== 'POST') return googleError(405, 'METHOD_NOT_ALLOWED', `Method ${method} not allowed.`);
    const reply: Reply = { ...this.#send(decodeURIComponent(m[1]!), headers, raw), send: true };
    const c = this.counters;
    c.sends++;
    if (reply.status === 200) c.sendsOk++;
    else c.sendErrors++;
    if (this.#record) {
      let message: Record<string, unknown> | undefined;
      try {
        message = (JSON.parse(raw) as { message?: Record<string, unknown> }).message;
      } catch {
        message = undefined;
      }
      this.requests.push({ httpVersion, method, path, headers, raw, message, status: reply.reset ? 0 : reply.status });
    }
    return reply;
  }

  #send(project: string, headers: IncomingHttpHeaders, raw: string): Reply {
    const auth = headers.authorization;
    const bearer = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : undefined;
    const expiresAt = bearer !== undefined ? this.#accessTokens.get(bearer) : undefined;
    if (expiresAt === undefined || expiresAt <= this.#clock.now()) {
      this.counters.unauthorized++;
      return { ...unauthenticated(bearer === undefined), delayMs: this.delayMs };
    }
    if (project !== this.project) {
      return googleError(403, 'PERMISSION_DENIED', `Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/${project}' (or it may not exist).`);
    }
    const type = headers['content-type'];
    if (typeof type !== 'string' || !/^application\/json\b/i.test(type)) {
      return googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received. Expected a JSON request body (content-type application/json).');
    }
    const valid = validateSendBody(raw);
    if (!('message' in valid)) return valid;

    // Scripts are keyed by what the message targets: a token, a topic name or a condition.
    const target = valid.token ?? valid.topic ?? valid.condition;
    const queue = target !== undefined ? this.#scripts.get(target) : undefined;
    const answer = queue?.shift() ?? this.#defaultAnswer;
    if (queue && queue.length === 0) this.#scripts.delete(target!);
    const delayMs = answer.delayMs ?? this.delayMs;
    if (answer.reset) return { status: 0, body: '', reset: true, delayMs };
    if (answer.error) {
      const reply: Reply = { ...fcmError(answer.error, { message: answer.message, quota: answer.quota, project: this.project }), delayMs };
      if (answer.retryAfter !== undefined) reply.headers = { 'retry-after': String(answer.retryAfter) };
      return reply;
    }
    const id = valid.validateOnly ? 'fake_message_id' : `0:${this.#clock.now()}%${(++this.#seq).toString(16).padStart(8, '0')}`;
    return { status: 200, body: `{"name":"projects/${this.project}/messages/${id}"}`, delayMs };
  }

  /** RFC 7523 JWT bearer grant, checked as Google's token endpoint does. */
  #token(raw: string): Reply {
    const form = Object.fromEntries(new URLSearchParams(raw));
    let claims: Record<string, unknown> | undefined;
    const refuse = (error: string, description: string): Reply => {
      this.counters.tokenRefusals++;
      if (this.#record) this.tokenRequests.push({ form, claims, error });
      return { status: 400, body: JSON.stringify({ error, error_description: description }) };
    };
    if (form.grant_type !== JWT_BEARER) return refuse('unsupported_grant_type', `Invalid grant_type: ${form.grant_type ?? ''}`);
    const parts = (form.assertion ?? '').split('.');
    if (parts.length !== 3) return refuse('invalid_request', 'Invalid JWT format.');
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
      claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      return refuse('invalid_request', 'Invalid JWT format.');
    }
    if (header.alg !== 'RS256') return refuse('invalid_grant', 'Invalid JWT: unsupported algorithm.');
    const key = typeof claims.iss === 'string' ? this.#accounts.get(claims.iss) : undefined;
    if (!key) return refuse('invalid_grant', 'Invalid grant: account not found');
    if (!verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), key, Buffer.from(parts[2]!, 'base64url'))) return refuse('invalid_grant', 'Invalid JWT Signature.');
    if (claims.aud !== this.tokenUrl) return refuse('invalid_grant', 'Invalid JWT: audience is not the token endpoint.');
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
    if (!scopes.includes(FCM_SCOPE)) return refuse('invalid_scope', 'The firebase.messaging scope was not requested.');
    const now = Math.floor(this.#clock.now() / 1000);
    const { iat, exp } = claims;
    if (typeof iat !== 'number' || typeof exp !== 'number' || exp - iat > 3600 || exp <= now || iat > now + SKEW_S) {
      return refuse('invalid_grant', 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.');
    }
    const accessToken = `ya29.mock.${randomBytes(24).toString('base64url')}`;
    this.#accessTokens.set(accessToken, this.#clock.now() + this.#tokenLifetimeS * 1000);
    this.counters.tokensIssued++;
    if (this.#record) this.tokenRequests.push({ form, claims, error: undefined });
    return { status: 200, body: JSON.stringify({ access_token: accessToken, expires_in: this.#tokenLifetimeS, token_type: 'Bearer' }) };
  }
}

function notFound(): Reply {
  return googleError(404, 'NOT_FOUND', 'The requested URL was not found on this server.');
}

/** Starts the FCM mock (see FcmMock). */
export function startFcmMock(options: FcmMockOptions = {}): Promise<FcmMock> {
  return FcmMock.start(options);
}
