import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { InboxEvent } from '../../core/notify/inbox.js';
import { scopeAllows, type ApiScope } from '../../core/keys/scopes.js';
import { HeraldError } from '../../errors/index.js';
import type { InboxItem } from '../../ports/notify-store.js';
import type { HttpDeps } from '../deps.js';
import { ERROR_ANSWERS } from '../openapi/error-schema.js';
import type { SchemaApp } from '../plugins/schema-routes.js';
import { iso } from '../push/json.js';
import { actingFor } from './directory-routes.js';
import { InboxItemAnswer, InboxItemParams, InboxListQuery, MAX_INBOX_LIMIT, InboxPageAnswer, InboxPatchBody, InboxStreamAnswer, ReadAllAnswer, SubscriberParams } from './inbox-schemas.js';

const DEFAULT_LIMIT = 50;
/**
 * Keepalive comments at most this far apart: under the 30 s idle timeout of common proxies and
 * load balancers (the topic face's `keepalive-interval`, 45 s by default, is ntfy's and longer).
 */
const MAX_KEEPALIVE_MS = 25_000;
const TAGS = ['inbox'];
const SUBSCRIBER = { scope: 'subscriber' as const };

/** `/v1/subscribers/{id}/inbox…`: the in-app inbox, called by browsers with subscriber tokens. */
export function registerInboxRoutes(app: SchemaApp, deps: HttpDeps): void {
  const { notifyInbox: inbox, notifyDirectory: directory } = deps;
  /** Open streams, ended when the server stops (app.close would otherwise wait for them). */
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...streams]) end();
  });

  app.get('/subscribers/:id/inbox', {
    schema: {
      summary: "List a subscriber's inbox",
      description: 'Newest first, a page at a time, with the unread count of the whole inbox.',
      tags: TAGS,
      params: SubscriberParams,
      querystring: InboxListQuery,
      response: { 200: InboxPageAnswer, ...ERROR_ANSWERS },
    },
    config: SUBSCRIBER,
  }, async (request, reply) => {
    const { id } = request.params;
    await actingFor(request, deps, id, 'subscribers:read');
    const unread = request.query.unread === 'true';
    const archived = request.query.archived === 'true';
    const limit = request.query.limit === undefined ? DEFAULT_LIMIT : Number(request.query.limit);
    if (limit < 1 || limit > MAX_INBOX_LIMIT) throw new HeraldError('badRequest', { detail: `limit must be an integer from 1 to ${MAX_INBOX_LIMIT}` });
    // An empty cursor is the first page.
    const cursor = request.query.cursor || undefined;
    await directory.getSubscriber(id);
    if (cursor !== undefined && !(await inbox.get(id, cursor))) {
      throw new HeraldError('badRequest', { detail: 'cursor does not name an item of this inbox' });
    }
    // One more than asked for says whether there is a next page.
    const items = await inbox.list(id, { unread, archived, limit: limit + 1, ...(cursor !== undefined ? { before: cursor } : {}) });
    const page = items.slice(0, limit);
    const more = items.length > limit;
    return reply.send({
      items: page.map(itemJson),
      unread: await inbox.unreadCount(id),
      ...(more ? { next_cursor: page[page.length - 1]!.id } : {}),
    });
  });

  app.post('/subscribers/:id/inbox/read-all', {
    schema: {
      summary: 'Mark the whole inbox read',
      tags: TAGS,
      params: SubscriberParams,
      response: { 200: ReadAllAnswer, ...ERROR_ANSWERS },
    },
    config: SUBSCRIBER,
  }, async (request, reply) => {
    const { id } = request.params;
    await actingFor(request, deps, id, 'subscribers:write');
    await directory.getSubscriber(id);
    return reply.send({ updated: await inbox.readAll(id), unread: await inbox.unreadCount(id) });
  });

  app.get('/subscribers/:id/inbox/stream', {
    schema: {
      summary: "Follow a subscriber's inbox",
      description: 'A stream of server-sent events (text/event-stream) for as long as the client stays: the unread count, then new items as they arrive.',
      tags: TAGS,
      params: SubscriberParams,
      response: { 200: InboxStreamAnswer, ...ERROR_ANSWERS },
    },
    config: SUBSCRIBER,
  }, async (request, reply) => {
    const { id } = request.params;
    await actingFor(request, deps, id, 'subscribers:read');
    await directory.getSubscriber(id);
    return streamInbox(request, reply, id);
  });

  app.patch('/subscribers/:id/inbox/:item', {
    schema: {
      summary: 'Mark an inbox item read, seen or archived',
      description: '`true` sets the mark, `false` clears it; fields left out keep theirs.',
      tags: TAGS,
      params: InboxItemParams,
      body: InboxPatchBody,
      response: { 200: InboxItemAnswer, ...ERROR_ANSWERS },
    },
    config: SUBSCRIBER,
  }, async (request, reply) => {
    const { id, item } = request.params;
    await actingFor(request, deps, id, 'subscribers:write');
    const patch = request.body;
    if (patch.read === undefined && patch.seen === undefined && patch.archived === undefined) {
      throw new HeraldError('badRequest', { detail: 'the body needs at least one of "read", "seen", "archived" (true or false)' });
    }
    return reply.send(itemJson(await inbox.update(id, item, patch)));
  });

  /**
   * Server-Sent Events: `unread` on open, then `item` and `unread` as the inbox announces them,
   * and a comment line as keepalive. Listens before reading the count, so an item stored in
   * between is not missed (it may be counted in the opening `unread` and then arrive as `item`).
   */
  function streamInbox(request: FastifyRequest, reply: FastifyReply, id: string): FastifyReply {
    const visitor = request.visitor;
    visitor.openSubscription();
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'access-control-allow-origin': deps.config.accessControlAllowOrigin,
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    const socket = request.raw.httpVersionMajor < 2 ? res.socket : null;
    socket?.setNoDelay(true);
    socket?.setKeepAlive(true);

    let ended = false;
    let held: InboxEvent[] | undefined = [];
    const write = (text: string): void => {
      if (ended) return;
      if (res.writableLength + (socket?.writableLength ?? 0) > deps.config.subscriberBufferLimit) {
        request.log.warn({ subscriber: id }, 'slow inbox stream: send buffer limit exceeded');
        end();
        res.destroy();
        return;
      }
      res.write(text);
    };
    const send = (event: InboxEvent): void => {
      if (event.kind === 'item') write(sseEvent('item', { item: itemJson(event.item), unread: event.unread }));
      else if (event.kind === 'unread') write(sseEvent('unread', { unread: event.unread }));
      else shutdown();
    };
    const unsubscribe = inbox.subscribe(id, (event) => {
      if (held) held.push(event);
      else send(event);
    });
    const keepalive = setInterval(() => write(': keepalive\n\n'), Math.min(deps.config.keepaliveInterval, MAX_KEEPALIVE_MS));
    keepalive.unref();
    deps.metrics.subscribers.inc({ transport: 'inbox' });
    const end = (): void => {
      if (ended) return;
      ended = true;
      deps.metrics.subscribers.dec({ transport: 'inbox' });
      clearInterval(keepalive);
      unsubscribe();
      streams.delete(shutdown);
      unguard?.();
      visitor.releaseSubscription();
    };
    const shutdown = (): void => {
      end();
      res.end();
    };
    streams.add(shutdown);
    const check = credentialCheck(request, deps, 'subscribers:read');
    const unguard = check ? deps.guardedStreams.add({ stillAllowed: check, close: shutdown }) : undefined;
    res.on('close', end);

    inbox.unreadCount(id).then((unread) => {
      write(sseEvent('unread', { unread }));
      const queued = held ?? [];
      held = undefined;
      for (const event of queued) send(event);
    }, (err: unknown) => {
      request.log.error({ err }, 'inbox stream: unread count failed');
      end();
      res.destroy();
    });
    return reply;
  }
}

/**
 * How to tell later whether the credential that opened a stream still allows it: an API key must
 * still be active with the scope, a user must still exist as an admin (with the token, if one was
 * used, not deleted or expired). Undefined for subscriber tokens, which are HMACs of the
 * subscriber id and hold as long as the server's secrets do.
 */
function credentialCheck(request: FastifyRequest, deps: HttpDeps, scope: ApiScope): (() => Promise<boolean>) | undefined {
  const p = request.principal;
  if (p.apiKey) {
    const id = p.apiKey.id;
    return async () => {
      const key = await deps.keys.active(id);
      return key !== undefined && scopeAllows(key.scopes, scope);
    };
  }
  if (p.userId !== null) {
    const auth = deps.auth;
    return async () => (await auth?.refresh(p))?.role === 'admin';
  }
  return undefined;
}

function sseEvent(event: 'item' | 'unread', data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function itemJson(i: InboxItem): Static<typeof InboxItemAnswer> {
  return {
    id: i.id, notification_id: i.notificationId, category: i.category, title: i.title, body: i.body, url: i.url, data: i.data,
    created_at: iso(i.createdAt), seen_at: iso(i.seenAt ?? null), read_at: iso(i.readAt ?? null), archived_at: iso(i.archivedAt ?? null),
  };
}
