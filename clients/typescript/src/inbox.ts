import type { BackoffOptions } from './backoff.js';
import { bearer, httpError, segment, type ClientContext } from './context.js';
import { keepConnected, linkedAbort } from './reconnect.js';
import type { InboxItem } from './notify.js';
import { serverSentEvents } from './sse.js';

export interface InboxStreamOptions {
  /** A subscriber token (`st_…`) for this subscriber; without one, the client's own credentials. */
  token?: string;
  /** A new item, with the unread count after it. */
  onItem(item: InboxItem, unread: number): void;
  /** The unread count: on each connect, and whenever it changes. */
  onUnread?(unread: number): void;
  /**
   * A connection is open. The stream does not replay what was added while it was down, so after
   * a reconnect an app refreshes its list (getInbox) here.
   */
  onOpen?(): void;
  /** A connection failed or ended; `retryInMs` is undefined when the client gives up (a 4xx such as 401 or 404). */
  onError?(error: unknown, retryInMs: number | undefined): void;
  signal?: AbortSignal;
  backoff?: BackoffOptions;
}

export interface InboxStream {
  /** Connections opened so far. */
  readonly connections: number;
  close(): void;
  /** Resolves once the stream has ended (closed, aborted, or given up). */
  readonly closed: Promise<void>;
}

/**
 * Follows `GET /v1/subscribers/{id}/inbox/stream`, Server-Sent Events of `unread` (`{ unread }`, on
 * open and on changes) and `item` (`{ item, unread }`), reconnecting after a backoff when the
 * connection drops. Uses fetch rather than EventSource, which cannot send an Authorization header.
 */
export function inboxStream(ctx: ClientContext, subscriberId: string, options: InboxStreamOptions): InboxStream {
  const { controller: stop, release } = linkedAbort(options.signal);
  const authorization = options.token ? bearer(options.token) : ctx.authorization;
  const url = `${ctx.baseUrl}/v1/subscribers/${segment(subscriberId)}/inbox/stream`;
  let connections = 0;

  const connect = async (): Promise<void> => {
    const headers = new Headers({ accept: 'text/event-stream' });
    if (authorization) headers.set('authorization', authorization);
    const res = await ctx.fetch(new Request(url, { headers, signal: stop.signal }));
    if (!res.ok) throw await httpError(res);
    if (!res.body) throw new Error('the stream has no body');
    connections++;
    options.onOpen?.();
    for await (const event of serverSentEvents(res.body)) {
      const data = JSON.parse(event.data) as { item?: InboxItem; unread: number };
      if (event.event === 'item' && data.item) options.onItem(data.item, data.unread);
      if (event.event === 'item' || event.event === 'unread') options.onUnread?.(data.unread);
    }
  };

  const closed = keepConnected(connect, () => connections, stop.signal, options).finally(release);
  return {
    get connections() { return connections; },
    close: () => stop.abort(),
    closed,
  };
}
