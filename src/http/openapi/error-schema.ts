import { Type, type Static } from '@sinclair/typebox';

/** Herald's one error shape (errors/herald-error.ts `toJSON`), as every error answer carries it. */
export const ErrorAnswer = Type.Object({
  code: Type.Integer({ description: 'Herald error code; the first three digits are the HTTP status' }),
  http: Type.Integer({ description: 'the HTTP status, repeated' }),
  error: Type.String({ description: 'what went wrong, for people' }),
  link: Type.Optional(Type.String({ description: 'where the error is explained' })),
}, { additionalProperties: false, description: 'An error, in Herald\'s one error shape', examples: [{ code: 40024, http: 400, error: 'invalid request: request body must be valid JSON: /to: Expected required property' }] });
export type ErrorAnswer = Static<typeof ErrorAnswer>;

/** The error answers every documented route may give, by status class. */
export const ERROR_ANSWERS = { '4xx': ErrorAnswer, '5xx': ErrorAnswer } as const;
