import { Type, type Static } from '@sinclair/typebox';

/** Answer shapes of the notify face's directory and send routes; the route modules build them from the records. */

const TIME = Type.String({ description: 'RFC 3339 time in UTC' });
const COUNT = Type.Integer({ minimum: 0 });
const CHANNEL = Type.Union((['push', 'email', 'sms', 'webhook', 'inapp'] as const).map((c) => Type.Literal(c)));
const OPTIONAL_TEXT = Type.Optional(Type.String());

export const SubscriberAnswer = Type.Object({
  id: Type.String(),
  email: OPTIONAL_TEXT,
  phone: OPTIONAL_TEXT,
  name: OPTIONAL_TEXT,
  locale: Type.Optional(Type.String({ description: 'canonical BCP 47 tag' })),
  timezone: OPTIONAL_TEXT,
  webhook_url: OPTIONAL_TEXT,
  data: Type.Record(Type.String(), Type.Unknown()),
  created_at: TIME,
  updated_at: TIME,
}, { additionalProperties: false, description: 'A subscriber' });
export type SubscriberAnswer = Static<typeof SubscriberAnswer>;

const CHANNEL_SWITCHES = Type.Record(Type.String({ description: 'a channel' }), Type.Boolean());

export const PreferencesAnswer = Type.Object({
  enabled: Type.Boolean(),
  channels: CHANNEL_SWITCHES,
  categories: Type.Record(Type.String({ description: 'a category' }), Type.Object({
    enabled: Type.Optional(Type.Boolean()),
    channels: Type.Optional(CHANNEL_SWITCHES),
  }, { additionalProperties: false })),
  quiet_hours: Type.Optional(Type.Object({ start: Type.String({ description: 'HH:MM' }), end: Type.String({ description: 'HH:MM' }) }, { additionalProperties: false })),
  frequency_caps: Type.Array(Type.Object({
    category: Type.Optional(Type.String()),
    max: COUNT,
    per: Type.String({ description: 'a duration, e.g. 1h' }),
  }, { additionalProperties: false })),
  channel_order: Type.Optional(Type.Array(CHANNEL)),
}, { additionalProperties: false, description: "A subscriber's preferences (the defaults until some are set)" });
export type PreferencesAnswer = Static<typeof PreferencesAnswer>;

export const CategoryAnswer = Type.Object({
  name: Type.String(),
  description: Type.String(),
  channels: Type.Array(CHANNEL),
  critical: Type.Boolean(),
  digest: Type.Optional(Type.Object({ window_ms: Type.Integer({ minimum: 0 }) }, { additionalProperties: false })),
  created_at: TIME,
  updated_at: TIME,
}, { additionalProperties: false, description: 'A category' });
export type CategoryAnswer = Static<typeof CategoryAnswer>;

export const CategoryListAnswer = Type.Object({ categories: Type.Array(CategoryAnswer) }, { additionalProperties: false, description: 'Every category, by name' });

const TEXT_FIELDS = Type.Record(Type.String(), Type.Unknown());
const TEMPLATE_CHANNELS = Type.Object({
  push: Type.Optional(TEXT_FIELDS),
  email: Type.Optional(TEXT_FIELDS),
  sms: Type.Optional(TEXT_FIELDS),
  inapp: Type.Optional(TEXT_FIELDS),
  webhook: Type.Optional(TEXT_FIELDS),
}, { additionalProperties: false, description: 'the template sources of each channel' });

export const TemplateAnswer = Type.Object({
  name: Type.String(),
  category: Type.Optional(Type.String()),
  default_locale: Type.String(),
  channels: TEMPLATE_CHANNELS,
  locales: Type.Record(Type.String({ description: 'a BCP 47 tag' }), Type.Partial(TEMPLATE_CHANNELS)),
}, { additionalProperties: false, description: 'A template' });
export type TemplateAnswer = Static<typeof TemplateAnswer>;

export const TemplateListAnswer = Type.Object({ templates: Type.Array(Type.String()) }, { additionalProperties: false, description: 'The names of every template' });

export const PreviewAnswer = Type.Object({
  locale: Type.String({ description: 'the locale whose content was chosen' }),
  channels: Type.Object({
    push: Type.Optional(Type.Object({ title: OPTIONAL_TEXT, body: Type.String(), url: OPTIONAL_TEXT }, { additionalProperties: false })),
    email: Type.Optional(Type.Object({ subject: Type.String(), html: OPTIONAL_TEXT, text: Type.String() }, { additionalProperties: false })),
    sms: Type.Optional(Type.Object({
      text: Type.String(),
      segments: Type.Integer({ minimum: 0, description: 'parts the text is sent in' }),
      encoding: Type.String({ description: 'GSM-7 or UCS-2' }),
    }, { additionalProperties: false })),
    inapp: Type.Optional(Type.Object({ title: OPTIONAL_TEXT, body: Type.String(), url: OPTIONAL_TEXT }, { additionalProperties: false })),
    webhook: Type.Optional(Type.Object({ body: Type.Unknown() }, { additionalProperties: false })),
  }, { additionalProperties: false }),
}, { additionalProperties: false, description: 'Every channel of the template, rendered' });
export type PreviewAnswer = Static<typeof PreviewAnswer>;

export const ExportAnswer = Type.Object({
  subscriber: SubscriberAnswer,
  devices: Type.Array(Type.Object({
    id: Type.String(),
    app: Type.String(),
    provider: Type.String(),
    platform: Type.String(),
    token: Type.String(),
    topics: Type.Array(Type.String()),
    state: Type.String(),
    created_at: TIME,
  }, { additionalProperties: false })),
  topics: Type.Array(Type.String()),
  notifications: Type.Array(Type.Object({
    notification_seq: Type.Integer(),
    state: Type.String(),
    reason: OPTIONAL_TEXT,
    created_at: TIME,
  }, { additionalProperties: false })),
  deliveries: Type.Array(Type.Object({
    notification_seq: Type.Integer(),
    channel: CHANNEL,
    state: Type.String(),
    reason: OPTIONAL_TEXT,
    address: OPTIONAL_TEXT,
    attempts: COUNT,
    sent_at: Type.Optional(TIME),
  }, { additionalProperties: false })),
  inbox: Type.Array(Type.Object({
    id: Type.String(),
    title: OPTIONAL_TEXT,
    body: Type.String(),
    url: OPTIONAL_TEXT,
    created_at: TIME,
    read_at: Type.Optional(TIME),
    archived_at: Type.Optional(TIME),
  }, { additionalProperties: false })),
  suppressed_addresses: Type.Array(Type.Object({
    address: Type.String(),
    kind: Type.Union((['bounce', 'complaint', 'invalid', 'stop'] as const).map((k) => Type.Literal(k))),
    reason: Type.String(),
    at: TIME,
  }, { additionalProperties: false })),
}, { additionalProperties: false, description: 'Everything held about a subscriber' });
export type ExportAnswer = Static<typeof ExportAnswer>;

export const SuccessAnswer = Type.Object({ success: Type.Literal(true) }, { additionalProperties: false, description: 'Done' });

const NOTIFY_STATE = Type.Union((['accepted', 'scheduled', 'cancelled'] as const).map((s) => Type.Literal(s)));

export const NotifyAccepted = Type.Object({
  id: Type.String(),
  state: NOTIFY_STATE,
  recipients: Type.Integer({ minimum: 0, description: 'recipients known so far (a topic audience grows while it is routed)' }),
  duplicate: Type.Optional(Type.Literal(true, { description: 'the idempotency key was seen: nothing new is sent' })),
}, { additionalProperties: false, description: 'Accepted; routing and delivery go on in the background' });
export type NotifyAccepted = Static<typeof NotifyAccepted>;

const CHANNEL_DELIVERY = Type.Object({
  channel: CHANNEL,
  state: Type.String({ description: 'queued, sending, awaiting, sent, delivered, retrying, failed, suppressed, deferred, unavailable, timeout, expired or cancelled' }),
  reason: OPTIONAL_TEXT,
  provider_id: OPTIONAL_TEXT,
  attempts: COUNT,
  created_at: TIME,
  updated_at: TIME,
  sent_at: Type.Optional(TIME),
}, { additionalProperties: false });
export type ChannelDeliveryAnswer = Static<typeof CHANNEL_DELIVERY>;

export const NotificationAnswer = Type.Object({
  id: Type.String(),
  template: Type.String(),
  category: Type.String(),
  priority: Type.Union((['critical', 'high', 'normal', 'low'] as const).map((p) => Type.Literal(p))),
  strategy: Type.Union([Type.Literal('all'), Type.Literal('fallback')]),
  channels: Type.Optional(Type.Array(CHANNEL)),
  to: Type.Union([
    Type.Object({ subscribers: Type.Integer({ minimum: 0, description: 'how many were named' }) }, { additionalProperties: false }),
    Type.Object({ topic: Type.String() }, { additionalProperties: false }),
  ]),
  state: Type.Union((['routing', 'sending', 'done', 'cancelled'] as const).map((s) => Type.Literal(s))),
  created_at: TIME,
  send_at: Type.Optional(Type.String({ description: 'as given' })),
  expires_at: Type.Optional(TIME),
  idempotency_key: OPTIONAL_TEXT,
  recipients: COUNT,
  counts: Type.Record(Type.String({ description: 'a recipient state' }), COUNT),
  deliveries: Type.Array(Type.Object({
    subscriber: Type.String(),
    state: Type.String({ description: 'pending, scheduled, deferred, sending, sent, suppressed, failed, digested, expired or cancelled' }),
    reason: OPTIONAL_TEXT,
    next_channels: Type.Optional(Type.Array(CHANNEL, { description: 'fallback: the channels still to try' })),
    updated_at: TIME,
    channels: Type.Array(CHANNEL_DELIVERY),
  }, { additionalProperties: false })),
  next_cursor: Type.Optional(Type.String({ description: 'pass as `cursor` for the next page of recipients' })),
}, { additionalProperties: false, description: 'Where a notification stands, per recipient and channel' });
export type NotificationAnswer = Static<typeof NotificationAnswer>;

export const NotifyCancelAnswer = Type.Object({
  id: Type.String(),
  state: Type.Literal('cancelled'),
  cancelled: Type.Integer({ minimum: 0, description: 'recipients cancelled' }),
}, { additionalProperties: false, description: 'Cancelled' });
