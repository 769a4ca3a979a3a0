import type { paths } from './schema.js';
import type { BackoffOptions } from './backoff.js';
import { httpError, segment, type ClientContext } from './context.js';
import { keepConnected, linkedAbort } from './reconnect.js';
import { lines, serverSentEvents } from './sse.js';

/**
 * One event of a topic stream: a `message`, or `open`, `keepalive`, `poll_request`, `message_clear`,
 * `message_delete`. The document describes the streams as text, one message shape per line or
 * frame; that shape is the one publishing answers with.
 */
export type TopicEvent = paths['/']['post']['responses'][200]['content']['application/json'];
/** Filters and other query parameters of the subscribe routes (`since` is managed by `subscribe`). */
export type SubscribeQuery = Omit<NonNullable<paths['/{topics}/json']['get']['parameters']['query']>, 'since' | 'poll'>;

/** The parts of the WebSocket API the client uses: the browser's, Node 22's, or the `ws` package's. */
export interface WebSocketLike {
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  close(code?: number, reason?: string): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface SubscribeOptions {
  /** How to stream: Server-Sent Events, WebSocket or newline-delimited JSON (default `json`). */
  format?: 'sse' | 'ws' | 'json';
  /** Where the first connection starts: `all`, a duration (`10m`), a Unix time or a message id (default: only new messages). */
  since?: string;
  /** Each message, once, in order. */
  onMessage(message: TopicEvent): void;
  /** Every event as it arrives, including `open` and `keepalive`. */
  onEvent?(event: TopicEvent): void;
  /** A connection is open (its `open` event arrived): the first one and each after a reconnect. */
  onOpen?(): void;
  /** A connection failed or ended; `retryInMs` is undefined when the client gives up (a 4xx such as 401 or 403). */
  onError?(error: unknown, retryInMs: number | undefined): void;
  /** Aborting ends the subscription. */
  signal?: AbortSignal;
  /** Filters (`priority`, `tags`, `title`, …) and `scheduled`. */
  query?: SubscribeQuery;
  backoff?: BackoffOptions;
  /** The WebSocket class for `format: 'ws'` where there is no global one (Node 20: the `ws` package). */
  WebSocket?: WebSocketConstructor;
}

export interface Subscription {
  /** The id of the last message received: where the next connection resumes. */
  readonly lastId: string | undefined;
  /** Connections opened so far. */
  readonly connections: number;
  close(): void;
  /** Resolves once the subscription has ended (closed, aborted, or given up). */
  readonly closed: Promise<void>;
}

/** How many message ids are remembered to drop what a resumed connection sends again. */
const REMEMBERED_IDS = 1000;

/**
 * Subscribes to topics and stays subscribed: a dropped connection is opened again after a backoff,
 * resuming with `since=<last message id>` so that nothing published in between is missed. Before
 * the first message, a reconnect resumes from the time the previous connection opened. Messages
 * seen already (a resume from a time, or from a message that was not cached and so not found)
 * are dropped, so each reaches `onMessage` once.
 */
export function subscribe(ctx: ClientContext, topics: string | string[], options: SubscribeOptions): Subscription {
  const { controller: stop, release } = linkedAbort(options.signal);
  const format = options.format ?? 'json';
  const topicList = (Array.isArray(topics) ? topics : [topics]).map(segment).join(',');
  const seen = new RecentIds(REMEMBERED_IDS);
  let since = options.since;
  let lastId: string | undefined;
  let connections = 0;

  const receive = (event: TopicEvent): void => {
    options.onEvent?.(event);
    if (event.event === 'open') {
      connections++;
      // Until a message arrives, a reconnect asks for what came since this connection opened.
      if (lastId === undefined) since = String(event.time);
      options.onOpen?.();
      return;
    }
    if (event.event !== 'message' || seen.has(event.id)) return;
    seen.add(event.id);
    lastId = since = event.id;
    options.onMessage(event);
  };

  const connect = (): Promise<void> => {
    const url = streamUrl(ctx, topicList, format, { ...options.query, ...(since !== undefined ? { since } : {}) });
    return format === 'ws' ? streamWebSocket(ctx, url, options.WebSocket, receive, stop.signal) : streamHttp(ctx, url, format, receive, stop.signal);
  };
  const closed = keepConnected(connect, () => connections, stop.signal, options).finally(release);
  return {
    get lastId() { return lastId; },
    get connections() { return connections; },
    close: () => stop.abort(),
    closed,
  };
}

function streamUrl(ctx: ClientContext, topicList: string, format: 'sse' | 'ws' | 'json', query: Record<string, string | undefined>): URL {
  const url = new URL(`${ctx.baseUrl}/${topicList}/${format}`);
  for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, value);
  return url;
}

/** One `json` or `sse` connection, until it ends or the signal aborts. */
async function streamHttp(ctx: ClientContext, url: URL, format: 'sse' | 'json', receive: (event: TopicEvent) => void, signal: AbortSignal): Promise<void> {
  const headers = new Headers({ accept: format === 'sse' ? 'text/event-stream' : 'application/x-ndjson' });
  if (ctx.authorization) headers.set('authorization', ctx.authorization);
  const res = await ctx.fetch(new Request(url, { headers, signal }));
  if (!res.ok) throw await httpError(res);
  if (!res.body) throw new Error('the stream has no body');
  if (format === 'sse') {
    for await (const event of serverSentEvents(res.body)) receive(JSON.parse(event.data) as TopicEvent);
  } else {
    for await (const line of lines(res.body)) if (line.trim() !== '') receive(JSON.parse(line) as TopicEvent);
  }
}

/**
 * One WebSocket connection, until it closes or the signal aborts. Browsers cannot set headers on
 * a WebSocket, so the credentials travel as `?auth=`, the base64url of the Authorization value.
 */
function streamWebSocket(ctx: ClientContext, url: URL, Impl: WebSocketConstructor | undefined, receive: (event: TopicEvent) => void, signal: AbortSignal): Promise<void> {
  const Socket = Impl ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!Socket) return Promise.reject(new Error('no WebSocket class: pass one as options.WebSocket (the ws package on Node 20)'));
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (ctx.authorization) url.searchParams.set('auth', base64Url(ctx.authorization));
  return new Promise((resolve, reject) => {
    const ws = new Socket(url.toString());
    const onAbort = (): void => ws.close(1000);
    signal.addEventListener('abort', onAbort, { once: true });
    let failed: unknown;
    ws.onmessage = ({ data }) => {
      try {
        receive(JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data as ArrayBuffer)) as TopicEvent);
      } catch (err) {
        failed = err;
        ws.close(1000);
      }
    };
    ws.onerror = (event) => {
      failed ??= (event as { error?: unknown }).error ?? new Error('WebSocket error');
    };
    ws.onclose = ({ code, reason }) => {
      signal.removeEventListener('abort', onAbort);
      if (failed !== undefined) reject(failed);
      else if (signal.aborted) resolve();
      else reject(new Error(`the WebSocket closed (${code}${reason ? `: ${reason}` : ''})`));
    };
  });
}

function base64Url(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The last `size` ids added, in a set: old ones are forgotten first. */
class RecentIds {
  readonly #ids = new Set<string>();
  readonly #size: number;

  constructor(size: number) {
    this.#size = size;
  }

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  add(id: string): void {
    this.#ids.add(id);
    if (this.#ids.size > this.#size) this.#ids.delete(this.#ids.values().next().value as string);
  }
}
