/**
 * @herald/client: Herald's HTTP API, typed. The request and answer types of the documented
 * routes are generated (schema.d.ts) and called through openapi-fetch; the streaming parts of the
 * protocol (topic subscriptions, the inbox stream) and the routes not yet documented (notify,
 * subscribers) are hand-written helpers beside it.
 */
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, operations, paths } from './schema.js';
import { bearer, type ClientContext } from './context.js';
import { inboxStream, type InboxStream, type InboxStreamOptions } from './inbox.js';
import { notifyCalls } from './notify.js';
import { publish, type PublishedMessage, type PublishOptions } from './publish.js';
import { subscribe, type SubscribeOptions, type Subscription } from './subscribe.js';

export interface HeraldClientOptions {
  /** Where Herald is, e.g. `https://herald.example.com`. */
  baseUrl: string;
  /** An API key (`hk_…`). */
  apiKey?: string;
  /** An access token (`tk_…`) or a subscriber token (`st_…`), when there is no API key. */
  token?: string;
  /** A fetch to use instead of the global one (tests, proxies, retries). */
  fetch?: (input: Request) => Promise<Response>;
}

/** The openapi-fetch client of the documented routes (`GET`, `POST`, … by path), and the helpers. */
export type HeraldClient = Client<paths> & ReturnType<typeof helpers>;

/** A client for one Herald, calling it with the given credentials. */
export function createHeraldClient(options: HeraldClientOptions): HeraldClient {
  const secret = options.apiKey ?? options.token;
  const ctx: ClientContext = {
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    authorization: secret ? bearer(secret) : undefined,
    fetch: options.fetch ?? ((request) => globalThis.fetch(request)),
  };
  const api = createClient<paths>({ baseUrl: ctx.baseUrl, fetch: ctx.fetch });
  api.use(authMiddleware(ctx.authorization));
  return Object.assign(api, helpers(api, ctx));
}

/** Sets the client's Authorization on every request that does not carry its own. */
function authMiddleware(authorization: string | undefined): Middleware {
  return {
    onRequest({ request }) {
      if (authorization && !request.headers.has('authorization')) request.headers.set('authorization', authorization);
      return request;
    },
  };
}

function helpers(api: Client<paths>, ctx: ClientContext) {
  return {
    /** Publishes a message to a topic (JSON publishing). */
    publish: (topic: string, message: string, options?: PublishOptions): Promise<PublishedMessage> => publish(api, topic, message, options),
    /** Subscribes to topics, reconnecting with `since=<last id>` until closed. */
    subscribe: (topics: string | string[], options: SubscribeOptions): Subscription => subscribe(ctx, topics, options),
    /** Follows a subscriber's in-app inbox. */
    inboxStream: (subscriberId: string, options: InboxStreamOptions): InboxStream => inboxStream(ctx, subscriberId, options),
    ...notifyCalls(ctx),
  };
}

export type { components, operations, paths };
export type { BackoffOptions } from './backoff.js';
export { HeraldHttpError, type HeraldErrorBody } from './context.js';
export type { InboxStream, InboxStreamOptions } from './inbox.js';
export type {
  ChannelDelivery, InboxItem, InboxPage, InboxQuery, NotificationStatus, NotifyAccepted, NotifyChannel, NotifyRequest, Subscriber, SubscriberInput,
} from './notify.js';
export type { PublishedMessage, PublishOptions } from './publish.js';
export type { SubscribeOptions, SubscribeQuery, Subscription, TopicEvent, WebSocketConstructor, WebSocketLike } from './subscribe.js';
