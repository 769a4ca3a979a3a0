/** The push services a device can be reached through. */
export type Provider = 'apns' | 'fcm' | 'hms' | 'webpush';

/** Web Push subscription keys (base64url), as the browser's PushSubscription hands them out. */
export interface WebPushKeys {
  p256dh: string;
  auth: string;
}

/** A device of the push registry. Times are unix milliseconds. */
export interface DeviceRecord {
  /** `dev_` + 16 base62 characters; stable across re-registration and token rotation. */
  id: string;
  /** The configured provider credentials ("app") the device belongs to. */
  app: string;
  provider: Provider;
  /** Free-form client platform (`ios`, `android`, `web`, …); only used for filtering. */
  platform: string;
  /** The APNs/FCM/HMS token, or the Web Push endpoint. */
  token: string;
  /** Web Push only; null for the other providers. */
  keys: WebPushKeys | null;
  user: string | null;
  /** The device's own topics, sorted and without duplicates; its user's topics are not included. */
  topics: string[];
  locale: string | null;
  timezone: string | null;
  meta: Record<string, unknown>;
  /** `invalid` once a provider said the token is dead; such a device is never sent to. */
  state: 'active' | 'invalid';
  invalidReason: string | null;
  createdAt: number;
  updatedAt: number;
  /** The last registration (or re-registration) of the device. */
  lastSeenAt: number;
}

/**
 * What a client registers. Optional fields left undefined keep their stored value on an
 * existing device (and start empty on a new one); `null` clears them.
 */
export interface DeviceRegistration {
  /** The id the client stored; naming an existing device makes a changed token a rotation. */
  id?: string;
  app: string;
  provider: Provider;
  platform: string;
  token: string;
  keys?: WebPushKeys | null;
  user?: string | null;
  /** Replaces the device's own topics when given. */
  topics?: string[];
  locale?: string | null;
  timezone?: string | null;
  meta?: Record<string, unknown>;
}

/** The fields `update` may change; undefined leaves a field alone, null clears it. */
export interface DeviceChanges {
  user?: string | null;
  /** Replaces the device's own topics. */
  topics?: string[];
  locale?: string | null;
  timezone?: string | null;
  meta?: Record<string, unknown>;
}

/**
 * Which devices a listing or count takes; all given filters must match. The list filters match
 * any of their values; an empty list is no filter, like an absent one.
 */
export interface DeviceFilter {
  user?: string;
  /** Matches a device's own topics or the topics of its user. */
  topic?: string;
  provider?: Provider;
  platform?: string;
  app?: string;
  state?: 'active' | 'invalid';
  /** Only devices last registered (`lastSeenAt`) before this time: subscriptions nobody renewed. */
  seenBefore?: number;
  ids?: readonly string[];
  /** `null` stands for devices of no user. */
  users?: readonly (string | null)[];
  /** Any of them, as a device's own topic or its user's. */
  topics?: readonly string[];
  providers?: readonly Provider[];
  platforms?: readonly string[];
  /**
   * Any of these locales, case-insensitively: a bare language (`pt`) also takes its regional
   * variants (`pt-BR`, `pt-PT`), a tag with a region (`pt-BR`) only itself.
   */
  locales?: readonly string[];
  apps?: readonly string[];
}

/**
 * The user whose topic bindings reach every device, with or without a user, registered before or
 * after the binding (Centrifugo's user `""`). No device has it as its user.
 */
export const EVERY_USER = '';

/**
 * The filter a push may be sent to: every given field must match, each by any of its values; an
 * empty filter is every active device.
 */
export type AudienceFilter = Pick<DeviceFilter, 'ids' | 'users' | 'topics' | 'providers' | 'platforms' | 'locales' | 'apps'>;

/** Filters of the admin listing, and where its page starts. */
export interface DeviceListQuery extends DeviceFilter {
  /** At most this many devices (capped by the store); 0 or less returns none. */
  limit: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

/** Which device topics a topic listing takes: the device filters, and filters on the topic. */
export interface DeviceTopicFilter {
  deviceIds?: readonly string[];
  providers?: readonly Provider[];
  platforms?: readonly string[];
  /** `null` stands for devices of no user. */
  users?: readonly (string | null)[];
  topics?: readonly string[];
  /** Topics starting with this, case-sensitively. */
  topicPrefix?: string;
}

export interface DeviceTopicQuery extends DeviceTopicFilter {
  /** At most this many (capped by the store); 0 or less returns none. */
  limit: number;
  cursor?: string;
}

/** One topic of one device (its own, not its user's). */
export interface DeviceTopicEntry {
  deviceId: string;
  topic: string;
}

export interface DeviceTopicPage {
  entries: DeviceTopicEntry[];
  /** Absent on the last page. Opaque. */
  nextCursor?: string;
}

/** Which user topic bindings a listing takes; every given filter must match. */
export interface UserTopicFilter {
  /** {@link EVERY_USER} stands for the bindings of every user. */
  users?: readonly string[];
  topics?: readonly string[];
  /** Topics starting with this, case-sensitively. */
  topicPrefix?: string;
}

export interface UserTopicQuery extends UserTopicFilter {
  /** At most this many (capped by the store); 0 or less returns none. */
  limit: number;
  cursor?: string;
}

/** One topic bound to one user. */
export interface UserTopicBinding {
  user: string;
  topic: string;
}

export interface UserTopicPage {
  bindings: UserTopicBinding[];
  /** Absent on the last page. Opaque. */
  nextCursor?: string;
}

export interface DeviceListPage {
  devices: DeviceRecord[];
  /** Absent on the last page. */
  nextCursor?: string;
}

/**
 * One source of a push's audience. A topic reaches devices in three ways, each its own source: the
 * device's own topics (`topic`), the topics bound to the device's user (`topicUsers`), and the
 * topics bound to {@link EVERY_USER} (`topicEveryone`: every active device while the topic is
 * bound so, none otherwise). `filter` takes the devices matching every field of the filter.
 */
export type AudienceSource =
  | { kind: 'devices'; ids: readonly string[] }
  | { kind: 'users'; users: readonly string[] }
  | { kind: 'topic'; topic: string }
  | { kind: 'topicUsers'; topic: string }
  | { kind: 'topicEveryone'; topic: string }
  | { kind: 'filter'; filter: AudienceFilter };

/** What sending needs of a device, and no more: pages of a million-device audience stay small. */
export interface AudienceMember {
  id: string;
  app: string;
  provider: Provider;
  token: string;
  keys: WebPushKeys | null;
}

export interface AudiencePage {
  members: AudienceMember[];
  /** Where the next page starts; absent once the source is exhausted. Opaque. */
  next?: string;
}

export type TopicsOp = 'set' | 'add' | 'remove';

/**
 * The device registry. A device is unique by (app, provider, token). Topics of a user are stored
 * apart from devices and joined when a query runs, so changing a device's `user` moves it from the
 * old user's topics to the new user's at once, and a user's topics reach devices registered later.
 */
export interface DeviceStore {
  /**
   * Registers a device or updates the one that has this (app, provider, token); idempotent, so a
   * re-registration keeps the id and `createdAt`. Any registration makes the device active again,
   * clears `invalidReason` and sets `lastSeenAt` and `updatedAt` to `now`.
   * When `input.id` names an existing device whose token differs, the token is rotated on that
   * device; a different device already holding the new token is removed, its topics with it, so
   * the token stays unique. An `id` that names no device is ignored and a new id is issued.
   * `created` is true only when a new device was inserted. Atomic.
   */
  register(input: DeviceRegistration, now: number): Promise<{ device: DeviceRecord; created: boolean }>;

  byId(id: string): Promise<DeviceRecord | undefined>;

  /**
   * The platforms of these devices (active or invalid; ids of no device are left out), in one
   * query of the device rows alone: what the analytics export's push rows need per send job.
   */
  platforms(ids: readonly string[]): Promise<Map<string, string>>;

  /** The device holding this token (or Web Push endpoint) for this app and provider. */
  byToken(app: string, provider: Provider, token: string): Promise<DeviceRecord | undefined>;

  /** Changes the given fields and `updatedAt`; undefined when there is no such device. Atomic. */
  update(id: string, changes: DeviceChanges, now: number): Promise<DeviceRecord | undefined>;

  /** Deletes the device and its own topics; false when there was no such device. */
  remove(id: string): Promise<boolean>;

  /** Ordered by id; page on with `nextCursor` until it is absent. */
  list(query: DeviceListQuery): Promise<DeviceListPage>;

  /** How many devices `list` would walk through for this filter, in one query. */
  count(filter: DeviceFilter): Promise<number>;

  /** Devices' own topics, ordered by device id then topic; page on with `nextCursor`. */
  listDeviceTopics(query: DeviceTopicQuery): Promise<DeviceTopicPage>;

  /** How many entries `listDeviceTopics` would walk through for this filter. */
  countDeviceTopics(filter: DeviceTopicFilter): Promise<number>;

  /**
   * Replaces (`set`), extends (`add`) or shrinks (`remove`) the device's own topics and bumps
   * `updatedAt`; undefined when there is no such device. Duplicates are ignored. Atomic.
   */
  setTopics(id: string, topics: string[], op: TopicsOp, now: number): Promise<DeviceRecord | undefined>;

  /** The topics bound to a user, sorted; empty for a user nobody bound. */
  userTopics(user: string): Promise<string[]>;

  /**
   * Users bound to a topic, sorted, after `after`: one page of a notify audience. A binding of
   * {@link EVERY_USER} names no one and is left out.
   */
  topicUsers(topic: string, options: { after?: string; limit: number }): Promise<string[]>;

  /** Replaces a user's topics; an empty list removes the binding. Atomic. */
  setUserTopics(user: string, topics: string[]): Promise<void>;

  /** Every user's bound topics, {@link EVERY_USER}'s included, ordered by user then topic (byte-wise); page on with `nextCursor`. */
  listUserTopics(query: UserTopicQuery): Promise<UserTopicPage>;

  /** How many bindings `listUserTopics` would walk through for this filter. */
  countUserTopics(filter: UserTopicFilter): Promise<number>;

  /**
   * Marks a device invalid (a provider reported its token dead) with the provider's reason;
   * false when there is no such device. A later `register` of the same token revives it. With
   * `unlessSeenAfter` (the provider's time of death of the token, APNs 410), a device registered
   * again after that time stays active: its token was renewed after the provider dropped it.
   */
  markInvalid(id: string, reason: string, now: number, options?: { unlessSeenAfter?: number }): Promise<boolean>;

  /**
   * Deletes devices that are still `invalid` and last changed (were marked, or edited) before
   * `before`, with their own topics; returns how many. Works in small batches, so a large backlog
   * never holds the database for long.
   */
  pruneInvalid(before: number): Promise<number>;

  /**
   * Whether any device could be reached through this topic (its own topics or its user's), so
   * topic-face messages only become pushes where someone is listening.
   */
  hasTopic(topic: string): Promise<boolean>;

  /**
   * One page of one audience source: ACTIVE devices only, in a stable order, starting after
   * `after` (the `next` of the previous page). Each page costs about `limit` rows of index work,
   * whatever the audience size, so a router can walk a million-device topic page by page. A device
   * may appear in several sources (a topic of its own and of its user); the caller deduplicates.
   * Devices registered while paging are seen only if they sort after the current position.
   * `filter` pages through a few index walks in turn (listed ids, listed users, each topic's
   * devices, or every device), so its members come in id order within each walk; where its filter
   * is sparse, a page may hold fewer than `limit` members (even none) and still have a `next`.
   */
  pageAudience(source: AudienceSource, options: { after?: string; limit: number }): Promise<AudiencePage>;
}
