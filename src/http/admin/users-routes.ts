import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthService } from '../../core/auth/auth-service.js';
import type { TierService } from '../../core/auth/tier-service.js';
import { parsePermission } from '../../core/auth/permissions.js';
import { HeraldError } from '../../errors/index.js';
import { sendJson } from '../account/account-routes.js';
import { auditContext } from '../plugins/audit-context.js';
import { jsonBody } from '../account/json-body.js';
import { AccessGrantBody, AccessResetBody, UserCreateBody, UserDeleteBody } from '../account/schemas.js';

const ACCOUNT = { config: { scope: 'account' as const } };

/** Admin routes of ntfy's API; anyone but an admin gets 401. */
function requireAdmin(request: FastifyRequest): void {
  if (request.principal.role !== 'admin') throw new HeraldError('unauthorized');
}

/** `/v1/users` and `/v1/users/access` (admin only; they exist only with `auth-file`). */
export function registerUsersRoutes(app: FastifyInstance, auth: AuthService | undefined, onAccessChange: () => void, tiers?: TierService): void {
  if (!auth) return;

  app.get('/v1/users', ACCOUNT, async (request, reply) => {
    requireAdmin(request);
    return sendJson(reply, await auth.listUsers());
  });

  const createOrUpdate = (create: boolean) => async (request: FastifyRequest, reply: import('fastify').FastifyReply) => {
    requireAdmin(request);
    const body = jsonBody(request, UserCreateBody);
    // ntfy checks the tier first, so a bad one leaves the user as it was (400 40030).
    if (body.tier && (!tiers || !(await tiers.byCode(body.tier)))) throw new HeraldError('tierInvalid', { detail: body.tier });
    if (create) {
      if (!body.password && !body.hash) throw new HeraldError('badRequest', { detail: 'password or hash required' });
      await auth.addUser(body.username, body.password ?? '', body.role ?? 'user', body.hash, auditContext(request));
    } else {
      if (!(await auth.userExists(body.username))) throw new HeraldError('userNotFound');
      if (body.password) await auth.changePassword(body.username, body.password, auditContext(request));
      if (body.hash) await auth.changePasswordHash(body.username, body.hash, auditContext(request));
      if (body.role) await auth.changeRole(body.username, body.role, auditContext(request));
    }
    if (body.tier && tiers) await tiers.setUserTier(body.username, body.tier, auditContext(request));
    onAccessChange();
    return sendJson(reply, { success: true });
  };
  app.post('/v1/users', ACCOUNT, createOrUpdate(true));
  app.put('/v1/users', ACCOUNT, createOrUpdate(false));

  app.delete('/v1/users', ACCOUNT, async (request, reply) => {
    requireAdmin(request);
    await auth.removeUser(jsonBody(request, UserDeleteBody).username, auditContext(request));
    onAccessChange();
    return sendJson(reply, { success: true });
  });

  const grant = async (request: FastifyRequest, reply: import('fastify').FastifyReply) => {
    requireAdmin(request);
    const body = jsonBody(request, AccessGrantBody);
    await auth.grant(body.username, body.topic, parsePermission(body.permission), auditContext(request));
    onAccessChange();
    return sendJson(reply, { success: true });
  };
  app.put('/v1/users/access', ACCOUNT, grant);
  app.post('/v1/users/access', ACCOUNT, grant);

  app.delete('/v1/users/access', ACCOUNT, async (request, reply) => {
    requireAdmin(request);
    const body = jsonBody(request, AccessResetBody);
    await auth.resetAccess(body.username, body.topic, auditContext(request));
    onAccessChange();
    return sendJson(reply, { success: true });
  });
}
