/** What a topic stream carries (ntfy's message object, as Herald sends it). Times are Unix seconds. */
export interface MessageAction {
  id: string;
  action: 'view' | 'http' | 'broadcast' | 'copy' | string;
  label: string;
  clear?: boolean;
  url?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  intent?: string;
  extras?: Record<string, string>;
  value?: string;
}

export interface MessageAttachment { name: string; type?: string; size?: number; expires?: number; url: string }

export interface StreamEvent {
  id: string;
  time: number;
  expires?: number;
  event: 'open' | 'keepalive' | 'message' | 'poll_request' | 'message_clear' | 'message_delete' | string;
  topic: string;
  sequence_id?: string;
  title?: string;
  message?: string;
  priority?: number;
  tags?: string[];
  click?: string;
  icon?: string;
  actions?: MessageAction[];
  attachment?: MessageAttachment;
  content_type?: string;
  encoding?: string;
}

/** A received message as the app keeps it: the message plus the reader's state. */
export interface Notification extends StreamEvent {
  /** The subscription it arrived on. */
  subscriptionId: string;
  /** Unread. */
  new: boolean;
}

/** One topic on one server, kept in this browser. */
export interface Subscription {
  /** Stable local id (`<baseUrl> <topic>` hashed into a short string). */
  id: string;
  /** The server's origin, e.g. `https://ntfy.example.com`, without a trailing slash. */
  baseUrl: string;
  topic: string;
  /** A name to show instead of the topic. */
  displayName?: string;
  /** No sound or browser notification for it. */
  muted?: boolean;
  /** The newest message id received (the stream resumes with `since=<lastId>`). */
  lastId?: string;
  /** The time of that message. */
  lastTime?: number;
  /** Unix seconds the subscription was added here (messages older than this do not alert). */
  addedAt: number;
  /** Free room for an account sync to keep its own fields (e.g. the server-side id). */
  meta?: Record<string, unknown>;
}

/** How the live connection of a subscription is doing, in words when it fails. */
export interface ConnectionState {
  state: 'connecting' | 'open' | 'error';
  /** A worded failure (ApiError.message) while `state` is `error`. */
  error?: string;
  /** The HTTP status of the failure, when there was one (401 → log in). */
  status?: number;
}
