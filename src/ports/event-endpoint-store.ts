/**
 * An app backend's receiver of Herald's events (push delivery outcomes, device invalidations,
 * notify channel states), called with Standard Webhooks signed POSTs.
 */
export interface EventEndpointRecord {
  /** `ep_` + 16 base62 characters. */
  id: string;
  url: string;
  /** Event types this endpoint receives; `['*']` for all. */
  events: string[];
  description: string;
  /** `whsec_` + base64; signs every message. */
  secret: string;
  /**
   * The secret before the last rotation, still signing beside the new one until
   * `previousSecretExpires` so a receiver can switch without missing a message; null when none.
   */
  previousSecret: string | null;
  /** Unix ms; 0 when there is no previous secret. */
  previousSecretExpires: number;
  /** Unix ms when it was switched off (by hand, or after too many failures in a row); 0 while enabled. */
  disabledAt: number;
  /** Why it was switched off; empty while enabled. */
  disabledReason: string;
  /** Deliveries that ended in failure since the last success. */
  consecutiveFailures: number;
  /** Who registered it (`key:<id>`, a user name). */
  actor: string;
  /** Unix ms. */
  createdAt: number;
  /** Unix ms. */
  updatedAt: number;
}

export type EventEndpointChanges = Partial<Pick<EventEndpointRecord,
  'url' | 'events' | 'description' | 'secret' | 'previousSecret' | 'previousSecretExpires' | 'disabledAt' | 'disabledReason' | 'updatedAt'>>;

/** One try to hand one message to one endpoint. */
export interface EventAttemptRecord {
  endpointId: string;
  /** The `webhook-id`: the same for every attempt of one message. */
  messageId: string;
  type: string;
  /** Unix ms when the attempt ended. */
  time: number;
  /** 1 on the first try. */
  attempt: number;
  /** `succeeded`, `retrying` (another attempt is due), `failed` (given up). */
  result: 'succeeded' | 'retrying' | 'failed';
  /** The receiver's HTTP status; absent when none came (network error, refused address). */
  status?: number;
  error?: string;
}

export interface EventEndpointPage {
  endpoints: EventEndpointRecord[];
  /** Where the next page starts; absent on the last one. */
  nextCursor?: string;
}

/**
 * The registered event endpoints and a short history of delivery attempts per endpoint. Each
 * method is one statement (or one small transaction); nothing is cached, the caller caches.
 */
export interface EventEndpointStore {
  /** Adds a new endpoint; a duplicate id is a bug and rejects. */
  add(endpoint: EventEndpointRecord): Promise<void>;
  byId(id: string): Promise<EventEndpointRecord | undefined>;
  /** By id ascending, starting after `cursor` (an id). */
  list(query: { cursor?: string; limit: number }): Promise<EventEndpointPage>;
  /** Every endpoint, for the subscription cache (endpoints are few: one or a handful per app). */
  all(): Promise<EventEndpointRecord[]>;
  /** Applies the changes; false when there is no such endpoint. */
  update(id: string, changes: EventEndpointChanges): Promise<boolean>;
  /** Removes the endpoint and its attempts; false when there was none. */
  remove(id: string): Promise<boolean>;
  /**
   * Counts a delivery that ended: success resets the run of failures, failure extends it. Returns
   * the run after the change (0 after a success), so the caller can switch a failing endpoint off.
   */
  settle(id: string, succeeded: boolean): Promise<number>;
  /** Appends an attempt to the endpoint's history. */
  addAttempt(attempt: EventAttemptRecord): Promise<void>;
  /** The endpoint's newest attempts first, at most `limit`. */
  attempts(endpointId: string, limit: number): Promise<EventAttemptRecord[]>;
  /** Deletes attempts older than `time` (unix ms); returns how many. */
  pruneAttempts(time: number): Promise<number>;
}
