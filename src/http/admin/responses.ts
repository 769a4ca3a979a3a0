import { Type, type Static } from '@sinclair/typebox';

/** Answer shapes of the admin face. The users routes keep ntfy's shapes, which its CLI and web app read. */

const UNIX = Type.Integer({ minimum: 0, description: 'Unix seconds' });

export const KeyAnswer = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'the first characters of the secret, to recognise the key by' }),
  scopes: Type.Array(Type.String()),
  categories: Type.Array(Type.String()),
  created: UNIX,
  expires: Type.Optional(UNIX),
  last_used: Type.Optional(UNIX),
  revoked: Type.Optional(UNIX),
}, { additionalProperties: false, description: 'An API key, without its secret' });
export type KeyAnswer = Static<typeof KeyAnswer>;

export const KeyListAnswer = Type.Array(KeyAnswer, { description: 'Every API key, revoked ones too' });

export const NewKeyAnswer = Type.Composite([KeyAnswer, Type.Object({ key: Type.String({ description: 'the secret (hk_…), shown only now' }) })], { additionalProperties: false, description: 'The new key, with its secret' });

export const AuditEntryAnswer = Type.Object({
  id: Type.Integer(),
  time: UNIX,
  actor: Type.String({ description: 'user:<name>, key:<id>, cli or anonymous' }),
  action: Type.String({ description: 'family.verb, e.g. key.revoke' }),
  target: Type.Optional(Type.String()),
  address: Type.Optional(Type.String({ description: "the caller's address" })),
  details: Type.Record(Type.String(), Type.Unknown()),
}, { additionalProperties: false });

export const AuditAnswer = Type.Array(AuditEntryAnswer, { description: 'Audit entries, newest first' });

const PERMISSION = Type.Union((['read-write', 'read-only', 'write-only', 'deny-all'] as const).map((p) => Type.Literal(p)));

export const UserAnswer = Type.Object({
  username: Type.String({ description: "'*' stands for everyone, anonymous callers included" }),
  role: Type.Union([Type.Literal('admin'), Type.Literal('user')]),
  tier: Type.Optional(Type.String()),
  provisioned: Type.Optional(Type.Boolean({ description: 'true when defined in the server config: the API may not change it' })),
  grants: Type.Array(Type.Object({ topic: Type.String(), permission: PERMISSION }, { additionalProperties: false })),
}, { additionalProperties: false });

export const UsersAnswer = Type.Array(UserAnswer, { description: 'Every user and their grants' });

export const SuccessAnswer = Type.Object({ success: Type.Literal(true) }, { additionalProperties: false, description: 'Done' });

export const VersionAnswer = Type.Object({
  version: Type.String(),
  commit: Type.String({ description: 'empty when the build did not know it' }),
  date: Type.String({ description: 'when the build ran, RFC 3339; empty when unknown' }),
}, { additionalProperties: false, description: 'The running build' });

export const WhoamiAnswer = Type.Object({
  kind: Type.Union([Type.Literal('user'), Type.Literal('key')], { description: 'a topics-face user (Basic or token) or an API key' }),
  name: Type.String({ description: 'the user name, or `key:<id>` for a key' }),
  role: Type.Union([Type.Literal('admin'), Type.Literal('user')], { description: 'keys count as `user`: their scopes say what they may do' }),
  scopes: Type.Array(Type.String(), { description: "the API scopes the caller holds: `admin` for admin users, the key's own for a key, none for other users" }),
  categories: Type.Array(Type.String(), { description: 'the categories a key is limited to; empty: all' }),
}, { additionalProperties: false, description: 'Who the credentials belong to' });

export const StatsAnswer = Type.Object({
  messages: Type.Integer({ minimum: 0, description: 'messages ever published' }),
  messages_rate: Type.Number({ minimum: 0, description: 'messages per second, averaged over recent minutes' }),
}, { additionalProperties: false, description: 'Message statistics' });

export const UserTokenAnswer = Type.Object({
  id: Type.String({ description: 'tok_…: names the token in admin calls; derived from it one way, so it reveals nothing' }),
  prefix: Type.String({ description: 'the first characters of the token, to recognise it by' }),
  label: Type.Optional(Type.String()),
  last_access: Type.Integer({ minimum: 0, description: 'Unix seconds; 0 when never used' }),
  last_origin: Type.Optional(Type.String({ description: 'the address it was last used from' })),
  expires: Type.Optional(Type.Integer({ minimum: 0, description: 'Unix seconds; absent for a token that never expires' })),
  provisioned: Type.Optional(Type.Literal(true, { description: 'defined in the config; the API may not delete it' })),
}, { additionalProperties: false, description: "One of a user's access tokens, without the token" });
export type UserTokenAnswer = Static<typeof UserTokenAnswer>;

export const UserTokensAnswer = Type.Array(UserTokenAnswer, { description: "The user's access tokens" });

export const NewUserTokenAnswer = Type.Composite([UserTokenAnswer, Type.Object({ token: Type.String({ description: 'the token (tk_…), shown only now' }) })], { additionalProperties: false, description: 'The new token, with the token itself' });
