import { Type, type Static } from '@sinclair/typebox';

const URL_FIELD = Type.String({ minLength: 1, maxLength: 2048, description: 'https URL that receives the signed POSTs' });
const EVENTS_FIELD = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 50, description: "event types, or ['*'] for all" });
const DESCRIPTION = Type.String({ maxLength: 500 });

export const EndpointCreateBody = Type.Object({ url: URL_FIELD, events: EVENTS_FIELD, description: Type.Optional(DESCRIPTION) }, { additionalProperties: false });
export type EndpointCreateBody = Static<typeof EndpointCreateBody>;

export const EndpointPatchBody = Type.Object({
  url: Type.Optional(URL_FIELD),
  events: Type.Optional(EVENTS_FIELD),
  description: Type.Optional(DESCRIPTION),
  enabled: Type.Optional(Type.Boolean({ description: 'false switches the endpoint off; true switches it on again' })),
}, { additionalProperties: false });

export const EndpointRotateBody = Type.Object({
  overlap: Type.Optional(Type.String({ maxLength: 20, description: "how long the old secret keeps signing too, e.g. '24h' (default) or '0s'" })),
}, { additionalProperties: false });

export const EndpointParams = Type.Object({ id: Type.String({ pattern: '^ep_[A-Za-z0-9]{16}$' }) });
export type EndpointParams = Static<typeof EndpointParams>;

export const EndpointListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
}, { additionalProperties: false });
export type EndpointListQuery = Static<typeof EndpointListQuery>;

export const AttemptsQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }, { additionalProperties: false });
export type AttemptsQuery = Static<typeof AttemptsQuery>;

export type EndpointPatchBody = Static<typeof EndpointPatchBody>;
