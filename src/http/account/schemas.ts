import { Type, type Static } from '@sinclair/typebox';
import { QUERY_TEXT } from './prefs-schemas.js';

export const PasswordChangeBody = Type.Object({ password: Type.String(), new_password: Type.String({ minLength: 1 }) });
export type PasswordChangeBody = Static<typeof PasswordChangeBody>;

export const TokenCreateBody = Type.Object({ label: Type.Optional(Type.String({ maxLength: 200 })), expires: Type.Optional(Type.Integer({ minimum: 0 })) });
export type TokenCreateBody = Static<typeof TokenCreateBody>;

export const TokenUpdateBody = Type.Object({
  token: Type.Optional(Type.String()),
  label: Type.Optional(Type.String({ maxLength: 200 })),
  expires: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type TokenUpdateBody = Static<typeof TokenUpdateBody>;

export const SignupBody = Type.Object({ username: Type.String(), password: Type.String({ minLength: 1 }) });
export type SignupBody = Static<typeof SignupBody>;

export const AccountDeleteBody = Type.Object({ password: Type.String() });
export type AccountDeleteBody = Static<typeof AccountDeleteBody>;

export const UserCreateBody = Type.Object({
  username: Type.String(),
  password: Type.Optional(Type.String()),
  hash: Type.Optional(Type.String({ pattern: '^\\$2[aby]\\$\\d{2}\\$.{53}$' })),
  role: Type.Optional(Type.Union([Type.Literal('admin'), Type.Literal('user')])),
  tier: Type.Optional(Type.String()),
});
export type UserCreateBody = Static<typeof UserCreateBody>;

export const UserDeleteBody = Type.Object({ username: Type.String() });
export type UserDeleteBody = Static<typeof UserDeleteBody>;

export const AccessGrantBody = Type.Object({ username: Type.String(), topic: Type.String(), permission: Type.String() });
export type AccessGrantBody = Static<typeof AccessGrantBody>;

export const AccessResetBody = Type.Object({ username: Type.String(), topic: Type.Optional(Type.String()) });
export type AccessResetBody = Static<typeof AccessResetBody>;

// Missing fields read as empty strings, which fail the number check with ntfy's 40033 (not 40024).
export const PhoneVerifyBody = Type.Object({ number: Type.Optional(Type.String()), channel: Type.Optional(Type.String()) });
export type PhoneVerifyBody = Static<typeof PhoneVerifyBody>;

export const PhoneNumberBody = Type.Object({ number: Type.Optional(Type.String()), code: Type.Optional(Type.String()) });
export type PhoneNumberBody = Static<typeof PhoneNumberBody>;

export const ReservationBody = Type.Object({ topic: Type.String(), everyone: Type.String() });
export type ReservationBody = Static<typeof ReservationBody>;

export const ReservationParams = Type.Object({ topic: Type.String({ description: 'the reserved topic' }) });

export const ReservationQuery = Type.Object({
  'delete-messages': Type.Optional(QUERY_TEXT('`true` to delete the topic\'s cached messages too (or the `X-Delete-Messages` header)')),
  'x-delete-messages': Type.Optional(QUERY_TEXT('the same')),
});
