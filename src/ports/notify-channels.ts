import type { Outcome } from './provider.js';

/**
 * The senders of the notify channels other than push and the in-app inbox. Each answers with the
 * same five outcomes as a push provider; for these channels `invalid_token` means the address
 * itself is dead (a hard bounce, an unreachable number, a webhook endpoint that is gone), so the
 * caller marks the address and stops using it.
 */

export interface EmailMessage {
  to: string;
  /** Defaults to the sender's configured From address. */
  from?: string;
  subject: string;
  text: string;
  html?: string;
  /** Extra headers, e.g. List-Unsubscribe and List-Unsubscribe-Post (RFC 8058). */
  headers?: Record<string, string>;
  /** The subscriber's signed one-click link: written as List-Unsubscribe (+ -Post when https). */
  unsubscribeUrl?: string;
  /** Used as the Message-ID's local part so a retry of the same delivery keeps its id. */
  id?: string;
}

export interface EmailSender {
  send(message: EmailMessage): Promise<Outcome>;
  close(): Promise<void>;
}

export interface SmsMessage {
  /** E.164. */
  to: string;
  body: string;
  /** Where the gateway reports delivery status for this message. */
  statusCallback?: string;
}

export interface SmsSender {
  /** `ok` carries the gateway's message id (Twilio's SID) as `providerId`. */
  send(message: SmsMessage): Promise<Outcome>;
  close(): Promise<void>;
}

export interface WebhookMessage {
  url: string;
  /** The Standard Webhooks message id: the same on every retry of one delivery. */
  id: string;
  /** Unix seconds of this attempt. */
  timestamp: number;
  /** The JSON body, exactly the bytes that are signed and sent. */
  body: string;
}

export interface WebhookSender {
  send(message: WebhookMessage): Promise<Outcome>;
  close(): Promise<void>;
}
