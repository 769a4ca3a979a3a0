/** Event kinds a topic stream carries (ntfy's names). */
export type EventKind = 'open' | 'keepalive' | 'message' | 'poll_request';

export interface MessageAction {
  id: string;
  action: 'view' | 'broadcast' | 'http';
  label: string;
  clear: boolean;
  url?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  intent?: string;
  extras?: Record<string, string>;
}

export interface MessageAttachment {
  name: string;
  type?: string;
  size?: number;
  expires?: number;
  url: string;
}

/**
 * A topic message as Herald stores and streams it. Times are Unix seconds.
 * `sender` and `user` are kept for limits and audit but never leave the server.
 */
export interface Message {
  id: string;
  time: number;
  expires?: number;
  event: EventKind;
  topic: string;
  title?: string;
  message?: string;
  priority?: number;
  tags?: string[];
  click?: string;
  icon?: string;
  actions?: MessageAction[];
  attachment?: MessageAttachment;
  poll_id?: string;
  content_type?: string;
  encoding?: string;
  sender?: string;
  user?: string;
}
