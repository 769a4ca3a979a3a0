import type { AudienceFilter, Provider } from './device-store.js';
import type { Lane } from './queue.js';
import type { PushContent, PushTargetKind } from './push-sender.js';
import type { OutcomeKind } from './provider.js';

/**
 * Where a delivery stands. `queued → sending → sent | retrying → … | failed | invalid_token | dead`,
 * `expired` and `cancelled` end it without a send, `dropped` when a delivery gate (a rate limit, a
 * device without a time zone) refused it, and `delivered`, `interacted` follow `sent` when the app
 * reports back. A delivery a gate holds back goes from `sending` back to `queued`, with `nextAt`.
 */
export type DeliveryState =
  | 'queued'
  | 'sending'
  | 'sent'
  | 'retrying'
  | 'failed'
  | 'invalid_token'
  | 'expired'
  | 'cancelled'
  | 'dead'
  | 'dropped'
  | 'delivered'
  | 'interacted';

export const DELIVERY_STATES: readonly DeliveryState[] = [
  'queued', 'sending', 'sent', 'retrying', 'failed', 'invalid_token', 'expired', 'cancelled', 'dead', 'dropped', 'delivered', 'interacted',
];

/** Who a push is for, as the client wrote it (push-api.md `to`). */
export interface PushAudience {
  devices?: string[];
  users?: string[];
  topics?: string[];
  /** The devices matching every field of the filter (an empty one: every active device). */
  filter?: AudienceFilter;
  tokens?: { provider: Provider; app: string; token: string; keys?: { p256dh: string; auth: string } }[];
  /** FCM or HMS topics and conditions: the provider fans each out itself, so each is one delivery. */
  providerTopics?: ProviderTopic[];
}

/** One provider-side topic (name without `/topics/`) or condition (`'a' in topics && 'b' in topics`). */
export interface ProviderTopic {
  provider: 'fcm' | 'hms';
  app: string;
  kind: 'topic' | 'condition';
  value: string;
}

/**
 * How far the router got. `accepted`: stored, not yet resolved; `routing`: deliveries are being
 * created page by page; `routed`: every target has its delivery; `cancelled`: withdrawn.
 */
export type PushPhase = 'accepted' | 'routing' | 'routed' | 'cancelled';

export interface PushRecord {
  /** Internal key: ids are the client's and may be reused after the 24 h idempotency window. */
  seq: number;
  id: string;
  createdAt: number;
  /** Unix ms; null sends at once. */
  sendAt: number | null;
  expiresAt: number | null;
  content: PushContent;
  audience: PushAudience;
  lane: Lane;
  phase: PushPhase;
  /** The last target key whose delivery exists (targets are created in key order). */
  routedCursor: string | null;
  /** The last target key whose delivery has a queue job. Lags `routedCursor` only after a crash. */
  enqueuedCursor: string | null;
  /** Deliveries created so far. */
  targets: number;
  /** Who sent it (`key:<id>`, a user name, or `topic:<name>` for topic-face messages). */
  actor: string;
  /** The notification category the sender gave, which keys limited to categories are checked against. */
  category: string | null;
  /**
   * The id the app reports delivery and interaction under, when the sender gave one apart from the
   * push id (Centrifugo's `analytics_uid`); null when reports use the push id.
   */
  analyticsId: string | null;
}

export interface NewPush {
  id: string;
  createdAt: number;
  sendAt: number | null;
  expiresAt: number | null;
  content: PushContent;
  audience: PushAudience;
  lane: Lane;
  actor: string;
  category?: string;
  analyticsId?: string;
}

export interface PushListQuery {
  beforeSeq?: number;
  categories?: readonly string[];
  limit: number;
}

/** Narrows {@link PushStore.byId} to one sender's pushes, or to pushes in some categories. */
export interface PushIdScope {
  actor?: string;
  categories?: readonly string[];
}

/** One delivery the router creates. Target keys sort in routing order: raw tokens (`tok_…`) after devices (`dev_…`). */
export interface NewDelivery {
  target: string;
  deviceId: string | null;
  provider: Provider;
  app: string;
  /** The token or Web Push endpoint at routing time; the topic name or condition for those kinds. */
  token: string;
  /** Web Push keys, JSON-free: `p256dh` and `auth` (null for other providers). */
  p256dh: string | null;
  auth: string | null;
  /** What `token` holds; absent for a token. Stored, so the sender knows it at every attempt. */
  kind?: Exclude<PushTargetKind, 'token'>;
}

export interface DeliveryRecord extends NewDelivery {
  pushSeq: number;
  state: DeliveryState;
  attempts: number;
  /** Status code and reason of the last failed attempt. */
  lastStatus: number | null;
  lastError: string | null;
  providerId: string | null;
  createdAt: number;
  updatedAt: number;
  sentAt: number | null;
  /** For `retrying`: when the next attempt is due; for `queued`, when a delivery gate held it back until. */
  nextAt: number | null;
}

/** A delivery handed to a worker by {@link PushStore.claim}. */
export interface ClaimedDelivery {
  target: string;
  deviceId: string | null;
  provider: Provider;
  app: string;
  token: string;
  p256dh: string | null;
  auth: string | null;
  /** As {@link NewDelivery.kind}. */
  kind?: Exclude<PushTargetKind, 'token'>;
  /** Attempts including the one now starting. */
  attempts: number;
}

/** What one attempt ended in, for {@link PushStore.record}. */
export interface DeliveryResult {
  pushSeq: number;
  target: string;
  /**
   * `queued` (with `nextAt`) is no attempt: a delivery gate held the delivery back, so it waits
   * again and the attempt its claim counted is given back. `dropped`: a gate refused it for good.
   */
  state: 'sent' | 'retrying' | 'failed' | 'invalid_token' | 'expired' | 'cancelled' | 'dead' | 'dropped' | 'queued';
  provider: Provider;
  app: string;
  status?: number;
  error?: string;
  providerId?: string;
  /** For `retrying` and `queued`. */
  nextAt?: number;
  /** For `sent`: ms from when the push became due to the provider's acceptance (left out for dead-letter replays). */
  latencyMs?: number;
  /** The attempt this result ends (counting this one), when a send was tried; for the analytics export. */
  attempts?: number;
  /**
   * What the provider (or the way to it) answered this attempt; absent when no request was made:
   * the delivery ended before a send (expired, cancelled) or the send was stopped before it went out.
   */
  attempt?: OutcomeKind;
  /**
   * For `invalid_token` on a registered device: mark it invalid, unless it registered again after
   * `unlessSeenAfter` (the provider's own time of death for the token, APNs 410). The ledger does
   * not act on it: devices live in the DeviceStore, which the deliverer updates itself.
   */
  invalidate?: { deviceId: string; reason: string; unlessSeenAfter?: number };
}

export interface DeliveryListQuery {
  pushSeq: number;
  state?: DeliveryState;
  /** The last target of the previous page. */
  after?: string;
  limit: number;
}

export interface DeadDeliveryQuery {
  provider?: Provider;
  app?: string;
  /** Opaque cursor of the previous page (its `nextCursor`). */
  cursor?: string;
  limit: number;
}

export interface DeadDelivery extends DeliveryRecord {
  pushId: string;
}

export interface PushCounts {
  total: Partial<Record<DeliveryState, number>>;
  byProvider: Partial<Record<Provider, Partial<Record<DeliveryState, number>>>>;
}

/**
 * A stats window. Stats are kept per minute: `since` and `until` (Unix ms) each round down to
 * their minute, and the window is those minutes and every minute between, whole.
 */
export interface PushStatsQuery {
  since: number;
  until: number;
  app?: string;
}

export interface PushStats {
  /**
   * Deliveries that ended in the window, each once, by provider and the state it ended in (`sent`,
   * `failed`, `invalid_token`, `expired`, `cancelled`, `dead`, `dropped`). A dead delivery replayed from the
   * dead letters leaves `dead` and counts where its replay ends.
   */
  byProvider: Partial<Record<Provider, Partial<Record<DeliveryState, number>>>>;
  /** Every attempt made in the window, by provider and what the provider answered. */
  attempts: Partial<Record<Provider, Partial<Record<OutcomeKind, number>>>>;
  /** Send latency (due → accepted by the provider) percentiles in ms, over `sent` outcomes of first sends (not replays); null when none. */
  latency: { p50: number; p95: number; p99: number; count: number } | null;
}

/**
 * The delivery ledger of the push gateway: pushes, one delivery per (push, target), and stats.
 * It is the record of truth for what was sent; the queue only carries work. Every method that
 * changes more than one row is atomic.
 */
export interface PushStore {
  /**
   * Stores a push in phase `accepted`, with no deliveries, under a new seq. Seqs grow and are
   * never handed out again, even after the push is pruned, so an old delivery id cannot name a
   * new push.
   */
  create(push: NewPush): Promise<PushRecord>;
  /**
   * The newest push with this id (by creation time, then seq); with `scope.actor` only that
   * sender's, with `scope.categories` only one in those categories (a push without a category is
   * in none). With both, the sender's newest push with the id is the one the id names, and the
   * categories only decide whether it may be seen: an older one in the categories is not returned.
   */
  byId(id: string, scope?: PushIdScope): Promise<PushRecord | undefined>;
  /**
   * The newest push with this id from this sender created at or after `since` (the idempotency
   * window). Ids are the senders' own: two senders never see each other's.
   */
  recent(id: string, actor: string, since: number): Promise<PushRecord | undefined>;
  /**
   * The newest push with this analytics id (by creation time, then seq), scoped as {@link byId}.
   * Pushes without an analytics id are never returned: reports under a push id go through byId.
   */
  byAnalyticsId(analyticsId: string, scope?: PushIdScope): Promise<PushRecord | undefined>;
  /** Undefined once pruned or erased. */
  bySeq(seq: number): Promise<PushRecord | undefined>;
  /**
   * Pushes newest first (by seq, descending), only those with a seq below `beforeSeq` when given
   * (the previous page's last), and with `categories` only those in one of them (a push without a
   * category is in none). For the console's list of pushes.
   */
  list(query: PushListQuery): Promise<PushRecord[]>;

  /**
   * Creates the deliveries of one routing page (existing ones are left alone) and moves the routed
   * cursor from `from` to `to`, only if it still is at `from`: two routers of one push cannot both
   * advance it (`from` null: not routed yet). `done` marks routing complete. Returns the targets
   * that were new, in the order of `rows` (an empty page is `[]`, not false), or false when the
   * cursor had moved (another router is ahead) or routing is over (routed, cancelled); then nothing
   * of the page is written.
   */
  addDeliveries(pushSeq: number, from: string | null, to: string, rows: readonly NewDelivery[], done: boolean, now: number): Promise<string[] | false>;
  /** Records that queue jobs exist for every delivery routed up to `cursor`. */
  setEnqueuedCursor(pushSeq: number, cursor: string | null): Promise<void>;
  /** `queued` deliveries of a push in target byte order, after `after`: what a crash may have left without jobs. */
  queued(pushSeq: number, after: string | undefined, limit: number): Promise<DeliveryRecord[]>;

  /**
   * Hands these targets to one worker attempt: each becomes `sending` under `claim` with attempts
   * + 1, if it is `queued`, `retrying` and due, already `sending` under this same claim (a crashed
   * attempt of the same job), or — with `includeDead` — `dead` (a replay). Others are skipped
   * (unknown targets, finished or cancelled deliveries, retries not yet due). Each target comes
   * back at most once, in no particular order, and attempts grow by exactly one. Claims made at
   * once, from any node, never hand one delivery to two attempts.
   */
  claim(pushSeq: number, targets: readonly string[], claim: string, now: number, includeDead: boolean): Promise<ClaimedDelivery[]>;
  /**
   * Records attempt results and their stats in one transaction. A result for a delivery that was
   * cancelled while its attempt was in flight keeps it `cancelled`, unless the provider had it
   * already (`sent`, `failed`, `invalid_token`): then that is what happened, and it is recorded.
   * A result for a delivery not in flight (never claimed, or its attempt already recorded) is
   * ignored, so recording the same results twice changes nothing, stats included. A result without
   * `providerId` keeps the one an earlier answer gave; `sentAt` is `now` for `sent`.
   *
   * A `queued` result puts the delivery back to waiting (due at `nextAt`) with its attempts one
   * less, as if it had not been claimed.
   *
   * Stats, in the minute of `now`: each delivery once where it ended (every state but
   * `retrying` and `queued`), each result that has `attempt` as one attempt, and `latencyMs` of `sent` ones.
   */
  record(results: readonly DeliveryResult[], now: number): Promise<void>;

  /**
   * Marks the push cancelled and cancels every delivery not yet finished: `queued` and `retrying`
   * ones, and `sending` ones (in flight: their attempt is being stopped, and whatever it ends in,
   * no retry follows). Returns how many were cancelled; a second cancel finds none. Queued and
   * retrying ones count as `cancelled` in the stats at `now`; in-flight ones when their attempt is
   * recorded, where it really ended.
   */
  cancel(pushSeq: number, now: number): Promise<number>;
  /** Deliveries of a push per state, in total and by provider; states with none are left out. */
  counts(pushSeq: number): Promise<PushCounts>;
  /** Deliveries of a push in byte order of target (`dev_…` before `tok_…`, upper case before lower), after `after`. */
  deliveries(query: DeliveryListQuery): Promise<DeliveryRecord[]>;
  /**
   * The app reports what the user saw or did: `sent` → `delivered` → `interacted` (or straight to
   * `interacted`), never backwards. True when recorded, already recorded, or already further (a
   * repeat or a late report is no error); false for an unknown delivery or one never sent.
   */
  reportStatus(pushSeq: number, deviceId: string, status: 'delivered' | 'interacted', now: number): Promise<boolean>;

  /**
   * Dead deliveries, most recently dead first (by `updatedAt`, ties by push seq then target, all
   * descending), with the id of their push. `nextCursor` only when more follow.
   */
  deadDeliveries(query: DeadDeliveryQuery): Promise<{ deliveries: DeadDelivery[]; nextCursor?: string }>;
  /**
   * For replay: these dead deliveries (others are skipped; in no particular order), or the oldest
   * `limit` of a provider/app (by `updatedAt`, ties by push seq then target, all ascending).
   */
  findDead(target: { keys: readonly { pushSeq: number; target: string }[] } | { provider?: Provider; app?: string; limit: number }): Promise<DeliveryRecord[]>;
  /**
   * Puts these dead deliveries back to `queued` with attempts reset; others are skipped, so a
   * repeat revives none. Returns how many. They leave the `dead` count of the minute they died.
   */
  revive(keys: readonly { pushSeq: number; target: string }[], now: number): Promise<number>;

  stats(query: PushStatsQuery): Promise<PushStats>;
  /** Pushes whose routing has not finished (phase `accepted` or `routing`), in seq order, for recovery at start. */
  unrouted(): Promise<PushRecord[]>;
  /**
   * Deletes pushes created before `before` with their deliveries and counts, except those still to
   * be sent (`sendAt` at or after `before`), and the stats of minutes before `before`'s minute.
   * Returns how many pushes went.
   */
  prune(before: number): Promise<number>;
  /**
   * GDPR erasure of a user: pushes addressed to that user alone are deleted with their deliveries,
   * the user is taken out of other audiences (one that also names devices, topics or tokens keeps
   * them), and deliveries to the given devices lose their token, keys and device id (the rows
   * stay, so counts hold). Returns how many pushes were deleted; a repeat deletes none. May scan.
   */
  eraseUser(user: string, deviceIds: readonly string[]): Promise<number>;
}
