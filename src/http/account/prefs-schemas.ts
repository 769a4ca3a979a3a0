import { Type, type Static } from '@sinclair/typebox';

/** A query parameter; given more than once, the first counts (as in ntfy). */
export const QUERY_TEXT = (description: string) => Type.Union([Type.String(), Type.Array(Type.String())], { description });

/** `PATCH /v1/account/settings` (ntfy's `prefs`): every field optional, unknown ones ignored, as ntfy does. */
export const SettingsBody = Type.Object({
  language: Type.Optional(Type.String({ maxLength: 32 })),
  notification: Type.Optional(Type.Object({
    sound: Type.Optional(Type.String({ maxLength: 64 })),
    min_priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 5 })),
    /** Seconds; 0 = never. */
    delete_after: Type.Optional(Type.Integer({ minimum: 0 })),
  })),
});
export type SettingsBody = Static<typeof SettingsBody>;

/** One web-app subscription, as `POST`/`PATCH /v1/account/subscription` take it and `GET /v1/account` lists it. */
export const SubscriptionBody = Type.Object({
  base_url: Type.String({ minLength: 1, maxLength: 2048 }),
  topic: Type.String({ pattern: '^[-_A-Za-z0-9]{1,64}$' }),
  display_name: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
});
export type SubscriptionBody = Static<typeof SubscriptionBody>;

/** `DELETE /v1/account/subscription`'s query parameters, the fallback for its `X-BaseURL` and `X-Topic` headers. */
export const SubscriptionQuery = Type.Object({
  baseurl: Type.Optional(QUERY_TEXT('the base URL of the subscription (or the `X-BaseURL` header)')),
  topic: Type.Optional(QUERY_TEXT('its topic (or the `X-Topic` header)')),
});
