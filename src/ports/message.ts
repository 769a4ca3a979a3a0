/**
 * Event kinds a topic stream carries (ntfy's names). `message_clear` and `message_delete` (ntfy
 * 2.16) tell clients to dismiss, or remove, the notification of a sequence ID.
 */
export type EventKind = 'open' | 'keepalive' | 'message' | 'poll_request' | 'message_clear' | 'message_delete';

/** The events a clear or delete request publishes. */
export type SequenceEventKind = 'message_clear' | 'message_delete';

export interface MessageAction {
  id: string;
  action: 'view' | 'broadcast' | 'http' | 'copy';
  label: string;
  clear: boolean;
  url?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  intent?: string;
  extras?: Record<string, string>;
  /** `copy` actions (ntfy 2.17): the text copied to the clipboard. */
  value?: string;
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
  /**
   * The notification this message updates, clears or deletes (ntfy 2.16). Unset on a message
   * means its own `id` is its sequence ID; clear and delete events always carry it.
   */
  sequence_id?: string;
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
