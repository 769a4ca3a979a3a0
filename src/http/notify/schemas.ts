import { Type, type Static } from '@sinclair/typebox';

/**
 * Request shapes of the notify face's directory and send routes. Their fields were checked this
 * strictly before the move (40024 naming the field); what the domain checks itself (addresses,
 * zones, template sources, preference documents) it still checks, with its own codes.
 */

const NULLABLE_TEXT = Type.Optional(Type.Union([Type.String(), Type.Null()]));
const DATA = Type.Record(Type.String(), Type.Unknown());

export const SubscriberBody = Type.Object({
  email: NULLABLE_TEXT,
  phone: NULLABLE_TEXT,
  name: NULLABLE_TEXT,
  locale: NULLABLE_TEXT,
  timezone: NULLABLE_TEXT,
  webhook_url: NULLABLE_TEXT,
  data: Type.Optional(DATA),
}, { additionalProperties: false, description: 'Fields left out or null are not held; `data` is free JSON that templates read as subscriber.data' });
export type SubscriberBody = Static<typeof SubscriberBody>;

export const CategoryBody = Type.Object({
  description: Type.Optional(Type.String()),
  channels: Type.Optional(Type.Array(Type.String(), { maxItems: 5, description: 'push, email, sms, webhook, inapp; default push, email, sms, inapp' })),
  critical: Type.Optional(Type.Boolean({ description: 'sent whatever the preferences say' })),
  digest: Type.Optional(Type.Union([Type.Object({ window: Type.String({ description: 'a duration between 1m and 7d, e.g. 1h' }) }, { additionalProperties: false }), Type.Null()])),
}, { additionalProperties: false });
export type CategoryBody = Static<typeof CategoryBody>;

/**
 * A template and a preference document are checked by the domain, which names the bad field with
 * its own code (40000), so their schemas accept any JSON and describe the shape in words.
 */
export const TemplateBody = Type.Unknown({
  description: 'A template: `{category?, default_locale?, channels, locales?}`. `channels` has at least one of push {title?, body, url?}, '
    + 'email {subject, html?, text?}, sms {text}, inapp {title?, body, url?}, webhook {body}; every string is a Liquid template. '
    + '`locales` overrides any of those fields per BCP 47 tag.',
});

export const PreferencesBody = Type.Unknown({
  description: 'A preference document: `{enabled?, channels?: {channel: bool}, categories?: {name: {enabled?, channels?}}, '
    + 'quiet_hours?: {start, end} | null, frequency_caps?: [{category?, max, per}], channel_order?: [channel]}`. It replaces the one held.',
});

export const PreviewBody = Type.Object({
  subscriber: Type.Optional(Type.String({ description: 'render for this subscriber (its locale, name, data)' })),
  locale: Type.Optional(Type.String()),
  data: Type.Optional(DATA),
}, { additionalProperties: false });
export type PreviewBody = Static<typeof PreviewBody>;

export const SubscriberParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
export const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) });

const CHANNEL = Type.Union((['push', 'email', 'sms', 'webhook', 'inapp'] as const).map((c) => Type.Literal(c)));

export const NotifyBody = Type.Object({
  template: Type.String({ minLength: 1, maxLength: 64 }),
  to: Type.Union([
    Type.Object({ subscribers: Type.Array(Type.String({ maxLength: 128 }), { minItems: 1, maxItems: 1000 }) }, { additionalProperties: false }),
    Type.Object({ topic: Type.String({ minLength: 1, maxLength: 64, description: 'every subscriber of the topic' }) }, { additionalProperties: false }),
  ]),
  data: Type.Optional(DATA),
  category: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "default: the template's" })),
  priority: Type.Optional(Type.Union((['critical', 'high', 'normal', 'low'] as const).map((p) => Type.Literal(p)))),
  channels: Type.Optional(Type.Array(CHANNEL, { minItems: 1, maxItems: 5, description: "default: the category's" })),
  strategy: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('fallback')], { description: 'all channels at once, or one after another until one delivers' })),
  idempotency_key: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'a repeated key from the same sender within 24 hours sends nothing' })),
  send_at: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601; without an offset, the local time of each subscriber' })),
  expires_at: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601 with an offset' })),
}, { additionalProperties: false });
export type NotifyBody = Static<typeof NotifyBody>;

export const NotificationParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const NotificationQuery = Type.Object({
  cursor: Type.Optional(Type.String({ maxLength: 128 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'recipients per page, default 100' })),
}, { additionalProperties: false });
