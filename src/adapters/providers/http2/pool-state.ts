import { constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import type { Http2RequestError } from './request-error.js';
import type { Http2Response, Http2SessionPool } from './session-pool.js';

// The records Http2SessionPool keeps per request and per session, and the stream listeners it
// shares between all requests (they find their request through the stream, so no closures).

const { NGHTTP2_REFUSED_STREAM } = constants;

export const REQUEST = Symbol('http2-pool-request');
export type PoolStream = ClientHttp2Stream & { [REQUEST]: PendingRequest };

/**
 * Where a request's end is reported, with the tag it was sent with. One receiver serves a whole
 * batch of requests (a send job's), so a request costs no promise or closure of its own.
 */
export interface Http2Receiver {
  /** Exactly once per request: its response (any HTTP status), or the transport failure. */
  settled(tag: number, response: Http2Response | undefined, error: Http2RequestError | undefined): void;
}

/** One request, from request() until it settles; also a node of the pool's in-flight list. */
export class PendingRequest {
  readonly headers: OutgoingHttpHeaders;
  readonly body: Buffer | string | undefined;
  readonly createdAt: number;
  readonly receiver: Http2Receiver;
  readonly tag: number;
  settled = false;
  refusals = 0;
  deadline = 0;
  session: PooledSession | undefined = undefined;
  stream: ClientHttp2Stream | undefined = undefined;
  status = 0;
  responseHeaders: IncomingHttpHeaders | undefined = undefined;
  chunks: Buffer[] | undefined = undefined;
  // In-flight list links, in dispatch order, so the oldest deadline is always at the head.
  prev: PendingRequest | undefined = undefined;
  next: PendingRequest | undefined = undefined;
  linked = false;
  /** Aborting it fails the request if it has not been handed to a session yet. */
  readonly signal: AbortSignal | undefined;

  constructor(headers: OutgoingHttpHeaders, body: Buffer | string | undefined, now: number, signal: AbortSignal | undefined, receiver: Http2Receiver, tag: number) {
    this.headers = headers;
    this.body = body;
    this.createdAt = now;
    this.signal = signal;
    this.receiver = receiver;
    this.tag = tag;
  }
}

/** The receiver of a single request made through the promise API. */
export class PromiseReceiver implements Http2Receiver {
  readonly promise: Promise<Http2Response>;
  #resolve!: (response: Http2Response) => void;
  #reject!: (error: Http2RequestError) => void;

  constructor() {
    this.promise = new Promise<Http2Response>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  settled(_tag: number, response: Http2Response | undefined, error: Http2RequestError | undefined): void {
    if (response) this.#resolve(response);
    else this.#reject(error!);
  }
}

/** A place for one of the `connections` sessions; it outlives the sessions that fill it. */
export interface Slot {
  session: PooledSession | undefined;
  /** Consecutive failed connection attempts, for the backoff. */
  failures: number;
  retryTimer: NodeJS.Timeout | undefined;
}

export class PooledSession {
  readonly pool: Http2SessionPool;
  readonly session: ClientHttp2Session;
  slot: Slot | undefined;
  /** Set when the peer's first SETTINGS arrived: only then are streams started. */
  ready = false;
  /** No new streams: after GOAWAY, an error, or when stream ids run low. */
  draining = false;
  /** Streams we allow ourselves: the peer's limit, lowered for a while after it refused a stream. */
  limit: number;
  /** The peer's SETTINGS_MAX_CONCURRENT_STREAMS (capped by the pool). */
  peerLimit: number;
  inFlight = 0;
  started = 0;
  /** The last-stream-id of a GOAWAY from the peer; -1 while none came. */
  goawayLastStreamId = -1;
  error: Error | undefined = undefined;
  timer: NodeJS.Timeout | undefined = undefined;
  pingOutstanding = false;
  activeSinceLastPing = false;

  constructor(pool: Http2SessionPool, slot: Slot, session: ClientHttp2Session, limit: number) {
    this.pool = pool;
    this.slot = slot;
    this.session = session;
    this.limit = limit;
    this.peerLimit = limit;
  }

  get room(): number {
    return this.ready && !this.draining ? this.limit - this.inFlight : 0;
  }
}

/** Whether the peer certainly did not process the stream, so it may be sent again. */
export function refused(stream: ClientHttp2Stream, s: PooledSession, request: PendingRequest): boolean {
  if (request.status !== 0) return false;
  if (stream.rstCode === NGHTTP2_REFUSED_STREAM) return true;
  const id = stream.id;
  return id === undefined || (s.goawayLastStreamId >= 0 && id > s.goawayLastStreamId);
}

export function onResponse(this: ClientHttp2Stream, headers: IncomingHttpHeaders): void {
  const request = (this as PoolStream)[REQUEST];
  request.status = Number(headers[':status'] ?? 0);
  request.responseHeaders = headers;
}

export function onData(this: ClientHttp2Stream, chunk: Buffer): void {
  const request = (this as PoolStream)[REQUEST];
  if (request.chunks === undefined) request.chunks = [chunk];
  else request.chunks.push(chunk);
}

// Failures are read from the stream's close (rstCode, session state); the error event only has to be handled.
export function ignoreError(): void {}
