import { Type, type Static } from '@sinclair/typebox';

export const PROVIDER = Type.Union([Type.Literal('apns'), Type.Literal('fcm'), Type.Literal('hms'), Type.Literal('webpush')]);
const APP = Type.String({ pattern: '^[a-z0-9][-_a-z0-9]{0,31}$' });
const DEVICE_ID = Type.String({ pattern: '^dev_[A-Za-z0-9]{16}$' });
/** The topic namespace is shared with the topics face, so the same name rule applies. */
const TOPIC = Type.String({ pattern: '^[-_A-Za-z0-9]{1,64}$' });
const USER = Type.String({ minLength: 1, maxLength: 200 });
const WEB_PUSH_SUBSCRIPTION = Type.Object({
  endpoint: Type.String({ maxLength: 4096 }),
  keys: Type.Object({ p256dh: Type.String({ maxLength: 200 }), auth: Type.String({ maxLength: 100 }) }),
});
/** A provider token, or a browser's PushSubscription for Web Push. */
const TOKEN = Type.Union([Type.String({ maxLength: 4096 }), WEB_PUSH_SUBSCRIPTION]);
const META = Type.Record(Type.String({ maxLength: 100 }), Type.Unknown(), { maxProperties: 50 });
const NULLABLE_TEXT = (max: number) => Type.Union([Type.String({ minLength: 1, maxLength: max }), Type.Null()]);
const TOPICS = Type.Array(TOPIC, { maxItems: 100 });

export const DeviceRegisterBody = Type.Object({
  id: Type.Optional(DEVICE_ID),
  app: Type.Optional(APP),
  provider: PROVIDER,
  platform: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  token: TOKEN,
  user: Type.Optional(Type.Union([USER, Type.Null()])),
  topics: Type.Optional(TOPICS),
  locale: Type.Optional(NULLABLE_TEXT(35)),
  timezone: Type.Optional(NULLABLE_TEXT(64)),
  meta: Type.Optional(META),
}, { additionalProperties: false });
export type DeviceRegisterBody = Static<typeof DeviceRegisterBody>;

export const DevicePatchBody = Type.Object({
  user: Type.Optional(Type.Union([USER, Type.Null()])),
  topics: Type.Optional(TOPICS),
  locale: Type.Optional(NULLABLE_TEXT(35)),
  timezone: Type.Optional(NULLABLE_TEXT(64)),
  meta: Type.Optional(META),
}, { additionalProperties: false });
export type DevicePatchBody = Static<typeof DevicePatchBody>;

export const DeviceTopicsBody = Type.Object({
  topics: TOPICS,
  op: Type.Optional(Type.Union([Type.Literal('set'), Type.Literal('add'), Type.Literal('remove')])),
}, { additionalProperties: false });

export const UserTopicsBody = Type.Object({ topics: TOPICS }, { additionalProperties: false });

export const DeviceParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
export const UserParams = Type.Object({ user: USER });

const LIMIT = Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 }));
const CURSOR = Type.Optional(Type.String({ maxLength: 200 }));

export const DeviceListQuery = Type.Object({
  user: Type.Optional(USER),
  topic: Type.Optional(TOPIC),
  provider: Type.Optional(PROVIDER),
  platform: Type.Optional(Type.String({ maxLength: 32 })),
  app: Type.Optional(APP),
  state: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('invalid')])),
  limit: LIMIT,
  cursor: CURSOR,
  /** Adds `total_count`: every device the filters match, over all pages (one more query). */
  include_total_count: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
export type DeviceListQuery = Static<typeof DeviceListQuery>;

const STRING_MAP = Type.Record(Type.String({ maxLength: 200 }), Type.String({ maxLength: 4096 }), { maxProperties: 100 });
/**
 * A topic or condition of FCM or HMS itself (not Herald's topics): one message the provider fans
 * out to the devices subscribed there. Exactly one of `topic` and `condition`.
 */
const PROVIDER_TOPIC = Type.Object({
  provider: Type.Union([Type.Literal('fcm'), Type.Literal('hms')]),
  app: Type.Optional(APP),
  topic: Type.Optional(Type.String({ minLength: 1, maxLength: 900, description: 'topic name without /topics/' })),
  condition: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: "e.g. 'dogs' in topics || 'cats' in topics (at most 5 topics)" })),
}, { additionalProperties: false });
const OBJECT = Type.Record(Type.String(), Type.Unknown());
const TIME = Type.String({ maxLength: 40, description: 'RFC 3339 time, e.g. 2026-12-01T09:00:00Z' });
/** Centrifugo's shape, `{lang: {translations: {var: text}}}`, so a backend can reuse its requests. */
const LOCALIZATIONS = Type.Record(
  Type.String({ pattern: '^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8}){0,3}$' }),
  Type.Object({ translations: Type.Record(Type.String({ minLength: 1, maxLength: 200 }), Type.String({ maxLength: 2048 }), { maxProperties: 100 }) }, { additionalProperties: false }),
  { maxProperties: 200, additionalProperties: false, description: 'Translations by language; the device locale picks one as .l10n (pt-BR takes pt-BR, else pt). Turns templating on.' },
);

/** A month: the longest rate-limit interval, the same bound Centrifugo's users live with. */
export const RATE_INTERVAL_MAX_MS = 31 * 86_400_000;
const TIME_OF_DAY = Type.String({ maxLength: 8, description: 'local time of day, HH:MM or HH:MM:SS' });

/** Delivery gates for registry devices (core/push/delivery-gates.ts); times and the key template are checked by the route. */
const PUSH_LIMITS = Type.Object({
  window: Type.Optional(Type.Object({
    after: TIME_OF_DAY,
    before: TIME_OF_DAY,
    /** A device without a time zone (and every raw token): sent at once, or dropped (the default). */
    no_zone: Type.Optional(Type.Union([Type.Literal('send'), Type.Literal('drop')])),
  }, { additionalProperties: false })),
  rate: Type.Optional(Type.Object({
    key: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'template over {{.device.id}} and {{.device.user}}' })),
    policies: Type.Array(Type.Object({
      rate: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
      interval_ms: Type.Integer({ minimum: 1000, maximum: RATE_INTERVAL_MAX_MS }),
    }, { additionalProperties: false }), { minItems: 1, maxItems: 10 }),
    /** Drop a rate-limited delivery instead of delaying it (the default). */
    drop: Type.Optional(Type.Boolean()),
  }, { additionalProperties: false })),
}, { additionalProperties: false });

export const PushBody = Type.Object({
  id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' })),
  /** The id apps report delivery under (Centrifugo's analytics_uid), when not the push id. */
  analytics_id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' })),
  to: Type.Object({
    devices: Type.Optional(Type.Array(DEVICE_ID, { maxItems: 1000 })),
    users: Type.Optional(Type.Array(USER, { maxItems: 1000 })),
    topics: Type.Optional(Type.Array(TOPIC, { maxItems: 100 })),
    /**
     * The devices matching every field given, each by any of its values; `{}` is every active device.
     * A field given is never empty: an empty list would silently stop narrowing the send.
     */
    filter: Type.Optional(Type.Object({
      ids: Type.Optional(Type.Array(DEVICE_ID, { minItems: 1, maxItems: 1000 })),
      /** `null` stands for devices of no user. */
      users: Type.Optional(Type.Array(Type.Union([USER, Type.Null()]), { minItems: 1, maxItems: 1000 })),
      topics: Type.Optional(Type.Array(TOPIC, { minItems: 1, maxItems: 100 })),
      providers: Type.Optional(Type.Array(PROVIDER, { minItems: 1, maxItems: 4 })),
      platforms: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { minItems: 1, maxItems: 100 })),
      /** `pt` also takes `pt-BR` and `pt-PT`; `pt-BR` only itself (case-insensitive). */
      locales: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z0-9]{1,8}(-[A-Za-z0-9]{1,8})*$' }), { minItems: 1, maxItems: 100 })),
      apps: Type.Optional(Type.Array(APP, { minItems: 1, maxItems: 100 })),
    }, { additionalProperties: false })),
    tokens: Type.Optional(Type.Array(Type.Object({ provider: PROVIDER, app: Type.Optional(APP), token: TOKEN }, { additionalProperties: false }), { maxItems: 1000 })),
    provider_topics: Type.Optional(Type.Array(PROVIDER_TOPIC, { maxItems: 100 })),
  }, { additionalProperties: false }),
  notification: Type.Optional(Type.Object({
    title: Type.Optional(Type.String({ maxLength: 1024 })),
    body: Type.Optional(Type.String({ maxLength: 4096 })),
    url: Type.Optional(Type.String({ maxLength: 2048 })),
    image: Type.Optional(Type.String({ maxLength: 2048 })),
    sound: Type.Optional(Type.String({ maxLength: 256 })),
    badge: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    data: Type.Optional(STRING_MAP),
  }, { additionalProperties: false })),
  apns: Type.Optional(Type.Object({ headers: Type.Optional(STRING_MAP), payload: Type.Optional(OBJECT) }, { additionalProperties: false })),
  fcm: Type.Optional(Type.Object({ message: Type.Optional(OBJECT) }, { additionalProperties: false })),
  hms: Type.Optional(Type.Object({ message: Type.Optional(OBJECT) }, { additionalProperties: false })),
  webpush: Type.Optional(Type.Object({
    payload: Type.Optional(OBJECT),
    ttl: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_419_200 })),
    urgency: Type.Optional(Type.Union([Type.Literal('very-low'), Type.Literal('low'), Type.Literal('normal'), Type.Literal('high')])),
    topic: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}$' })),
  }, { additionalProperties: false })),
  priority: Type.Optional(Type.Union([Type.Literal('high'), Type.Literal('normal'), Type.Literal('low')])),
  collapse_key: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  send_at: Type.Optional(TIME),
  expires_at: Type.Optional(TIME),
  /** A key limited to categories must name one of them. */
  category: Type.Optional(Type.String({ pattern: '^[-_.a-z0-9]{1,64}$' })),
  limits: Type.Optional(PUSH_LIMITS),
  templating: Type.Optional(Type.Boolean({ description: 'Strings of the raw payloads and notification title/body are templates rendered per device ({{.device.id}}, {{.device.user}}, {{.device.meta.key}}, {{default [[text]] .l10n.key}}).' })),
  use_meta: Type.Optional(Type.Boolean({ description: 'Templates may read the device meta as .device.meta.<key>.' })),
  localizations: Type.Optional(LOCALIZATIONS),
}, { additionalProperties: false });
export type PushBody = Static<typeof PushBody>;

export const PushParams = Type.Object({ id: Type.String({ maxLength: 128 }) });

/** A push body as for POST /v1/push, with `to` optional: a preview encodes the push, it reaches no one. */
export const PushPreviewBody = Type.Object({ ...PushBody.properties, to: Type.Optional(PushBody.properties.to) }, { additionalProperties: false });
export type PushPreviewBody = Static<typeof PushPreviewBody>;

export const PushPreviewQuery = Type.Object({
  app: Type.Optional(Type.String({ pattern: '^[a-z0-9][-_a-z0-9]{0,31}$', description: "each provider's app to encode with; `default`, else the first configured, when left out" })),
}, { additionalProperties: false });

export const PushListQuery = Type.Object({ limit: LIMIT, cursor: CURSOR }, { additionalProperties: false });

export const DELIVERY_STATE = Type.Union((['queued', 'sending', 'sent', 'retrying', 'failed', 'invalid_token', 'expired', 'cancelled', 'dead', 'dropped', 'delivered', 'interacted'] as const).map((s) => Type.Literal(s)));

export const DeliveriesQuery = Type.Object({ state: Type.Optional(DELIVERY_STATE), limit: LIMIT, cursor: CURSOR }, { additionalProperties: false });

export const PushStatusBody = Type.Object({
  device: DEVICE_ID,
  status: Type.Union([Type.Literal('delivered'), Type.Literal('interacted')]),
}, { additionalProperties: false });

export const StatsQuery = Type.Object({
  since: Type.Optional(Type.String({ maxLength: 40, description: 'RFC 3339 time or Unix seconds' })),
  until: Type.Optional(Type.String({ maxLength: 40 })),
  app: Type.Optional(APP),
}, { additionalProperties: false });

export const DlqQuery = Type.Object({ provider: Type.Optional(PROVIDER), app: Type.Optional(APP), limit: LIMIT, cursor: CURSOR }, { additionalProperties: false });

export const DlqReplayBody = Type.Object({
  ids: Type.Optional(Type.Array(Type.String({ maxLength: 120 }), { minItems: 1, maxItems: 1000 })),
  provider: Type.Optional(PROVIDER),
  app: Type.Optional(APP),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
}, { additionalProperties: false });

export const SubscriberTokenBody = Type.Object({ subscriber: USER }, { additionalProperties: false });

/** ntfy's Web Push subscription shape (topics face). */
export const WebPushSubscribeBody = Type.Object({
  endpoint: Type.String({ maxLength: 4096 }),
  auth: Type.String({ maxLength: 100 }),
  p256dh: Type.String({ maxLength: 200 }),
  topics: Type.Array(TOPIC, { maxItems: 50 }),
}, { additionalProperties: true });

export const WebPushUnsubscribeBody = Type.Object({ endpoint: Type.String({ maxLength: 4096 }) }, { additionalProperties: true });
