import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CallService } from '../../core/calls/call-service.js';
import { HeraldError } from '../../errors/index.js';
import { sendJson } from './account-routes.js';
import { jsonBody } from './json-body.js';
import { PhoneNumberBody, PhoneVerifyBody } from './schemas.js';

const ACCOUNT = { config: { scope: 'account' as const } };

function userId(request: FastifyRequest): string {
  const id = request.principal.userId;
  if (id === null) throw new HeraldError('unauthorized');
  return id;
}

/**
 * `/v1/account/phone` (ntfy's): verify a number with a code sent by SMS or call, add it once the
 * code checks out, remove it. The routes exist only while calls are configured (404 otherwise, as
 * in ntfy) and need a logged-in user.
 */
/** `accountChanged`: tells the account's other browsers (its sync topic) that the numbers changed. */
export function registerPhoneRoutes(app: FastifyInstance, calls: CallService | undefined, accountChanged?: (userId: string) => Promise<void>): void {
  if (!calls) return;

  // Each code costs a text or a call at the gateway, so this one counts against the request limit.
  app.post('/v1/account/phone/verify', { config: { scope: 'account' as const, rateLimited: true } }, async (request, reply) => {
    const id = userId(request);
    const body = jsonBody(request, PhoneVerifyBody);
    // Numbers are for users who may be called: admins, and users whose limits grant calls.
    const allowed = request.principal.role === 'admin' || request.visitor.limits.callsPerDay > 0;
    await calls.startVerification(id, body.number ?? '', body.channel ?? '', allowed);
    return sendJson(reply, { success: true });
  });

  app.put('/v1/account/phone', ACCOUNT, async (request, reply) => {
    const id = userId(request);
    const body = jsonBody(request, PhoneNumberBody);
    await calls.confirm(id, body.number ?? '', body.code ?? '');
    await accountChanged?.(id);
    return sendJson(reply, { success: true });
  });

  app.delete('/v1/account/phone', ACCOUNT, async (request, reply) => {
    const id = userId(request);
    const body = jsonBody(request, PhoneNumberBody);
    await calls.remove(id, body.number ?? '');
    await accountChanged?.(id);
    return sendJson(reply, { success: true });
  });
}
