/**
 * HAND-WRITTEN, TEMPORARY: the notify face (`/v1/notify`, `/v1/subscribers`) is not in the OpenAPI
 * document yet, so its types are written here from the route schemas in Herald's
 * src/http/notify. When those routes are documented, these types and functions give way to the
 * generated `paths` (schema.d.ts) and the openapi-fetch client.
 */
import { bearer, requestJson, segment, type ClientContext } from './context.js';

export type NotifyChannel = 'push' | 'email' | 'sms' | 'webhook' | 'inapp';

/** The body of `POST /v1/notify`. */
export interface NotifyRequest {
  /** The template's name. */
  template: string;
  /** Up to 1000 subscriber ids, or a topic whose subscribers are the recipients. */
  to: { subscribers: string[] } | { topic: string };
  /** Values for the template. */
  data?: Record<string, unknown>;
  category?: string;
  priority?: 'critical' | 'high' | 'normal' | 'low';
  /** The channels to use (the category's by default). */
  channels?: NotifyChannel[];
  /** `all` channels at once, or one after the other until one delivers (`fallback`). */
  strategy?: 'all' | 'fallback';
  /** A second request with the same key is answered with the first one's id and `duplicate: true`. */
  idempotency_key?: string;
  /** When to send: an RFC 3339 time, or a time in the subscriber's timezone. */
  send_at?: string;
  expires_at?: string;
}

/** The answer of `POST /v1/notify` (202). */
export interface NotifyAccepted {
  id: string;
  state: string;
  recipients: number;
  duplicate?: true;
}

export interface ChannelDelivery {
  channel: NotifyChannel;
  state: string;
  reason?: string;
  provider_id?: string;
  attempts: number;
  created_at: string;
  updated_at: string;
  sent_at?: string;
}

/** `GET /v1/notify/{id}`: the notification and its deliveries per recipient and channel. */
export interface NotificationStatus {
  id: string;
  template: string;
  category?: string;
  priority: string;
  strategy: string;
  channels?: NotifyChannel[];
  to: { topic: string } | { subscribers: number };
  state: 'routing' | 'sending' | 'done' | 'cancelled';
  created_at: string;
  send_at?: string;
  expires_at?: string;
  idempotency_key?: string;
  recipients: number;
  counts: Record<string, number>;
  deliveries: {
    subscriber: string;
    state: string;
    reason?: string;
    next_channels?: NotifyChannel[];
    updated_at: string;
    channels: ChannelDelivery[];
  }[];
  next_cursor?: string;
}

/** The body of `PUT /v1/subscribers/{id}`: the whole subscriber (a field left out or null has no value afterwards). */
export interface SubscriberInput {
  email?: string | null;
  phone?: string | null;
  name?: string | null;
  locale?: string | null;
  timezone?: string | null;
  webhook_url?: string | null;
  data?: Record<string, unknown>;
}

/** A subscriber; fields without a value are left out. */
export interface Subscriber {
  id: string;
  email?: string;
  phone?: string;
  name?: string;
  locale?: string;
  timezone?: string;
  webhook_url?: string;
  data: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

/** An item of a subscriber's in-app inbox; fields without a value are left out. */
export interface InboxItem {
  id: string;
  notification_id?: string;
  category?: string;
  title?: string;
  body: string;
  url?: string;
  data: Record<string, unknown>;
  created_at: string;
  seen_at?: string;
  read_at?: string;
  archived_at?: string;
}

/** `GET /v1/subscribers/{id}/inbox`: a page of items, newest first. */
export interface InboxPage {
  items: InboxItem[];
  unread: number;
  next_cursor?: string;
}

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
    cancelNotification: (id: string) => requestJson<{ id: string; state: 'cancelled'; cancelled: number }>(ctx, 'DELETE', `/v1/notify/${segment(id)}`),
    /** `PUT /v1/subscribers/{id}`: creates or replaces (scope `subscribers:write`). */
    putSubscriber: (id: string, body: SubscriberInput = {}) => requestJson<Subscriber>(ctx, 'PUT', `/v1/subscribers/${segment(id)}`, body),
    /** `GET /v1/subscribers/{id}` (scope `subscribers:read`). */
    getSubscriber: (id: string) => requestJson<Subscriber>(ctx, 'GET', `/v1/subscribers/${segment(id)}`),
    /** `DELETE /v1/subscribers/{id}`: erases the subscriber and what Herald holds about them. */
    deleteSubscriber: (id: string) => requestJson<{ success: true }>(ctx, 'DELETE', `/v1/subscribers/${segment(id)}`),
    /** `GET /v1/subscribers/{id}/inbox`, with the client's credentials or a subscriber token (`st_…`). */
    getInbox: (id: string, query: InboxQuery = {}, token?: string) => {
      const params = new URLSearchParams();
      for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
      const search = params.size > 0 ? `?${params.toString()}` : '';
      return requestJson<InboxPage>(ctx, 'GET', `/v1/subscribers/${segment(id)}/inbox${search}`, undefined, token ? bearer(token) : ctx.authorization);
    },
  };
}
