/**
 * The notify face's calls, typed from the generated document (schema.d.ts): its JSON bodies and
 * answers are the routes' own schemas, so they cannot drift from the server.
 */
import { bearer, requestJson, segment, type ClientContext } from './context.js';
import type { paths } from './schema.js';

type JsonBody<P extends keyof paths, M extends keyof paths[P]> =
  paths[P][M] extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
type JsonAnswer<P extends keyof paths, M extends keyof paths[P], S extends number> =
  paths[P][M] extends { responses: { [K in S]: { content: { 'application/json': infer A } } } } ? A : never;

/** The body of `POST /v1/notify`. */
export type NotifyRequest = JsonBody<'/v1/notify', 'post'>;
/** The answer of `POST /v1/notify` (202). */
export type NotifyAccepted = JsonAnswer<'/v1/notify', 'post', 202>;
/** `GET /v1/notify/{id}`: the notification and its deliveries per recipient and channel. */
export type NotificationStatus = JsonAnswer<'/v1/notify/{id}', 'get', 200>;
export type ChannelDelivery = NotificationStatus['deliveries'][number]['channels'][number];
export type NotifyChannel = ChannelDelivery['channel'];
type NotifyCancelled = JsonAnswer<'/v1/notify/{id}', 'delete', 200>;
/** The body of `PUT /v1/subscribers/{id}`: the whole subscriber (a field left out or null has no value afterwards). */
export type SubscriberInput = JsonBody<'/v1/subscribers/{id}', 'put'>;
/** A subscriber; fields without a value are left out. */
export type Subscriber = JsonAnswer<'/v1/subscribers/{id}', 'get', 200>;
type SubscriberErased = JsonAnswer<'/v1/subscribers/{id}', 'delete', 200>;
/** `GET /v1/subscribers/{id}/inbox`: a page of items, newest first. */
export type InboxPage = JsonAnswer<'/v1/subscribers/{id}/inbox', 'get', 200>;
/** An item of a subscriber's in-app inbox; fields without a value are left out. */
export type InboxItem = InboxPage['items'][number];
/** The inbox query as callers write it; sent as the strings the route takes. */
export interface InboxQuery {
  unread?: boolean;
  archived?: boolean;
  limit?: number;
  cursor?: string;
}

/** The notify face's calls, bound to a client's base URL and credentials. */
export function notifyCalls(ctx: ClientContext) {
  return {
    /** `POST /v1/notify` (scope `notify:send`). */
    notify: (body: NotifyRequest) => requestJson<NotifyAccepted>(ctx, 'POST', '/v1/notify', body),
    /** `GET /v1/notify/{id}` (scope `notify:read`). */
    getNotification: (id: string) => requestJson<NotificationStatus>(ctx, 'GET', `/v1/notify/${segment(id)}`),
    /** `DELETE /v1/notify/{id}`: cancels what has not gone out yet. */
    cancelNotification: (id: string) => requestJson<NotifyCancelled>(ctx, 'DELETE', `/v1/notify/${segment(id)}`),
    /** `PUT /v1/subscribers/{id}`: creates or replaces (scope `subscribers:write`). */
    putSubscriber: (id: string, body: SubscriberInput = {}) => requestJson<Subscriber>(ctx, 'PUT', `/v1/subscribers/${segment(id)}`, body),
    /** `GET /v1/subscribers/{id}` (scope `subscribers:read`). */
    getSubscriber: (id: string) => requestJson<Subscriber>(ctx, 'GET', `/v1/subscribers/${segment(id)}`),
    /** `DELETE /v1/subscribers/{id}`: erases the subscriber and what Herald holds about them. */
    deleteSubscriber: (id: string) => requestJson<SubscriberErased>(ctx, 'DELETE', `/v1/subscribers/${segment(id)}`),
    /** `GET /v1/subscribers/{id}/inbox`, with the client's credentials or a subscriber token (`st_…`). */
    getInbox: (id: string, query: InboxQuery = {}, token?: string) => {
      const params = new URLSearchParams();
      for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
      const search = params.size > 0 ? `?${params.toString()}` : '';
      return requestJson<InboxPage>(ctx, 'GET', `/v1/subscribers/${segment(id)}/inbox${search}`, undefined, token ? bearer(token) : ctx.authorization);
    },
  };
}
