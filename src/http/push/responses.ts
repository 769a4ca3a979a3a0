import { Type, type Static } from '@sinclair/typebox';
import { DELIVERY_STATE, PROVIDER } from './schemas.js';

/** Answer shapes of the push API; json.ts builds them from the records. */

const TIME = Type.String({ description: 'RFC 3339 time in UTC' });
const WEB_PUSH_SUBSCRIPTION = Type.Object({
  endpoint: Type.String(),
  keys: Type.Object({ p256dh: Type.String(), auth: Type.String() }, { additionalProperties: false }),
}, { additionalProperties: false });
const TOKEN = Type.Union([Type.String(), WEB_PUSH_SUBSCRIPTION], { description: 'a provider token, or a browser PushSubscription for Web Push' });
const COUNT = Type.Integer({ minimum: 0 });
const STATE_COUNTS = Type.Record(Type.String({ description: 'a delivery state' }), COUNT);

export const DeviceAnswer = Type.Object({
  id: Type.String(),
  app: Type.String(),
  provider: PROVIDER,
  platform: Type.String(),
  token: TOKEN,
  user: Type.Union([Type.String(), Type.Null()]),
  topics: Type.Array(Type.String()),
  locale: Type.Union([Type.String(), Type.Null()]),
  timezone: Type.Union([Type.String(), Type.Null()]),
  meta: Type.Record(Type.String(), Type.Unknown()),
  state: Type.Union([Type.Literal('active'), Type.Literal('invalid')]),
  invalid_reason: Type.Union([Type.String(), Type.Null()]),
  created_at: TIME,
  updated_at: TIME,
  last_seen_at: TIME,
}, { additionalProperties: false, description: 'A registered device' });
export type DeviceAnswer = Static<typeof DeviceAnswer>;

export const DeviceListAnswer = Type.Object({
  devices: Type.Array(DeviceAnswer),
  next_cursor: Type.Optional(Type.String({ description: 'pass as `cursor` for the next page; absent on the last' })),
  total_count: Type.Optional(Type.Integer({ minimum: 0, description: 'with include_total_count: every matching device' })),
}, { additionalProperties: false, description: 'A page of devices' });

export const SuccessAnswer = Type.Object({ success: Type.Literal(true) }, { additionalProperties: false, description: 'Done' });

export const UserTopicsAnswer = Type.Object({ user: Type.String(), topics: Type.Array(Type.String()) }, { additionalProperties: false, description: 'The topics of a user' });

const PUSH_STATE = Type.Union((['scheduled', 'queued', 'routing', 'sending', 'done', 'cancelled'] as const).map((s) => Type.Literal(s)));

export const PushAccepted = Type.Object({
  id: Type.String(),
  state: PUSH_STATE,
  targets: Type.Integer({ minimum: 0, description: 'deliveries routed so far' }),
  duplicate: Type.Optional(Type.Literal(true, { description: 'a push with this id was already accepted; nothing new is sent' })),
}, { additionalProperties: false, description: 'Accepted; delivery goes on in the background' });
export type PushAccepted = Static<typeof PushAccepted>;

export const PushViewAnswer = Type.Object({
  id: Type.String(),
  state: PUSH_STATE,
  created_at: TIME,
  send_at: Type.Optional(TIME),
  expires_at: Type.Optional(TIME),
  targets: COUNT,
  counts: STATE_COUNTS,
  by_provider: Type.Record(Type.String({ description: 'a provider' }), STATE_COUNTS),
}, { additionalProperties: false, description: 'Where a push stands' });
export type PushViewAnswer = Static<typeof PushViewAnswer>;

export const PushSummaryAnswer = Type.Composite([PushViewAnswer, Type.Object({
  actor: Type.String({ description: 'who sent it: key:<id>, a user name, or topic:<name> for topic messages' }),
  category: Type.Union([Type.String(), Type.Null()]),
  title: Type.Optional(Type.String()),
  body: Type.Optional(Type.String()),
})], { additionalProperties: false, description: 'A push in the list' });
export type PushSummaryAnswer = Static<typeof PushSummaryAnswer>;

export const PushListAnswer = Type.Object({
  pushes: Type.Array(PushSummaryAnswer),
  next_cursor: Type.Optional(Type.String({ description: 'pass as `cursor` for the next page; absent on the last' })),
}, { additionalProperties: false, description: 'A page of pushes, newest first' });

const PROVIDER_PREVIEW = Type.Object({
  provider: PROVIDER,
  configured: Type.Boolean({ description: 'false: no app of this provider is configured, so nothing is sent to it' }),
  app: Type.Optional(Type.String({ description: 'the app whose encoder built it' })),
  bytes: Type.Optional(Type.Integer({ minimum: 0, description: "the payload size the provider's limit applies to" })),
  headers: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'request headers that come from the push (credentials left out)' })),
  body: Type.Optional(Type.Unknown({ description: 'the request body, for a stand-in device token' })),
  note: Type.Optional(Type.String()),
  error: Type.Optional(Type.Object({ code: Type.Integer(), error: Type.String() }, { additionalProperties: false, description: 'why this provider would refuse the push' })),
}, { additionalProperties: false });

export const PushPreviewAnswer = Type.Object({
  providers: Type.Array(PROVIDER_PREVIEW),
}, { additionalProperties: false, description: 'What each provider would receive' });
export type PushPreviewAnswer = Static<typeof PushPreviewAnswer>;

export const DeliveryAnswer = Type.Object({
  id: Type.String(),
  device: Type.Optional(Type.String()),
  token: Type.Optional(TOKEN),
  topic: Type.Optional(Type.String({ description: 'an FCM or HMS topic the provider fanned out' })),
  condition: Type.Optional(Type.String({ description: 'an FCM or HMS condition the provider fanned out' })),
  provider: PROVIDER,
  app: Type.String(),
  state: DELIVERY_STATE,
  attempts: COUNT,
  last_status: Type.Optional(Type.Integer()),
  last_error: Type.Optional(Type.String()),
  provider_id: Type.Optional(Type.String()),
  next_attempt_at: Type.Optional(TIME),
  created_at: TIME,
  updated_at: TIME,
  sent_at: Type.Optional(TIME),
}, { additionalProperties: false, description: 'One delivery of a push' });
export type DeliveryAnswer = Static<typeof DeliveryAnswer>;

export const DeliveriesAnswer = Type.Object({
  deliveries: Type.Array(DeliveryAnswer),
  next_cursor: Type.Optional(Type.String()),
}, { additionalProperties: false, description: 'A page of deliveries' });

export const DeadDeliveriesAnswer = Type.Object({
  deliveries: Type.Array(Type.Composite([DeliveryAnswer, Type.Object({ push: Type.String({ description: 'the push it belongs to' }) })], { additionalProperties: false })),
  next_cursor: Type.Optional(Type.String()),
}, { additionalProperties: false, description: 'A page of dead deliveries' });

export const CancelAnswer = Type.Object({ cancelled: Type.Integer({ minimum: 0, description: 'deliveries cancelled' }) }, { additionalProperties: false, description: 'Cancelled' });

const LATENCY = Type.Object({ p50: Type.Number(), p95: Type.Number(), p99: Type.Number(), count: COUNT }, { additionalProperties: false });

export const StatsAnswer = Type.Object({
  since: TIME,
  until: TIME,
  app: Type.Optional(Type.String()),
  by_provider: Type.Record(Type.String({ description: 'a provider' }), STATE_COUNTS, { description: 'deliveries that ended in the window, by the state they ended in' }),
  attempts: Type.Record(Type.String({ description: 'a provider' }), Type.Record(Type.String({ description: 'an outcome' }), COUNT), { description: 'attempts made in the window, by outcome' }),
  latency_ms: Type.Union([LATENCY, Type.Null()], { description: 'send latency percentiles of first sends; null when none' }),
}, { additionalProperties: false, description: 'Delivery statistics for a window' });

export const ReplayAnswer = Type.Object({ replayed: COUNT }, { additionalProperties: false, description: 'Dead deliveries queued again' });

export const SubscriberTokenAnswer = Type.Object({ subscriber: Type.String(), token: Type.String({ description: 'st_…' }) }, { additionalProperties: false, description: 'A subscriber token' });

export const VapidKeyAnswer = Type.Object({ public_key: Type.String({ description: 'the VAPID public key, base64url' }) }, { additionalProperties: false, description: 'The VAPID public key' });
