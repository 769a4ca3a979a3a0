import { randomUUID, type KeyObject } from 'node:crypto';
import {
  constants,
  createSecureServer,
  type Http2SecureServer,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { testCertificate, type TestCertificate } from '../tls.js';
import { ProviderTokenCheck } from './provider-token-check.js';

/** One scripted APNs answer. */
export interface ApnsMockAnswer {
  status: number;
  /** Sent as `{"reason": ...}` for a non-200 status. */
  reason?: string;
  /** For 410: unix ms since when the token is invalid. */
  timestamp?: number;
  /** Retry-After header (seconds or an HTTP date). */
  retryAfter?: number | string;
  /** Answer after this long (overrides the mock's delayMs). */
  delayMs?: number;
}

export interface ApnsMockOptions {
  port?: number;
  host?: string;
  /** Token auth: verify `authorization: bearer <JWT>` against this key, key id and team id. */
  token?: { publicKey: string | KeyObject; keyId: string; teamId: string };
  /** Certificate auth: ask for a TLS client certificate and accept the ones this CA (PEM) issued. */
  clientCa?: string;
  /** When set, apns-topic must be this bundle id plus the suffix of the push type (else 400 BadTopic). */
  bundleId?: string;
  /** SETTINGS_MAX_CONCURRENT_STREAMS announced to every session; default 1000. */
  maxConcurrentStreams?: number;
  /** Delay before every answer, in ms; default 0. */
  delayMs?: number;
  /** Keep every request in `requests`; default true (turn off for benchmarks). */
  record?: boolean;
  /** The OpenRadar 27870881 behaviour: after a rejected push the session's limit drops to 1, after a success it is restored. */
  dropToOneOnReject?: boolean;
  /** Send GOAWAY on the session of the Nth request (counted across the mock), with that stream as the last one processed. */
  goawayAfter?: number;
  /** The mock's clock for the JWT age check; default Date.now. */
  now?: () => number;
  /** Server certificate; default testCertificate(). */
  tls?: TestCertificate;
}

export interface RecordedApnsRequest {
  method: string;
  path: string;
  /** The device token from the path. */
  token: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Which connection (1-based, in order of opening) and stream carried it. */
  session: number;
  streamId: number;
}

export interface ApnsMockSessionStats {
  id: number;
  concurrentStreams: number;
  /** Highest number of streams open at once, counted when a stream is accepted, since the last resetPeaks(). */
  peakConcurrentStreams: number;
  requests: number;
  maxConcurrentStreams: number;
  /** Streams the client opened that never reached the handler (refused by HTTP/2 for exceeding the limit, or after GOAWAY). */
  refusedStreams: number;
  goawayLastStreamId: number | undefined;
}

export interface ApnsMock {
  url: string;
  /** PEM the client must trust. */
  ca: string;
  port: number;
  requests: RecordedApnsRequest[];
  /** Requests processed (answered or being answered), over all sessions. */
  readonly requestCount: number;
  readonly connectionsOpened: number;
  /** Max of the sessions' peaks since the last resetPeaks(). */
  readonly peakConcurrentStreams: number;
  /** Streams refused over all sessions, closed ones included (see ApnsMockSessionStats.refusedStreams). */
  readonly refusedStreams: number;
  sessions(): ApnsMockSessionStats[];
  /** Queues answers for one device token; they are used in order, then the default answer applies. */
  answer(token: string, ...answers: ApnsMockAnswer[]): void;
  setDefaultAnswer(answer: ApnsMockAnswer): void;
  /** Sends a new SETTINGS to every connected session and applies the limit to new ones. */
  setMaxConcurrentStreams(n: number): void;
  resetPeaks(): void;
  /** GOAWAY on every session now, with the last stream each has accepted; in-flight streams finish. */
  goaway(): void;
  /** Resolves once `n` requests have been processed in total. */
  whenRequests(n: number): Promise<void>;
  close(): Promise<void>;
}

const PUSH_TYPES = new Set(['alert', 'background', 'location', 'voip', 'complication', 'fileprovider', 'mdm', 'liveactivity', 'pushtotalk']);
const TOPIC_SUFFIX: Record<string, string> = {
  voip: '.voip',
  liveactivity: '.push-type.liveactivity',
  location: '.location-query',
  complication: '.complication',
  fileprovider: '.pushkit.fileprovider',
  pushtotalk: '.voip-ptt',
};
const PRIORITIES = new Set(['10', '5', '1']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PATH = /^\/3\/device\/([^/?#]*)$/;
const HEX_TOKEN = /^[0-9a-fA-F]{64,}$/;
const OK: ApnsMockAnswer = { status: 200 };

interface SessionState {
  id: number;
  session: ServerHttp2Session;
  current: number;
  peak: number;
  requests: number;
  limit: number;
  dropped: boolean;
  nextStreamId: number;
  refused: number;
  goawayLast: number | undefined;
  /** The GOAWAY frame has been handed to HTTP/2 (it is decided a moment earlier). */
  goawaySent: boolean;
  /** Streams above goawayLast that arrived before the GOAWAY went out; refused right after it. */
  held: ServerHttp2Stream[];
}

/** A TLS + HTTP/2 stand-in for api.push.apple.com, checking what APNs checks (providers.md §4.2). */
export async function startApnsMock(options: ApnsMockOptions = {}): Promise<ApnsMock> {
  const cert = options.tls ?? testCertificate();
  const now = options.now ?? Date.now;
  const record = options.record ?? true;
  const baseDelay = options.delayMs ?? 0;
  const tokenCheck = options.token ? new ProviderTokenCheck({ ...options.token, now }) : undefined;
  const certificateAuth = options.clientCa !== undefined;
  let maxStreams = options.maxConcurrentStreams ?? 1000;
  let defaultAnswer = OK;
  const scripts = new Map<string, ApnsMockAnswer[]>();
  const sessions = new Set<SessionState>();
  const timers = new Set<NodeJS.Timeout>();
  const requests: RecordedApnsRequest[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  let requestCount = 0;
  let connectionsOpened = 0;
  let goawaySent = false;
  // Peaks of sessions that have closed, so a test can read the peak after a GOAWAY replaced one.
  let closedPeak = 0;
  let closedRefused = 0;
  let lastValidBody: Buffer | undefined;

  const server: Http2SecureServer = createSecureServer({
    cert: cert.cert,
    key: cert.key,
    settings: { maxConcurrentStreams: maxStreams },
    maxSessionMemory: 64,
    ...(certificateAuth && { requestCert: true, rejectUnauthorized: false, ca: options.clientCa }),
  });

  // The TCP sockets under the TLS ones, closed by close() as well: a client killed mid-connection
  // (a SIGKILLed Herald) could leave one that its TLS socket's end did not take along, and the
  // server's close waits for every connection it counts.
  const rawSockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    rawSockets.add(socket);
    socket.once('close', () => rawSockets.delete(socket));
  });

  server.on('session', (session: ServerHttp2Session) => {
    const state: SessionState = { id: ++connectionsOpened, session, current: 0, peak: 0, requests: 0, limit: maxStreams, dropped: false, nextStreamId: 1, refused: 0, goawayLast: undefined, goawaySent: false, held: [] };
    sessions.add(state);
    session.on('error', () => {});
    session.on('close', () => {
      sessions.delete(state);
      closedPeak = Math.max(closedPeak, state.peak);
      closedRefused += state.refused;
    });
    (session as SessionWithState)[STATE] = state;
  });

  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    const state = (stream.session as SessionWithState)[STATE];
    stream.on('error', () => {});
    const id = stream.id ?? 0;
    // Client stream ids are consecutive odd numbers, so a gap is a stream HTTP/2 refused before us.
    if (id > state.nextStreamId) state.refused += (id - state.nextStreamId) / 2;
    state.nextStreamId = id + 2;
    if (state.goawayLast !== undefined && id > state.goawayLast) {
      refuse(state, stream);
      return;
    }
    if (++state.current > state.peak) state.peak = state.current;
    stream.on('close', () => {
      if (--state.current === 0 && state.goawaySent) endAfterGoaway(state);
    });
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => handle(stream, id, state, headers, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
  });

  function handle(stream: ServerHttp2Stream, id: number, state: SessionState, headers: IncomingHttpHeaders, body: Buffer): void {
    if (stream.destroyed) return;
    // A stream above a GOAWAY's last-stream-id is one APNs never acted on.
    if (state.goawayLast !== undefined && id > state.goawayLast) {
      refuse(state, stream);
      return;
    }
    requestCount++;
    state.requests++;
    const path = String(headers[':path'] ?? '');
    const match = PATH.exec(path);
    const token = match?.[1] ?? '';
    if (record) {
      requests.push({ method: String(headers[':method']), path, token, headers, body: body.toString('utf8'), session: state.id, streamId: id });
    }
    const apnsId = typeof headers['apns-id'] === 'string' && UUID.test(headers['apns-id']) ? headers['apns-id'] : randomUUID();
    const refusal = validate(stream, headers, match !== null, token, body);
    const answer = refusal ?? nextAnswer(token);
    if (options.goawayAfter !== undefined && !goawaySent && requestCount >= options.goawayAfter) {
      goawaySent = true;
      sendGoaway(state, id);
    }
    const delay = answer.delayMs ?? baseDelay;
    if (delay > 0) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        respond(stream, state, answer, apnsId);
      }, delay);
      timers.add(timer);
    } else {
      respond(stream, state, answer, apnsId);
    }
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (requestCount >= waiters[i]!.n) waiters.splice(i, 1)[0]!.resolve();
    }
  }

  function validate(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, pathOk: boolean, token: string, body: Buffer): ApnsMockAnswer | undefined {
    if (headers[':method'] !== 'POST') return { status: 405, reason: 'MethodNotAllowed' };
    if (!pathOk) return { status: 404, reason: 'BadPath' };
    if (token === '') return { status: 400, reason: 'MissingDeviceToken' };
    if (!HEX_TOKEN.test(token)) return { status: 400, reason: 'BadDeviceToken' };

    const socket = stream.session?.socket as TLSSocket | undefined;
    const hasCertificate = certificateAuth && socket?.authorized === true;
    if (!hasCertificate) {
      const authorization = headers.authorization;
      if (tokenCheck && (authorization !== undefined || !certificateAuth)) {
        const verdict = tokenCheck.check(typeof authorization === 'string' ? authorization : undefined);
        if (verdict) return { status: 403, reason: verdict };
      } else if (certificateAuth) {
        const presented = socket?.getPeerCertificate !== undefined && Object.keys(socket.getPeerCertificate()).length > 0;
        return { status: 403, reason: presented ? 'BadCertificate' : 'MissingProviderToken' };
      }
    }

    const pushType = headers['apns-push-type'];
    if (pushType !== undefined && (typeof pushType !== 'string' || !PUSH_TYPES.has(pushType))) return { status: 400, reason: 'InvalidPushType' };
    const topic = headers['apns-topic'];
    if (topic === undefined || topic === '') {
      // With a certificate the topic defaults to the certificate's; with a token it is required.
      if (!hasCertificate) return { status: 400, reason: 'MissingTopic' };
    } else if (options.bundleId !== undefined && topic !== options.bundleId + (TOPIC_SUFFIX[String(pushType ?? 'alert')] ?? '')) {
      return { status: 400, reason: 'BadTopic' };
    }
    const priority = headers['apns-priority'];
    if (priority !== undefined && (typeof priority !== 'string' || !PRIORITIES.has(priority))) return { status: 400, reason: 'BadPriority' };
    if (pushType === 'background' && priority !== undefined && priority !== '5' && priority !== '1') return { status: 400, reason: 'BadPriority' };
    const id = headers['apns-id'];
    if (id !== undefined && (typeof id !== 'string' || !UUID.test(id))) return { status: 400, reason: 'BadMessageId' };
    const expiration = headers['apns-expiration'];
    if (expiration !== undefined && (typeof expiration !== 'string' || !/^\d+$/.test(expiration))) return { status: 400, reason: 'BadExpirationDate' };
    const collapseId = headers['apns-collapse-id'];
    if (collapseId !== undefined && Buffer.byteLength(String(collapseId)) > 64) return { status: 400, reason: 'BadCollapseId' };

    if (body.length === 0) return { status: 400, reason: 'PayloadEmpty' };
    if (body.length > (pushType === 'voip' ? 5120 : 4096)) return { status: 413, reason: 'PayloadTooLarge' };
    // A push fanned out to many devices repeats one body: parse it once.
    if (lastValidBody !== undefined && body.equals(lastValidBody)) return undefined;
    // Apple documents no reason for malformed JSON; this one is the mock's own.
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { status: 400, reason: 'BadPayload' };
    } catch {
      return { status: 400, reason: 'BadPayload' };
    }
    lastValidBody = body;
    return undefined;
  }

  function nextAnswer(token: string): ApnsMockAnswer {
    const queue = scripts.get(token);
    if (queue === undefined) return defaultAnswer;
    const answer = queue.shift()!;
    if (queue.length === 0) scripts.delete(token);
    return answer;
  }

  function respond(stream: ServerHttp2Stream, state: SessionState, answer: ApnsMockAnswer, apnsId: string): void {
    if (options.dropToOneOnReject) {
      if (answer.status !== 200 && !state.dropped) {
        state.dropped = true;
        applyLimit(state, 1);
      } else if (answer.status === 200 && state.dropped) {
        state.dropped = false;
        applyLimit(state, maxStreams);
      }
    }
    if (stream.destroyed || stream.closed) return;
    const responseHeaders: Record<string, string | number> = { ':status': answer.status, 'apns-id': apnsId };
    if (answer.retryAfter !== undefined) responseHeaders['retry-after'] = String(answer.retryAfter);
    if (answer.status === 200) {
      stream.respond(responseHeaders, { endStream: true });
      return;
    }
    responseHeaders['content-type'] = 'application/json';
    stream.respond(responseHeaders);
    const body: { reason?: string; timestamp?: number } = {};
    if (answer.reason !== undefined) body.reason = answer.reason;
    if (answer.timestamp !== undefined) body.timestamp = answer.timestamp;
    stream.end(JSON.stringify(body));
  }

  function applyLimit(state: SessionState, n: number): void {
    state.limit = n;
    if (state.session.destroyed || state.session.closed) return;
    try {
      state.session.settings({ maxConcurrentStreams: n });
    } catch {
      // Too many SETTINGS awaiting the client's ACK: the latest value goes out with the next change.
    }
  }

  function sendGoaway(state: SessionState, lastStreamId: number): void {
    state.goawayLast = lastStreamId;
    // Sent outside the stream callback that decided it (node's HTTP/2 session is not re-entrant
    // there), and before any RST_STREAM for the streams above it, so the client learns of the
    // GOAWAY first, as it would from APNs.
    setImmediate(() => {
      if (state.session.destroyed || state.session.closed) return;
      state.session.goaway(constants.NGHTTP2_NO_ERROR, lastStreamId);
      state.goawaySent = true;
      for (const stream of state.held.splice(0)) if (!stream.destroyed) stream.close(constants.NGHTTP2_REFUSED_STREAM);
      if (state.current === 0) endAfterGoaway(state);
    });
  }

  // Like APNs, close the connection once the streams the GOAWAY let through are answered. Only
  // now: a close() right after goaway() would queue a second GOAWAY with a higher last-stream-id
  // before the first went out, which the client must treat as a protocol error.
  function endAfterGoaway(state: SessionState): void {
    setImmediate(() => {
      if (!state.session.destroyed && !state.session.closed) state.session.close();
    });
  }

  /** A stream above the GOAWAY's last-stream-id: never processed, refused so the client may resend it. */
  function refuse(state: SessionState, stream: ServerHttp2Stream): void {
    if (state.held.includes(stream)) return;
    state.refused++;
    if (state.goawaySent) stream.close(constants.NGHTTP2_REFUSED_STREAM);
    else state.held.push(stream);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;

  return {
    url: `https://${options.host ?? '127.0.0.1'}:${port}`,
    ca: cert.cert,
    port,
    requests,
    get requestCount() {
      return requestCount;
    },
    get connectionsOpened() {
      return connectionsOpened;
    },
    get peakConcurrentStreams() {
      let peak = 0;
      for (const s of sessions) peak = Math.max(peak, s.peak);
      return Math.max(peak, closedPeak);
    },
    get refusedStreams() {
      let refused = closedRefused;
      for (const s of sessions) refused += s.refused;
      return refused;
    },
    sessions: () =>
      [...sessions].map((s) => ({
        id: s.id,
        concurrentStreams: s.current,
        peakConcurrentStreams: s.peak,
        requests: s.requests,
        maxConcurrentStreams: s.limit,
        refusedStreams: s.refused,
        goawayLastStreamId: s.goawayLast,
      })),
    answer(token, ...answers) {
      if (answers.length === 0) return;
      const queue = scripts.get(token);
      if (queue) queue.push(...answers);
      else scripts.set(token, [...answers]);
    },
    setDefaultAnswer(answer) {
      defaultAnswer = answer;
    },
    setMaxConcurrentStreams(n) {
      maxStreams = n;
      server.updateSettings({ maxConcurrentStreams: n });
      for (const s of sessions) {
        s.dropped = false;
        applyLimit(s, n);
      }
    },
    resetPeaks() {
      closedPeak = 0;
      for (const s of sessions) s.peak = 0;
    },
    goaway() {
      for (const s of sessions) if (s.goawayLast === undefined) sendGoaway(s, Math.max(0, s.nextStreamId - 2));
    },
    whenRequests(n) {
      if (requestCount >= n) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push({ n, resolve }));
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        for (const s of sessions) s.session.destroy();
        for (const socket of rawSockets) socket.destroy();
      });
      return closing;
    },
  };
}

const STATE = Symbol('apns-mock-session');
type SessionWithState = ServerHttp2Session & { [STATE]: SessionState };
