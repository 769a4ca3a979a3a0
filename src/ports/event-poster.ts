import type { Outcome } from './provider.js';

/** One signed POST of one event message to one endpoint. */
export interface EventPost {
  url: string;
  /** The `webhook-id`: the message's, the same on every retry. */
  id: string;
  /** The `webhook-timestamp`, unix seconds: this attempt's. */
  timestamp: number;
  /** The JSON body, exactly as signed. */
  body: string;
  /** `whsec_` secrets that each sign (the current one, and during a rotation the previous one). */
  secrets: readonly string[];
}

/**
 * Sends event messages signed per Standard Webhooks through the SSRF-guarded HTTP path. Never
 * throws for what the endpoint or the network did: that is the outcome (`ok`, `retry` with a
 * Retry-After, `throttled`, `rejected`, `invalid_token` for 410 Gone).
 */
export interface EventPoster {
  post(post: EventPost): Promise<Outcome>;
  /** Closes pooled connections; idempotent. */
  close(): Promise<void>;
}
