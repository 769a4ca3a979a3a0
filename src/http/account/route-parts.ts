import type { FastifyRequest } from 'fastify';
import { HeraldError } from '../../errors/index.js';
import { ERROR_ANSWERS } from '../openapi/error-schema.js';
import { withExample } from '../plugins/schema-routes.js';
import { SuccessAnswer } from './responses.js';

/** Route options the account face's routes share. */
export const ACCOUNT = { scope: 'account' as const };
export const TAGS = ['account'];
export const SUCCESS = { 200: withExample(SuccessAnswer, { success: true }), ...ERROR_ANSWERS };

/**
 * The logged-in user's own account (401 for anonymous callers). Run as an `onRequest` hook, so
 * the 401 comes before anything about the body, as it always has.
 */
export async function requireUser(request: FastifyRequest): Promise<void> {
  if (request.principal.userId === null) throw new HeraldError('unauthorized');
}
