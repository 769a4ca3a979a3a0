import { Type, type Static } from '@sinclair/typebox';

/**
 * Answer shapes of the account face, which ntfy's web app and apps read: ntfy's field names, and
 * fields ntfy leaves out when unset are optional here (they are left out, never null).
 */

const COUNT = Type.Integer({ minimum: 0 });
const PERMISSION = Type.Union([Type.Literal('read-write'), Type.Literal('read-only'), Type.Literal('write-only'), Type.Literal('deny-all')]);

export const SuccessAnswer = Type.Object({ success: Type.Literal(true) }, { additionalProperties: false, description: 'Done' });

export const TokenAnswer = Type.Object({
  token: Type.String({ description: 'tk_…' }),
  label: Type.Optional(Type.String()),
  last_access: Type.Integer({ description: 'Unix seconds; 0 when never used' }),
  last_origin: Type.Optional(Type.String({ description: 'the address it was last used from' })),
  expires: Type.Optional(Type.Integer({ description: 'Unix seconds; absent for a token that never expires' })),
  provisioned: Type.Optional(Type.Literal(true, { description: 'defined in the config; the API may not change it' })),
}, { additionalProperties: false, description: 'An access token' });
export type TokenAnswer = Static<typeof TokenAnswer>;

export const SubscriptionAnswer = Type.Object({
  base_url: Type.String(),
  topic: Type.String(),
  display_name: Type.Union([Type.String(), Type.Null()], { description: 'null when unset' }),
}, { additionalProperties: false, description: "A web-app subscription kept with the account" });
export type SubscriptionAnswer = Static<typeof SubscriptionAnswer>;

export const LimitsAnswer = Type.Object({
  basis: Type.Union([Type.Literal('tier'), Type.Literal('ip')], { description: "`tier` for a user with a tier, `ip` for the server's defaults" }),
  messages: COUNT,
  messages_expiry_duration: Type.Integer({ description: 'seconds' }),
  emails: COUNT,
  calls: COUNT,
  reservations: COUNT,
  attachment_total_size: Type.Integer({ description: 'bytes' }),
  attachment_file_size: Type.Integer({ description: 'bytes' }),
  attachment_expiry_duration: Type.Integer({ description: 'seconds' }),
  attachment_bandwidth: Type.Integer({ description: 'bytes a day' }),
}, { additionalProperties: false, description: 'Limits (ntfy\'s `limits`)' });
export type LimitsAnswer = Static<typeof LimitsAnswer>;

const STATS = Type.Object({
  messages: COUNT,
  messages_remaining: COUNT,
  emails: COUNT,
  emails_remaining: COUNT,
  calls: COUNT,
  calls_remaining: COUNT,
  reservations: COUNT,
  reservations_remaining: COUNT,
  attachment_total_size: COUNT,
  attachment_total_size_remaining: COUNT,
}, { additionalProperties: false, description: "What the caller used today, against its limits" });

const TIER = Type.Object({ code: Type.String(), name: Type.String() }, { additionalProperties: false });

export const NotificationPrefs = Type.Object({
  sound: Type.Optional(Type.String()),
  min_priority: Type.Optional(Type.Integer()),
  delete_after: Type.Optional(Type.Integer({ description: 'seconds; 0 = never' })),
}, { additionalProperties: false });

export const AccountAnswer = Type.Object({
  username: Type.String({ description: '`*` for anonymous callers' }),
  role: Type.Union([Type.Literal('admin'), Type.Literal('user'), Type.Literal('anonymous')]),
  sync_topic: Type.Optional(Type.String({ description: 'where changes to the account are announced' })),
  provisioned: Type.Optional(Type.Literal(true)),
  language: Type.Optional(Type.String()),
  notification: Type.Optional(NotificationPrefs),
  subscriptions: Type.Optional(Type.Array(SubscriptionAnswer)),
  reservations: Type.Optional(Type.Array(Type.Object({ topic: Type.String(), everyone: PERMISSION }, { additionalProperties: false }), { description: 'with enable-reservations, when there are any' })),
  tokens: Type.Optional(Type.Array(TokenAnswer)),
  phone_numbers: Type.Optional(Type.Array(Type.String())),
  tier: Type.Optional(TIER),
  limits: LimitsAnswer,
  stats: STATS,
}, { additionalProperties: false, description: 'The caller\'s account; unset or empty fields are left out' });
export type AccountAnswer = Static<typeof AccountAnswer>;

export const TiersAnswer = Type.Array(Type.Object({
  code: Type.Optional(Type.String({ description: 'absent on the first entry: the limits without a tier' })),
  name: Type.Optional(Type.String()),
  limits: LimitsAnswer,
}, { additionalProperties: false }), { description: 'The limits without a tier, then every tier' });
export type TiersAnswer = Static<typeof TiersAnswer>;
