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
  since: Type.Optional(Type.Integer({ minimum: 0, description: 'entries at or after this time, Unix seconds' })),
  until: Type.Optional(Type.Integer({ minimum: 0, description: 'entries at or before this time, Unix seconds' })),
  actor: Type.Optional(Type.String({ maxLength: 200, description: 'exactly this actor: user:<name>, key:<id>, cli or anonymous' })),
  action: Type.Optional(Type.String({ maxLength: 100, description: 'exactly this action, e.g. key.create' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
}, { additionalProperties: false });

const USERNAME = Type.String({ minLength: 1, maxLength: 200, description: 'the user whose tokens these are' });

export const UserTokensQuery = Type.Object({ username: USERNAME }, { additionalProperties: false });
export type UserTokensQuery = Static<typeof UserTokensQuery>;

export const UserTokenCreateBody = Type.Object({
  username: USERNAME,
  label: Type.Optional(Type.String({ maxLength: 200 })),
  expires: Type.Optional(Type.Integer({ minimum: 0, description: 'Unix seconds; 0 or absent for a token that never expires (as `ntfy token add`)' })),
});
export type UserTokenCreateBody = Static<typeof UserTokenCreateBody>;

export const UserTokenDeleteBody = Type.Object({
  username: USERNAME,
  id: Type.String({ pattern: '^tok_[0-9a-f]{16}$', description: 'the id a token listing gives' }),
});
export type UserTokenDeleteBody = Static<typeof UserTokenDeleteBody>;
