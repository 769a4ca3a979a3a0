import { Type, type Static } from '@sinclair/typebox';

/** Request shapes of the admin face: API keys and the audit log. */

export const KeyCreateBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  scopes: Type.Array(Type.String(), { minItems: 1, maxItems: 50, description: 'API scopes such as push:send, or a family wildcard such as devices:*' }),
  categories: Type.Optional(Type.Array(Type.String({ pattern: '^[-_.a-z0-9]{1,64}$' }), { maxItems: 100, description: 'notification categories the key may act in; none means all' })),
  expires: Type.Optional(Type.String({ description: 'a duration such as 90d' })),
});
export type KeyCreateBody = Static<typeof KeyCreateBody>;

export const KeyRotateBody = Type.Object({ overlap: Type.Optional(Type.String({ description: 'how long the old key keeps working, e.g. 24h (default)' })) });

export const KeyParams = Type.Object({ id: Type.String({ pattern: '^key_[A-Za-z0-9]{12}$' }) });

export const AuditQuery = Type.Object({
  since: Type.Optional(Type.Integer({ minimum: 0, description: 'Unix seconds' })),
  actor: Type.Optional(Type.String({ maxLength: 200 })),
  action: Type.Optional(Type.String({ maxLength: 100 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
}, { additionalProperties: false });
