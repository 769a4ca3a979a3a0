import {
  connect,
  constants,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type SecureClientSessionOptions,
  type Settings,
} from 'node:http2';
import type { Logger } from '../../../ports/logger.js';
import { silentLogger } from '../../../ports/logger.js';
import { withFastAsyncBind } from './fast-async-bind.js';
import { Fifo } from './fifo.js';
import { ignoreError, onData, onResponse, PendingRequest, PooledSession, PromiseReceiver, refused, REQUEST, type Http2Receiver, type PoolStream, type Slot } from './pool-state.js';
import { reconnectDelay } from './reconnect-backoff.js';
import { Http2RequestError, type Http2FailureKind } from './request-error.js';

export { Http2RequestError, type Http2FailureKind, type Http2Receiver };

export interface Http2PoolOptions {
  /** e.g. 'https://api.push.apple.com:443' */
  origin: string;
  /** For logs/metrics, e.g. 'apns:default'. */
  name: string;
  /** Number of sessions to spread streams over; default 1. */
  connections?: number;
  tls?: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; passphrase?: string; servername?: string };
  /** Per-request limit from dispatch to the end of the response body; default 30_000. */
  requestTimeoutMs?: number;
  /**
   * The peer's stream limit assumed when its SETTINGS do not state one; default 100. Streams are
   * only started once the peer's first SETTINGS frame has arrived (it is the first frame an HTTP/2
   * server sends), so a peer with a lower limit never sees a burst it has to refuse.
   */
  initialMaxConcurrentStreams?: number;
  /** Reconnect backoff (exponential with full jitter, see src/core/retry/backoff.ts); defaults 100 ms .. 30 s. */
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  logger?: Logger;
  /**
   * Ceiling on streams per session whatever the peer allows (a peer that states no limit allows
   * 2^32 - 1, which would let one session buffer without bound); default 1000.
   */
  maxStreamsPerSession?: number;
  /** An idle session sends a PING this often and is dropped when the previous one is unanswered; 0 disables; default 60_000. */
  keepaliveIntervalMs?: number;
  /** How long a connection attempt (TCP + TLS + the peer's SETTINGS) may take; default min(requestTimeoutMs, 10_000). */
  connectTimeoutMs?: number;
}

export interface Http2Response {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface Http2PoolStats {
  /** Open sessions, including ones draining after a GOAWAY. */
  sessions: number;
  inFlight: number;
  queued: number;
  /** Sum of the current stream limits of the sessions that take new streams. */
  maxConcurrentStreams: number;
}

// A peer that refuses the same request this often is not going to take it; the caller retries later.
const MAX_REFUSALS = 8;
// Client stream ids are odd and end at 2^31 - 1; a session is replaced well before it runs out.
const MAX_STREAMS_PER_CONNECTION = 1_000_000_000;
const CLOSE_WAIT_MS = 2000;
const EMPTY = Buffer.alloc(0);
// The priority fields are node's own defaults, given up front: options without them take a
// markedly slower path through ClientHttp2Session#request (measured ~40 µs per request on Node 20).
const END_STREAM = { endStream: true, weight: 16, parent: 0, exclusive: false } as const;
const OPEN_STREAM = { endStream: false, weight: 16, parent: 0, exclusive: false } as const;
const { NGHTTP2_CANCEL } = constants;

/**
 * Persistent HTTP/2 sessions to one origin, shared by every request to it. Streams are spread
 * over `connections` sessions (least loaded first) and never exceed the limit each peer states
 * in its SETTINGS, live; requests beyond it wait in one FIFO. GOAWAY and REFUSED_STREAM are
 * handled here, so callers only see transport failures that may have reached the peer.
 */
export class Http2SessionPool {
  readonly #origin: string;
  readonly #name: string;
  readonly #connectOptions: SecureClientSessionOptions;
  readonly #timeoutMs: number;
  readonly #connectTimeoutMs: number;
  readonly #initialLimit: number;
  readonly #maxStreams: number;
  readonly #backoff: { baseMs: number; maxMs: number };
  readonly #keepaliveMs: number;
  readonly #log: Logger;
  readonly #slots: Slot[] = [];
  readonly #sessions = new Set<PooledSession>();
  readonly #queue = new Fifo<PendingRequest>();
  #emptySlots: number;
  #inFlight = 0;
  #head: PendingRequest | undefined = undefined;
  #tail: PendingRequest | undefined = undefined;
  #sweepTimer: NodeJS.Timeout | undefined = undefined;
  #lastConnectError: Error | undefined = undefined;
  #closed = false;
  #closing: Promise<void> | undefined = undefined;
  /** Signals with a listener already; weak, so a finished job's signal is not kept. */
  readonly #watched = new WeakSet<AbortSignal>();

  constructor(options: Http2PoolOptions) {
    const url = new URL(options.origin);
    if (url.protocol !== 'https:') throw new Error(`${options.name}: HTTP/2 origin must be https, got ${options.origin}`);
    this.#origin = url.origin;
    this.#name = options.name;
    this.#timeoutMs = positive(options.requestTimeoutMs, 30_000);
    this.#connectTimeoutMs = positive(options.connectTimeoutMs, Math.min(this.#timeoutMs, 10_000));
    this.#initialLimit = Math.max(1, Math.floor(positive(options.initialMaxConcurrentStreams, 100)));
    this.#maxStreams = Math.max(1, Math.floor(positive(options.maxStreamsPerSession, 1000)));
    this.#backoff = { baseMs: positive(options.reconnectBaseMs, 100), maxMs: positive(options.reconnectMaxMs, 30_000) };
    this.#keepaliveMs = options.keepaliveIntervalMs ?? 60_000;
    this.#log = options.logger ?? silentLogger;
    const tls = options.tls ?? {};
    this.#connectOptions = {
      ...(tls.ca !== undefined && { ca: tls.ca }),
      ...(tls.cert !== undefined && { cert: tls.cert }),
      ...(tls.key !== undefined && { key: tls.key }),
      ...(tls.passphrase !== undefined && { passphrase: tls.passphrase }),
      ...(tls.servername !== undefined && { servername: tls.servername }),
      peerMaxConcurrentStreams: this.#initialLimit,
      // Node's default of 10 MB makes a busy session fail with ENHANCE_YOUR_CALM under a burst.
      maxSessionMemory: 64,
      settings: { enablePush: false },
    };
    const connections = Math.max(1, Math.floor(options.connections ?? 1));
    for (let i = 0; i < connections; i++) this.#slots.push({ session: undefined, failures: 0, retryTimer: undefined });
    this.#emptySlots = connections;
  }

  /**
   * Sends one request. Waits in a FIFO when every session is at its peer's concurrent-stream limit. Streams the peer refused (GOAWAY with last-stream-id below them, REFUSED_STREAM) are re-dispatched transparently on another/new session, never surfaced. Rejects with Http2RequestError for transport failures only; any HTTP status resolves.
   * Once `signal` aborts, the request is no longer handed to a session: while it waits it rejects at once with kind `aborted`; once started it runs to its end.
   */
  request(headers: OutgoingHttpHeaders, body?: Buffer | string, signal?: AbortSignal): Promise<Http2Response> {
    const receiver = new PromiseReceiver();
    this.send(headers, body, signal, receiver, 0);
    return receiver.promise;
  }

  /**
   * request() for callers that send many at once: the end of the request is reported to
   * `receiver.settled(tag, ...)` (synchronously from here when the pool is closed or `signal` has
   * aborted already), with the same guarantees.
   */
  send(headers: OutgoingHttpHeaders, body: Buffer | string | undefined, signal: AbortSignal | undefined, receiver: Http2Receiver, tag: number): void {
    if (this.#closed) return receiver.settled(tag, undefined, new Http2RequestError('closed', `${this.#name}: pool is closed`));
    if (signal?.aborted) return receiver.settled(tag, undefined, this.#aborted());
    const request = new PendingRequest(headers, body, Date.now(), signal, receiver, tag);
    if (signal) this.#watch(signal);
    if (this.#emptySlots > 0) this.#fillSlots();
    const session = this.#queue.length === 0 ? this.#pick() : undefined;
    if (session) this.#start(request, session);
    else this.#queue.push(request);
    if (!this.#sweepTimer) this.#startSweep();
  }

  /** Snapshot for metrics/tests. */
  stats(): Http2PoolStats {
    let sessions = 0;
    let maxConcurrentStreams = 0;
    for (const s of this.#sessions) {
      if (s.ready) sessions++;
      if (s.ready && !s.draining) maxConcurrentStreams += s.limit;
    }
    return { sessions, inFlight: this.#inFlight, queued: this.#queue.length, maxConcurrentStreams };
  }

  /** Closes sessions; queued and in-flight requests reject with kind 'closed'. Idempotent. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closed = true;
    this.#stopSweep();
    for (const slot of this.#slots) {
      if (slot.retryTimer) clearTimeout(slot.retryTimer);
      slot.retryTimer = undefined;
    }
    const closed = new Http2RequestError('closed', `${this.#name}: pool closed`);
    for (let r = this.#queue.shift(); r; r = this.#queue.shift()) this.#fail(r, closed);
    while (this.#head) this.#fail(this.#head, closed);
    const waits: Promise<void>[] = [];
    for (const s of this.#sessions) {
      if (s.timer) clearTimeout(s.timer);
      // Every session still in the set has yet to emit 'close' (its handler removes it).
      waits.push(new Promise<void>((resolve) => s.session.once('close', () => resolve())));
      s.session.destroy();
    }
    // A peer that never answers the close must not hold up shutdown: the sockets are destroyed
    // already, only their 'close' events are waited for.
    const bound = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref());
    this.#closing = Promise.race([Promise.all(waits).then(() => undefined), bound]);
    return this.#closing;
  }

  // ---- dispatch -------------------------------------------------------------------------

  /** The session with the most free streams, or undefined when all are full or none is ready. */
  #pick(): PooledSession | undefined {
    let best: PooledSession | undefined;
    let bestRoom = 0;
    for (const slot of this.#slots) {
      const s = slot.session;
      if (s && s.room > bestRoom) {
        best = s;
        bestRoom = s.room;
      }
    }
    return best;
  }

  #start(request: PendingRequest, s: PooledSession): void {
    // Aborted while it waited in the queue: it is failed already, or is failed now, never sent.
    if (request.settled) return;
    if (request.signal?.aborted) {
      this.#fail(request, this.#aborted());
      return;
    }
    let stream: ClientHttp2Stream;
    try {
      stream = withFastAsyncBind(() => s.session.request(request.headers, request.body === undefined ? END_STREAM : OPEN_STREAM));
    } catch (err) {
      // The session went away under us (GOAWAY being processed, destroyed, out of stream ids):
      // nothing reached the peer, so the request simply waits for another session.
      this.#retire(s, err instanceof Error ? err : new Error(String(err)));
      this.#queue.unshift(request);
      return;
    }
    if (s.inFlight++ === 0) s.session.ref();
    this.#inFlight++;
    s.activeSinceLastPing = true;
    if (++s.started >= MAX_STREAMS_PER_CONNECTION) this.#retire(s, undefined);
    request.session = s;
    request.stream = stream;
    request.status = 0;
    request.chunks = undefined;
    request.deadline = Date.now() + this.#timeoutMs;
    this.#link(request);
    (stream as PoolStream)[REQUEST] = request;
    stream.on('response', onResponse);
    stream.on('data', onData);
    stream.on('error', ignoreError);
    stream.on('close', Http2SessionPool.#onStreamClose);
    if (request.body !== undefined) stream.end(request.body);
  }

  /** Starts queued requests while some session has room. */
  #drain(): void {
    while (this.#queue.length > 0) {
      const s = this.#pick();
      if (!s) return;
      this.#start(this.#queue.shift()!, s);
    }
  }

  static #onStreamClose(this: ClientHttp2Stream): void {
    const request = (this as PoolStream)[REQUEST];
    request.session!.pool.#streamClosed(this, request);
  }

  #streamClosed(stream: ClientHttp2Stream, request: PendingRequest): void {
    const s = request.session!;
    if (--s.inFlight === 0 && !s.session.destroyed) s.session.unref();
    this.#inFlight--;
    this.#unlink(request);
    request.stream = undefined;
    if (!request.settled) {
      if (request.status !== 0 && stream.readableEnded) {
        request.settled = true;
        if (s.slot !== undefined && s.slot.failures > 0) s.slot.failures = 0;
        if (s.limit < s.peerLimit) s.limit++;
        const chunks = request.chunks;
        request.receiver.settled(request.tag, {
          status: request.status,
          headers: request.responseHeaders!,
          body: chunks === undefined ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
        }, undefined);
      } else if (refused(stream, s, request) && ++request.refusals <= MAX_REFUSALS && !this.#closed) {
        // The peer says it never processed this stream, so sending it again cannot duplicate it.
        // A refusal outside a GOAWAY means it wants fewer streams than we ran (a lower limit on
        // its way, or overload): hold at what is open now, and grow back one per answer, so the
        // resend does not bounce off the same session again.
        if (s.goawayLastStreamId < 0) s.limit = Math.max(1, Math.min(s.limit, s.inFlight));
        request.session = undefined;
        this.#queue.unshift(request);
        if (this.#emptySlots > 0) this.#fillSlots();
      } else {
        const kind: Http2FailureKind = s.goawayLastStreamId >= 0 ? 'goaway' : 'reset';
        this.#fail(request, new Http2RequestError(kind, `${this.#name}: stream ${kind === 'goaway' ? 'cut by GOAWAY' : 'reset'} before a complete response (code ${stream.rstCode ?? 'none'})`, { cause: s.error }));
      }
    }
    if (s.draining && s.inFlight === 0) this.#closeDrained(s);
    if (this.#queue.length > 0) this.#drain();
  }

  #fail(request: PendingRequest, error: Http2RequestError): void {
    if (request.settled) return;
    request.settled = true;
    this.#unlink(request);
    request.receiver.settled(request.tag, undefined, error);
  }

  // ---- abort signals ----------------------------------------------------------------------

  /**
   * One listener per signal, whatever the number of requests it covers (a send job hands one signal
   * to hundreds of requests, and an AbortSignal warns past ten listeners), and nothing per request:
   * aborts are rare, so the queue is searched when one happens instead.
   */
  #watch(signal: AbortSignal): void {
    if (this.#watched.has(signal)) return;
    this.#watched.add(signal);
    signal.addEventListener('abort', () => {
      const error = this.#aborted();
      // Only requests still waiting: a started one has reached the peer, and its answer is the truth.
      this.#queue.forEach((r) => {
        if (r.signal === signal) this.#fail(r, error);
      });
    }, { once: true });
  }

  #aborted(): Http2RequestError {
    return new Http2RequestError('aborted', `${this.#name}: the send was stopped before the request went out`);
  }

  // ---- in-flight list and timeouts ------------------------------------------------------

  #link(request: PendingRequest): void {
    request.linked = true;
    request.prev = this.#tail;
    request.next = undefined;
    if (this.#tail) this.#tail.next = request;
    else this.#head = request;
    this.#tail = request;
  }

  #unlink(request: PendingRequest): void {
    if (!request.linked) return;
    request.linked = false;
    if (request.prev) request.prev.next = request.next;
    else this.#head = request.next;
    if (request.next) request.next.prev = request.prev;
    else this.#tail = request.prev;
    request.prev = request.next = undefined;
  }

  // One timer for every request: in-flight requests share one timeout and sit in dispatch order,
  // so only the head can be due. It runs only while there is work, which is also what keeps the
  // process alive until every pending request has settled.
  #startSweep(): void {
    const period = Math.min(1000, Math.max(5, Math.floor(this.#timeoutMs / 10)));
    this.#sweepTimer = setInterval(() => this.#sweep(), period);
  }

  #stopSweep(): void {
    if (this.#sweepTimer) clearInterval(this.#sweepTimer);
    this.#sweepTimer = undefined;
  }

  #sweep(): void {
    const now = Date.now();
    while (this.#head && this.#head.deadline <= now) {
      const request = this.#head;
      const stream = request.stream;
      this.#fail(request, new Http2RequestError('timeout', `${this.#name}: no complete response within ${this.#timeoutMs} ms`));
      if (stream && !stream.closed) stream.close(NGHTTP2_CANCEL);
    }
    // Requests aborted while they waited are settled already; they only leave the queue here or on dispatch.
    while (this.#queue.length > 0 && this.#queue.peek()!.settled) this.#queue.shift();
    // Queued requests wait without limit while sessions are up but busy (that is backpressure),
    // but only a bounded time while no session can be opened at all.
    if (this.#queue.length > 0 && !this.#anyReady()) {
      const error = new Http2RequestError('connect', `${this.#name}: could not connect to ${this.#origin} within ${this.#timeoutMs} ms${this.#lastConnectError ? `: ${this.#lastConnectError.message}` : ''}`, { cause: this.#lastConnectError });
      while (this.#queue.length > 0 && this.#queue.peek()!.createdAt + this.#timeoutMs <= now) this.#fail(this.#queue.shift()!, error);
    }
    if (this.#inFlight === 0 && this.#queue.length === 0) this.#stopSweep();
  }

  #anyReady(): boolean {
    for (const slot of this.#slots) if (slot.session?.ready) return true;
    return false;
  }

  // ---- sessions ---------------------------------------------------------------------------

  /** Connects every slot that has no session and is not waiting out a backoff. */
  #fillSlots(): void {
    if (this.#closed) return;
    for (const slot of this.#slots) if (!slot.session && !slot.retryTimer) this.#connect(slot);
  }

  #connect(slot: Slot): void {
    let session: ClientHttp2Session;
    try {
      session = connect(this.#origin, this.#connectOptions);
    } catch (err) {
      this.#lastConnectError = err instanceof Error ? err : new Error(String(err));
      slot.failures++;
      this.#scheduleReconnect(slot);
      return;
    }
    const s = new PooledSession(this, slot, session, this.#initialLimit);
    slot.session = s;
    this.#emptySlots--;
    this.#sessions.add(s);
    s.timer = setTimeout(() => {
      if (!s.ready) session.destroy(new Error(`no HTTP/2 SETTINGS from the peer within ${this.#connectTimeoutMs} ms`));
    }, this.#connectTimeoutMs);
    s.timer.unref();
    session.on('remoteSettings', (settings: Settings) => this.#onSettings(s, settings));
    session.on('goaway', (code: number, lastStreamId: number, debugData?: Buffer) => this.#onGoaway(s, code, lastStreamId, debugData));
    session.on('error', (err: Error) => {
      s.error = err;
      this.#retire(s, err);
    });
    session.on('close', () => this.#onSessionClose(s));
  }

  #onSettings(s: PooledSession, settings: Settings): void {
    const stated = settings.maxConcurrentStreams;
    const limit = Math.min(this.#maxStreams, stated === undefined ? this.#initialLimit : Math.max(0, stated));
    const first = !s.ready;
    if (limit !== s.peerLimit && !first) this.#log.debug({ pool: this.#name, from: s.peerLimit, to: limit }, 'http2 peer changed its concurrent stream limit');
    s.limit = limit;
    s.peerLimit = limit;
    if (first) {
      s.ready = true;
      this.#lastConnectError = undefined;
      if (s.timer) clearTimeout(s.timer);
      s.timer = undefined;
      if (this.#keepaliveMs > 0) this.#startKeepalive(s);
      if (s.inFlight === 0) s.session.unref();
    }
    if (this.#queue.length > 0) this.#drain();
  }

  #onGoaway(s: PooledSession, code: number, lastStreamId: number, debugData: Buffer | undefined): void {
    if (s.goawayLastStreamId < 0 || lastStreamId < s.goawayLastStreamId) s.goawayLastStreamId = lastStreamId;
    if (!s.draining) {
      // APNs explains itself in the debug data, e.g. {"reason":"Shutdown"}.
      const reason = debugData && debugData.length > 0 ? debugData.toString('utf8', 0, Math.min(debugData.length, 200)) : undefined;
      this.#log.info({ pool: this.#name, code, lastStreamId, inFlight: s.inFlight, ...(reason !== undefined && { reason }) }, 'http2 peer sent GOAWAY; draining the session');
    }
    // Streams above lastStreamId are closed by node with REFUSED_STREAM and re-dispatched; the
    // ones below may finish here while a replacement session takes new work.
    this.#retire(s, undefined);
  }

  /**
   * Stops new streams on a session and frees its slot for a replacement: at once after a graceful
   * end of a session that served requests, after a backoff when the session failed (or never
   * completed a request since the last failure, so a peer that accepts and drops every connection
   * is not hammered).
   */
  #retire(s: PooledSession, error: Error | undefined): void {
    s.draining = true;
    if (error && !s.error) s.error = error;
    const slot = s.slot;
    if (slot && slot.session === s) {
      slot.session = undefined;
      s.slot = undefined;
      this.#emptySlots++;
      if (error && !s.ready) this.#lastConnectError = error;
      if (error || !s.ready || slot.failures > 0) {
        slot.failures++;
        this.#scheduleReconnect(slot);
      } else if (this.#queue.length > 0 || this.#inFlight > 0) {
        this.#connect(slot);
      }
    }
    if (s.inFlight === 0) this.#closeDrained(s);
  }

  /**
   * Ends a session that takes no new streams and has none open. Node closes a session after a
   * GOAWAY by itself, except when it still holds unsent frames at that moment (then it waits
   * for a check that never comes), so a closed session is destroyed here: nothing of ours is on it.
   */
  #closeDrained(s: PooledSession): void {
    if (s.session.destroyed) return;
    if (!s.session.closed) s.session.close();
    setImmediate(() => {
      if (!s.session.destroyed && s.inFlight === 0) s.session.destroy();
    });
  }

  #onSessionClose(s: PooledSession): void {
    if (s.timer) clearTimeout(s.timer);
    s.timer = undefined;
    this.#sessions.delete(s);
    if (s.slot) this.#retire(s, s.ready ? undefined : (s.error ?? new Error('connection closed before HTTP/2 SETTINGS')));
    if (s.error && !this.#closed) this.#log.warn({ pool: this.#name, err: s.error.message, ready: s.ready }, 'http2 session failed');
  }

  #scheduleReconnect(slot: Slot): void {
    if (this.#closed || slot.retryTimer) return;
    const delay = reconnectDelay(slot.failures, this.#backoff);
    slot.retryTimer = setTimeout(() => {
      slot.retryTimer = undefined;
      // Reconnect only for waiting work; otherwise the next request() does it.
      if (!slot.session && (this.#queue.length > 0 || this.#inFlight > 0)) this.#connect(slot);
    }, delay);
    slot.retryTimer.unref();
  }

  #startKeepalive(s: PooledSession): void {
    s.timer = setInterval(() => {
      if (s.session.destroyed || s.draining) return;
      if (s.pingOutstanding) {
        s.session.destroy(new Error(`PING unanswered for ${this.#keepaliveMs} ms`));
        return;
      }
      if (s.activeSinceLastPing || s.inFlight > 0) {
        s.activeSinceLastPing = false;
        return;
      }
      s.pingOutstanding = true;
      s.session.ping((err) => {
        if (!err) s.pingOutstanding = false;
      });
    }, this.#keepaliveMs);
    s.timer.unref();
  }
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}
