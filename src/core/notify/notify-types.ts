import type { NotifyChannel, NotifyPriority, NotifyStrategy } from '../../ports/notify-store.js';

/** `POST /v1/notify` as the route hands it over (wire shape, schema-checked). */
export interface NotifyRequest {
  template: string;
  to: { subscribers: string[] } | { topic: string };
  data?: Record<string, unknown>;
  category?: string;
  priority?: NotifyPriority;
  channels?: NotifyChannel[];
  strategy?: NotifyStrategy;
  idempotency_key?: string;
  /** ISO 8601; without an offset, the subscriber's local time. */
  send_at?: string;
  /** ISO 8601 with an offset (an instant). */
  expires_at?: string;
}

/** Who sends: the audit actor, and the categories an API key is limited to (undefined: any). */
export interface NotifyActor {
  id: string;
  categories?: readonly string[];
}

export interface NotifyAccepted {
  id: string;
  /** False when the idempotency key was seen within 24 h: the first notification, nothing sent. */
  created: boolean;
  state: 'accepted' | 'scheduled' | 'cancelled';
  /** Recipients known so far (exact for a subscriber list; grows while a topic is routed). */
  recipients: number;
}

/** A Twilio-style delivery report, already parsed and verified by the route. */
export interface SmsReport {
  sid: string;
  status: string;
  errorCode?: string;
  /** No later report will change this message's state. */
  final: boolean;
  /** The number cannot take SMS: mark it like a hard bounce. */
  addressDead: boolean;
}

/** A bounce or complaint about an address, from the relay or the ESP. */
export interface EmailEvent {
  address: string;
  kind: 'bounce' | 'complaint';
  /** A hard bounce (5xx, the mailbox does not exist); soft bounces do not mark the address. */
  permanent: boolean;
  reason: string;
  /** The Message-ID of the mail it is about, when known (`<…>` or bare). */
  messageId?: string;
}
