/**
 * A Huawei Push Kit stand-in over HTTPS: the OAuth client-credentials endpoint and
 * `POST /v1/{appId}/messages:send`, checking what Huawei checks (bearer token, app id, message
 * structure, 1–1000 tokens) and answering with Huawei's result codes in the body.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { testCertificate } from '../tls.js';

/** How one token fares in a request: accepted, or listed as illegal (a dead or foreign token). */
export type HmsTokenAnswer = 'ok' | 'illegal';

/** A scripted answer for a whole request, given instead of the normal processing. */
export interface HmsRequestAnswer {
  status: number;
  /** Result code in the body (omit for a bare HTTP error such as 503 flow control). */
  code?: string;
  msg?: string;
  retryAfter?: string;
}

export interface HmsMockOptions {
  port?: number;
  appId?: string;
  clientId?: string;
  clientSecret?: string;
  /** Seconds an issued access token lasts. Default 3600, like Huawei. */
  tokenLifetimeSec?: number;
  /** Waited before every messages:send answer. */
  delayMs?: number;
  /** Keep every request in `requests`. Default true; benchmarks turn it off. */
  record?: boolean;
  /** Tokens that are always illegal (after any script for them is used up). */
  isIllegal?: (token: string) => boolean;
}

export interface RecordedHmsSend {
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  /** The parsed request body. */
  body: Record<string, unknown>;
  /** Empty for a topic or condition send. */
  tokens: string[];
  /** The message's topic, for a topic send. */
  topic?: string;
  /** The message's condition, for a condition send. */
  condition?: string;
}

export interface RecordedHmsTokenRequest {
  form: Record<string, string>;
}

export interface HmsMockCounters {
  tokenRequests: number;
  sendRequests: number;
  /** Tokens in requests that passed authentication and validation. */
  tokensReceived: number;
  /** TCP connections accepted. */
  connections: number;
}

export interface HmsMock {
  url: string;
  /** `${url}/oauth2/v3/token`. */
  tokenUrl: string;
  /** PEM the client must trust. */
  ca: string;
  appId: string;
  clientId: string;
  clientSecret: string;
  requests: RecordedHmsSend[];
  tokenRequests: RecordedHmsTokenRequest[];
  counters: HmsMockCounters;
  /** Queues answers for a token, one per request it appears in; then it is `ok` again (or illegal per `isIllegal`). */
  script(token: string, ...answers: HmsTokenAnswer[]): void;
  /** The next requests get these answers, in order, before anything is checked beyond the path. */
  respondNext(...answers: HmsRequestAnswer[]): void;
  /** Every token issued so far is now expired (80200003 on use). */
  expireTokens(): void;
  /** Every token issued so far is unknown (80200001 on use). */
  revokeTokens(): void;
  setDelay(ms: number): void;
  setRecord(on: boolean): void;
  close(): Promise<void>;
}

const OK = '80000000';
const PARTIAL = '80100000';
const BAD_MESSAGE = '80100003';
const OAUTH_ERROR = '80200001';
const OAUTH_EXPIRED = '80200003';
const NO_PERMISSION = '80300002';
const ALL_INVALID = '80300007';
const TOKEN_COUNT = '80300010';

export async function startHmsMock(options: HmsMockOptions = {}): Promise<HmsMock> {
  const { cert, key } = testCertificate();
  const appId = options.appId ?? '10000001';
  const clientId = options.clientId ?? appId;
  const clientSecret = options.clientSecret ?? 'hms-secret';
  const lifetimeSec = options.tokenLifetimeSec ?? 3600;
  let delayMs = options.delayMs ?? 0;
  let record = options.record ?? true;
  const isIllegal = options.isIllegal ?? (() => false);

  /** access token → unix ms it expires. */
  const issued = new Map<string, number>();
  const scripts = new Map<string, HmsTokenAnswer[]>();
  const nextAnswers: HmsRequestAnswer[] = [];
  const requests: RecordedHmsSend[] = [];
  const tokenRequests: RecordedHmsTokenRequest[] = [];
  const counters: HmsMockCounters = { tokenRequests: 0, sendRequests: 0, tokensReceived: 0, connections: 0 };
  const sendPath = `/v1/${appId}/messages:send`;

  function answer(res: ServerResponse, status: number, body: Record<string, unknown> | string, headers: Record<string, string> = {}): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json;charset=UTF-8', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  function result(res: ServerResponse, status: number, code: string, msg: string): void {
    answer(res, status, { code, msg, requestId: requestId() });
  }

  function handleToken(req: IncomingMessage, res: ServerResponse, text: string): void {
    counters.tokenRequests++;
    const form = Object.fromEntries(new URLSearchParams(text));
    if (record) tokenRequests.push({ form });
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return answer(res, 400, { error: 1102, sub_error: 20003, error_description: 'unsupported content type' });
    }
    if (form.grant_type !== 'client_credentials') {
      return answer(res, 400, { error: 1102, sub_error: 20001, error_description: 'unsupported grant_type' });
    }
    if (form.client_id !== clientId || form.client_secret !== clientSecret) {
      return answer(res, 400, { error: 1101, sub_error: 20003, error_description: 'invalid client' });
    }
    const token = `hms-${randomBytes(18).toString('base64url')}`;
    issued.set(token, Date.now() + lifetimeSec * 1000);
    answer(res, 200, { access_token: token, expires_in: lifetimeSec, token_type: 'Bearer' });
  }

  function handleSend(req: IncomingMessage, res: ServerResponse, text: string): void {
    counters.sendRequests++;
    const scripted = nextAnswers.shift();
    if (scripted) {
      const headers: Record<string, string> = scripted.retryAfter !== undefined ? { 'retry-after': scripted.retryAfter } : {};
      if (scripted.code === undefined) return answer(res, scripted.status, scripted.msg ?? 'Service Unavailable', headers);
      return answer(res, scripted.status, { code: scripted.code, msg: scripted.msg ?? '', requestId: requestId() }, headers);
    }

    const authorization = req.headers.authorization;
    const bearer = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    const expiresAt = bearer === undefined ? undefined : issued.get(bearer);
    if (expiresAt === undefined) return result(res, 401, OAUTH_ERROR, 'Oauth authentication error');
    if (expiresAt <= Date.now()) return result(res, 401, OAUTH_EXPIRED, 'Oauth Token expired');

    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return result(res, 400, BAD_MESSAGE, 'Illegal payload: not JSON');
    }
    const problem = messageProblem(body);
    if (problem) return result(res, 400, problem.code, problem.msg);
    const message = (body as { message: { token?: string[]; topic?: string; condition?: string } }).message;
    if (message.token === undefined) {
      // A topic or condition: Push Kit fans it out itself and answers for the whole message.
      const target = message.topic !== undefined ? { topic: message.topic } : { condition: message.condition! };
      if (record) requests.push({ path: req.url ?? '', authorization, contentType: req.headers['content-type'], body: body as Record<string, unknown>, tokens: [], ...target });
      return result(res, 200, OK, 'Success');
    }
    const tokens = message.token;
    if (record) requests.push({ path: req.url ?? '', authorization, contentType: req.headers['content-type'], body: body as Record<string, unknown>, tokens });
    counters.tokensReceived += tokens.length;

    const illegal: string[] = [];
    for (const token of tokens) {
      const queue = scripts.get(token);
      const verdict = queue?.shift() ?? (isIllegal(token) ? 'illegal' : 'ok');
      if (queue && queue.length === 0) scripts.delete(token);
      if (verdict === 'illegal') illegal.push(token);
    }
    if (illegal.length === 0) return result(res, 200, OK, 'Success');
    const counts = { success: tokens.length - illegal.length, failure: illegal.length, illegal_tokens: illegal };
    if (illegal.length === tokens.length) return result(res, 400, ALL_INVALID, JSON.stringify(counts));
    result(res, 200, PARTIAL, JSON.stringify(counts));
  }

  const server: Server = createServer({ cert, key, keepAlive: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '').split('?')[0];
      if (req.method === 'POST' && path === '/oauth2/v3/token') return handleToken(req, res, text);
      if (req.method === 'POST' && /^\/v1\/[^/]+\/messages:send$/.test(path ?? '')) {
        const go = (): void => {
          if (path !== sendPath) {
            counters.sendRequests++;
            return result(res, 403, NO_PERMISSION, 'The app id does not match the access token');
          }
          handleSend(req, res, text);
        };
        if (delayMs > 0) setTimeout(go, delayMs);
        else go();
        return;
      }
      answer(res, 404, { code: '80100001', msg: 'no such path' });
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('secureConnection', () => counters.connections++);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    tokenUrl: `${url}/oauth2/v3/token`,
    ca: cert,
    appId,
    clientId,
    clientSecret,
    requests,
    tokenRequests,
    counters,
    script(token, ...answers) {
      scripts.set(token, [...(scripts.get(token) ?? []), ...answers]);
    },
    respondNext(...answers) {
      nextAnswers.push(...answers);
    },
    expireTokens() {
      for (const token of issued.keys()) issued.set(token, 0);
    },
    revokeTokens() {
      issued.clear();
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

function requestId(): string {
  return `${Date.now()}${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const TTL = /^\d+(\.\d{1,9})?s$/;

/** What Huawei would refuse in a send request, as its result code; undefined when the request is fine. */
export function messageProblem(body: unknown): { code: string; msg: string } | undefined {
  const bad = (msg: string) => ({ code: BAD_MESSAGE, msg: `Illegal payload: ${msg}` });
  if (!isObject(body)) return bad('body must be an object');
  if (body.validate_only !== undefined && typeof body.validate_only !== 'boolean') return bad('validate_only must be a boolean');
  const message = body.message;
  if (!isObject(message)) return bad('message is missing');
  const targets = (['token', 'topic', 'condition'] as const).filter((k) => message[k] !== undefined);
  if (targets.length !== 1) return bad('exactly one of token, topic and condition must be set');
  if (message.topic !== undefined && !(typeof message.topic === 'string' && TOPIC_NAME.test(message.topic))) return bad('topic is not a valid topic name');
  if (message.condition !== undefined && !(typeof message.condition === 'string' && validCondition(message.condition))) return bad('condition is not a valid topic condition');
  if (message.token === undefined) return contentProblem(message, bad);
  const tokens = message.token;
  if (!Array.isArray(tokens)) return bad('token must be an array');
  if (tokens.length < 1 || tokens.length > 1000) return { code: TOKEN_COUNT, msg: 'The number of tokens must be from 1 to 1000' };
  if (!tokens.every((t) => typeof t === 'string' && t !== '')) return bad('every token must be a non-empty string');
  return contentProblem(message, bad);
}

/** Huawei's topic names: letters, digits, CJK ideographs and - _ . ~ %, at most 900 characters. */
const TOPIC_NAME = /^[\u4e00-\u9fa5A-Za-z0-9\-_.~%]{1,900}$/;

/** `'a' in topics` terms (at most five) joined by && and ||, with ! and balanced parentheses. */
function validCondition(condition: string): boolean {
  let terms = 0;
  let badName = false;
  const rest = condition.replace(/(['"])([^'"]*)\1\s+in\s+topics/g, (_m, _q: string, name: string) => {
    terms++;
    if (!TOPIC_NAME.test(name)) badName = true;
    return 'T';
  }).replace(/\s+/g, '');
  if (badName || terms === 0 || terms > 5 || !/^[T!()&|]+$/.test(rest)) return false;
  let depth = 0;
  for (const c of rest) {
    depth += c === '(' ? 1 : c === ')' ? -1 : 0;
    if (depth < 0) return false;
  }
  return depth === 0 && /^T((&&|\|\|)T)*$/.test(rest.replace(/[()!]/g, ''));
}

/** What Huawei checks of the message's content, whatever it targets. */
function contentProblem(message: Record<string, unknown>, bad: (msg: string) => { code: string; msg: string }): { code: string; msg: string } | undefined {
  if (message.data !== undefined && typeof message.data !== 'string') return bad('data must be a string');
  const android = message.android;
  if (android === undefined) return undefined;
  if (!isObject(android)) return bad('android must be an object');
  if (android.urgency !== undefined && android.urgency !== 'HIGH' && android.urgency !== 'NORMAL') return bad('android.urgency must be HIGH or NORMAL');
  if (android.ttl !== undefined && (typeof android.ttl !== 'string' || !TTL.test(android.ttl))) return bad('android.ttl must look like "86400s"');
  if (android.collapse_key !== undefined && !(Number.isInteger(android.collapse_key) && (android.collapse_key as number) >= -1 && (android.collapse_key as number) <= 100)) {
    return bad('android.collapse_key must be an integer from -1 to 100');
  }
  if (android.bi_tag !== undefined && typeof android.bi_tag !== 'string') return bad('android.bi_tag must be a string');
  const notification = android.notification;
  if (notification === undefined) return undefined;
  if (!isObject(notification)) return bad('android.notification must be an object');
  if (typeof notification.title !== 'string' || typeof notification.body !== 'string') return bad('android.notification needs title and body');
  const click = notification.click_action;
  if (!isObject(click)) return bad('android.notification.click_action is mandatory');
  if (click.type === 1 && typeof click.intent !== 'string' && typeof click.action !== 'string') return bad('click_action type 1 needs intent or action');
  if (click.type === 2 && !(typeof click.url === 'string' && click.url.startsWith('https://'))) return bad('click_action type 2 needs an https url');
  if (click.type !== 1 && click.type !== 2 && click.type !== 3 && click.type !== 4) return bad('click_action.type must be 1, 2, 3 or 4');
  const badge = notification.badge;
  if (badge !== undefined) {
    if (!isObject(badge)) return bad('badge must be an object');
    for (const field of ['add_num', 'set_num'] as const) {
      const n = badge[field];
      if (n !== undefined && !(Number.isInteger(n) && (n as number) >= 0 && (n as number) < 100)) return bad(`badge.${field} must be an integer from 0 to 99`);
    }
  }
  return undefined;
}
