/**
 * One delivery state change as the analytics export writes it: a push delivery's outcome or
 * status report, or a notify channel delivery reaching a state. Plain data (it crosses from the
 * delivery threads to the main thread). Unknown fields are null, never guessed.
 */
export interface DeliveryEventRow {
  /** When the state was reached, Unix ms. */
  at: number;
  kind: 'push' | 'notify';
  /** The push id, or the notification id (null when the notification is gone). */
  messageId: string | null;
  /** The push delivery's id (`dl_…`); null for notify rows. */
  deliveryId: string | null;
  deviceId: string | null;
  /** The notify subscriber; null for push rows. */
  subscriberId: string | null;
  /** apns, fcm, hms, webpush; null for notify rows (see `channel`). */
  provider: string | null;
  /** The notify channel (email, sms, push, inbox, webhook, …); null for push rows. */
  channel: string | null;
  app: string | null;
  /** The registered device's platform (read once per send job, or per status report); null for raw tokens, provider topics and notify rows. */
  platform: string | null;
  category: string | null;
  state: string;
  error: string | null;
  /** The provider's status code of the attempt, when it answered one. */
  status: number | null;
  /** For sends: ms from the message being due to the provider accepting it. */
  latencyMs: number | null;
  /** The attempt number this state came from, when known. */
  attempt: number | null;
}

/**
 * Where exported rows go: an analytics database. The exporter calls `write` with one batch at a
 * time, never two at once, and puts a batch back when it rejects (so a batch may be written twice
 * when a write fails after the rows were stored; rows carry no key to de-duplicate on).
 */
export interface DeliveryEventSink {
  /** Stores the rows, or rejects having stored none of them (one statement or transaction). */
  write(rows: readonly DeliveryEventRow[]): Promise<void>;
  /** Closes the connections after the write in flight; idempotent. */
  close(): Promise<void>;
}
