import type { Provider, WebPushKeys } from './device-store.js';
import type { Outcome } from './provider.js';

/**
 * How urgent a push is. `high` wakes the device now (APNs priority 10, FCM/HMS HIGH, Web Push
 * Urgency high) and travels in the queue's high lane; `low` lets the device save power.
 */
export type PushPriority = 'high' | 'normal' | 'low';

/** The portable part of a push (push-api.md), which each provider maps to its own format. */
export interface PortableNotification {
  title?: string;
  body?: string;
  /** Opened when the user taps the notification. */
  url?: string;
  /** Image shown with the notification (https URL). */
  image?: string;
  /** Sound name; `default` for the platform's default sound. */
  sound?: string;
  /** App icon badge count (APNs badge, Android notification_count). */
  badge?: number;
  /** Key/value data handed to the app; FCM and HMS only carry string values. */
  data?: Record<string, string>;
}

/**
 * Raw per-provider objects, merged over the portable mapping (objects merged key by key, anything
 * else replaced), so every field a provider supports can be sent without a Herald change.
 */
export interface ProviderOverrides {
  apns?: { headers?: Record<string, string>; payload?: Record<string, unknown> };
  fcm?: { message?: Record<string, unknown> };
  hms?: { message?: Record<string, unknown> };
  webpush?: { payload?: Record<string, unknown>; ttl?: number; urgency?: 'very-low' | 'low' | 'normal' | 'high'; topic?: string };
}

/** Everything a provider needs to build its request for one push; the same for every target. */
export interface PushContent {
  /** The push id (client-given idempotency id or generated), for logs and provider message ids. */
  id: string;
  notification: PortableNotification;
  overrides: ProviderOverrides;
  priority: PushPriority;
  /** Replaces an undelivered earlier push with the same key (apns-collapse-id, FCM collapse_key, Web Push Topic). */
  collapseKey?: string;
  /** Unix ms after which the push is worthless; providers get their own expiry from it at send time. */
  expiresAt?: number;
  /**
   * Present when the payload strings are templates, rendered for each device before encoding
   * (core/push/personalize.ts); absent for a push sent as given.
   */
  personalize?: PushPersonalization;
  /** Delivery gates for registry devices: a local-time window and rate limits (core/push/delivery-gates.ts). */
  limits?: PushLimits;
}

/** A daily window in each device's own time zone; `after` and `before` are "HH:MM" or "HH:MM:SS", and it may cross midnight. */
export interface SendWindow {
  after: string;
  before: string;
  /** A device without a (known) time zone is sent at once when true, dropped when false. */
  noZoneSendNow: boolean;
}

/** At most `rate` sends per `intervalMs` under one key. */
export interface RatePolicy {
  rate: number;
  intervalMs: number;
}

export interface RateLimit {
  /** A template over `{{.device.id}}` and `{{.device.user}}`; per device id when absent. */
  key?: string;
  /** Every policy holds at once (1 a minute AND 10 an hour). */
  policies: RatePolicy[];
  /** Drop a rate-limited delivery instead of delaying it until the limits allow it. */
  drop: boolean;
}

export interface PushLimits {
  window?: SendWindow;
  rate?: RateLimit;
}

/** How a templated push is rendered per device. */
export interface PushPersonalization {
  /** Templates may read `.device.meta.<key>`; without it the device's meta reads as empty. */
  useMeta: boolean;
  /**
   * Translations by lowercase language tag (`pt`, `pt-br`): the device's locale picks one map as
   * `.l10n`, its full tag first, then its language. Empty when the push has none.
   */
  localizations: Record<string, Record<string, string>>;
}

/** The reason of the `retry` outcome of a target whose send was stopped by the abort signal before it went out. */
export const SEND_ABORTED = 'aborted';

/**
 * What a delivery's `token` names: a device's token (the default), or, for FCM and HMS, one of the
 * provider's own topics or a condition over them, which the provider fans out itself.
 */
export type PushTargetKind = 'token' | 'topic' | 'condition';

/** Where one delivery goes: a provider token, a Web Push endpoint with its keys, or a provider topic or condition. */
export interface PushTarget {
  /** The token, endpoint, topic name (without `/topics/`) or condition, as `kind` says. */
  token: string;
  /** Web Push only. */
  keys: WebPushKeys | null;
  /** Absent for a token. Only FCM and HMS senders are handed `topic` and `condition` targets. */
  kind?: PushTargetKind;
}

/**
 * A push encoded for one provider once, then sent to any number of targets. What is inside is the
 * adapter's business; `bytes` is the payload size the provider's limit applies to.
 */
export interface EncodedPush {
  readonly provider: Provider;
  readonly bytes: number;
}

/** One provider request as the push preview shows it: headers from the push (no credentials), and the JSON body. */
export interface ProviderRequestPreview {
  headers: Record<string, string>;
  body: unknown;
  /** What the body is, when it is not what goes over the wire as is (Web Push encrypts it per subscription). */
  note?: string;
}

/**
 * One provider credential ("app") able to send pushes: an APNs key, an FCM service account, an HMS
 * app or a VAPID key pair. Implementations keep their connections open across calls.
 */
export interface PushSender {
  readonly provider: Provider;
  /** The configured app name this credential belongs to. */
  readonly app: string;

  /**
   * Maps the content to the provider's request and merges the raw overrides, without I/O. Throws
   * a HeraldError (`pushPayloadTooLarge`, `pushPayloadInvalid`) naming the provider when the result
   * could never be sent, so the push API refuses it with a 400 instead of failing every delivery.
   */
  encode(content: PushContent): EncodedPush;

  /**
   * Sends an encoded push to each target and resolves with one outcome per target, in order. It
   * never rejects for a provider or network failure: a refused connection, a timeout or a 5xx is
   * a `retry` outcome for the targets it touched. Targets beyond the connection's concurrent-stream
   * limit wait inside the sender rather than failing.
   *
   * Once `signal` aborts (the push was cancelled or expired, or the server is stopping), no further
   * request of this call is handed to the provider: every target still waiting (for a connection,
   * a free stream or its turn) resolves at once as `{ kind: 'retry', reason: 'aborted' }`. Requests
   * already written are left to finish, since their outcome is the truth about what was sent;
   * `close()` is what cuts those.
   */
  send(push: EncodedPush, targets: readonly PushTarget[], signal?: AbortSignal): Promise<Outcome[]>;

  /**
   * What the provider would be sent for a push this sender encoded, for a target `token` (a
   * stand-in is fine) at `now`, without I/O: the request body as JSON and the headers that come
   * from the push. Optional: the console's preview (POST /v1/push/preview) uses it when present.
   */
  preview?(push: EncodedPush, token: string, now: number): ProviderRequestPreview;

  /** Closes connections; sends still in flight resolve with `retry` outcomes. Idempotent. */
  close(): Promise<void>;
}
