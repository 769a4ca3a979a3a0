import type { FastifyRequest } from 'fastify';
import type { CallService } from '../../core/calls/call-service.js';
import { HeraldError } from '../../errors/index.js';
import { withExample, type SchemaApp } from '../plugins/schema-routes.js';
import { ACCOUNT, requireUser, SUCCESS, TAGS } from './route-parts.js';
import { PhoneNumberBody, PhoneVerifyBody } from './schemas.js';

function userId(request: FastifyRequest): string {
  const id = request.principal.userId;
  if (id === null) throw new HeraldError('unauthorized');
  return id;
}

/**
 * `/v1/account/phone` (ntfy's): verify a number with a code sent by SMS or call, add it once the
 * code checks out, remove it. The routes exist only while calls are configured (404 otherwise, as
 * in ntfy) and need a logged-in user. `accountChanged` tells the account's other browsers (its
 * sync topic) that the numbers changed.
 */
export function registerPhoneRoutes(app: SchemaApp, calls: CallService | undefined, accountChanged?: (userId: string) => Promise<void>): void {
  if (!calls) return;

  // Each code costs a text or a call at the gateway, so this one counts against the request limit.
  app.post('/account/phone/verify', {
    schema: {
      summary: 'Send a verification code to a phone number',
      description: 'Sends a code by `sms` or `call`; only for admins and users whose limits grant calls. Exists only while phone calls are configured.',
      tags: TAGS,
      body: withExample(PhoneVerifyBody, { number: '+12025550123', channel: 'sms' }),
      response: SUCCESS,
    },
    config: { ...ACCOUNT, rateLimited: true },
    onRequest: requireUser,
  }, async (request, reply) => {
    const id = userId(request);
    const body = request.body;
    // Numbers are for users who may be called: admins, and users whose limits grant calls.
    const allowed = request.principal.role === 'admin' || request.visitor.limits.callsPerDay > 0;
    await calls.startVerification(id, body.number ?? '', body.channel ?? '', allowed);
    return reply.send({ success: true });
  });

  app.put('/account/phone', {
    schema: {
      summary: 'Add a verified phone number',
      description: 'Adds the number once `code` checks out. Exists only while phone calls are configured.',
      tags: TAGS,
      body: withExample(PhoneNumberBody, { number: '+12025550123', code: '123456' }),
      response: SUCCESS,
    },
    config: ACCOUNT,
    onRequest: requireUser,
  }, async (request, reply) => {
    const id = userId(request);
    await calls.confirm(id, request.body.number ?? '', request.body.code ?? '');
    await accountChanged?.(id);
    return reply.send({ success: true });
  });

  app.delete('/account/phone', {
    schema: {
      summary: 'Remove a phone number',
      description: 'Exists only while phone calls are configured.',
      tags: TAGS,
      body: withExample(PhoneNumberBody, { number: '+12025550123' }),
      response: SUCCESS,
    },
    config: ACCOUNT,
    onRequest: requireUser,
  }, async (request, reply) => {
    const id = userId(request);
    await calls.remove(id, request.body.number ?? '');
    await accountChanged?.(id);
    return reply.send({ success: true });
  });
}
