import { Type, type Static } from '@sinclair/typebox';

/** Answer shapes of the event webhooks API. */

const TIME = Type.String({ description: 'RFC 3339 time in UTC' });
const SECRET = Type.String({ description: 'whsec_… (Standard Webhooks signing secret)' });

export const EventTypesAnswer = Type.Object({ types: Type.Array(Type.String()) }, { additionalProperties: false, description: 'The event types an endpoint may receive' });

export const EndpointAnswer = Type.Object({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  description: Type.String(),
  enabled: Type.Boolean(),
  disabled_at: Type.Optional(TIME),
  disabled_reason: Type.Optional(Type.String()),
  secret: Type.Optional(Type.String({ description: 'the signing secret (whsec_…), only when it was just made' })),
  previous_secret_expires_at: Type.Optional(Type.String({ description: 'RFC 3339; until then the previous secret signs too' })),
  consecutive_failures: Type.Integer({ minimum: 0 }),
  created_at: TIME,
  updated_at: TIME,
}, { additionalProperties: false, description: 'An event endpoint' });
export type EndpointAnswer = Static<typeof EndpointAnswer>;

export const EndpointListAnswer = Type.Object({
  endpoints: Type.Array(EndpointAnswer),
  next_cursor: Type.Optional(Type.String({ description: 'pass as `cursor` for the next page; absent on the last' })),
}, { additionalProperties: false, description: 'A page of event endpoints' });

export const EndpointSecretAnswer = Type.Object({
  secret: SECRET,
  previous_secret: Type.Optional(SECRET),
  previous_secret_expires_at: Type.Optional(TIME),
}, { additionalProperties: false, description: 'The signing secret, and the previous one while it still signs' });

export const AttemptAnswer = Type.Object({
  message_id: Type.String({ description: 'the webhook-id, the same for every attempt of one message' }),
  type: Type.String(),
  attempt: Type.Integer({ minimum: 1 }),
  result: Type.Union([Type.Literal('succeeded'), Type.Literal('retrying'), Type.Literal('failed')]),
  at: TIME,
  status: Type.Optional(Type.Integer({ description: "the receiver's HTTP status" })),
  error: Type.Optional(Type.String()),
}, { additionalProperties: false });
export type AttemptAnswer = Static<typeof AttemptAnswer>;

export const AttemptsAnswer = Type.Object({ attempts: Type.Array(AttemptAnswer) }, { additionalProperties: false, description: 'Recent delivery attempts, newest first' });
