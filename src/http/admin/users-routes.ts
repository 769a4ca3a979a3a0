import type { FastifyRequest } from 'fastify';
import type { AuditContext } from '../../core/audit/audit-trail.js';
import type { AuthService } from '../../core/auth/auth-service.js';
import type { TierService } from '../../core/auth/tier-service.js';
import { parsePermission } from '../../core/auth/permissions.js';
import { HeraldError } from '../../errors/index.js';
import { AccessGrantBody, AccessResetBody, UserCreateBody, UserDeleteBody } from '../account/schemas.js';
import { ERROR_ANSWERS } from '../openapi/error-schema.js';
import { auditContext } from '../plugins/audit-context.js';
import { withExample, type SchemaApp } from '../plugins/schema-routes.js';
import { usersExample } from './examples.js';
import { SuccessAnswer, UsersAnswer } from './responses.js';

const TAGS = ['users'];
const SUCCESS = { 200: withExample(SuccessAnswer, { success: true }), ...ERROR_ANSWERS };

/** Admin routes of ntfy's API; anyone but an admin gets 401, before the body is even parsed. */
async function requireAdmin(request: FastifyRequest): Promise<void> {
  if (request.principal.role !== 'admin') throw new HeraldError('unauthorized');
}
const ADMIN_ONLY = { config: { scope: 'account' as const }, preParsing: requireAdmin };

/**
 * `/v1/users` and `/v1/users/access` (admin only; they exist only with `auth-file`). ntfy's CLI
 * and web app call them, so paths, bodies and answers keep ntfy's shapes.
 */
export function registerUsersRoutes(app: SchemaApp, auth: AuthService | undefined, onAccessChange: () => void, tiers?: TierService): void {
  if (!auth) return;

  app.get('/users', {
    schema: { summary: 'List users', description: 'ntfy-compatible. Every user with their grants; `*` holds the grants of everyone.', tags: TAGS, response: { 200: withExample(UsersAnswer, usersExample), ...ERROR_ANSWERS } },
    ...ADMIN_ONLY,
  }, async (_request, reply) => reply.send(await auth.listUsers()));

  const createOrUpdate = async (create: boolean, body: UserCreateBody, ctx: AuditContext): Promise<{ success: true }> => {
    // ntfy checks the tier first, so a bad one leaves the user as it was (400 40030).
    if (body.tier && (!tiers || !(await tiers.byCode(body.tier)))) throw new HeraldError('tierInvalid', { detail: body.tier });
    if (create) {
      if (!body.password && !body.hash) throw new HeraldError('badRequest', { detail: 'password or hash required' });
      await auth.addUser(body.username, body.password ?? '', body.role ?? 'user', body.hash, ctx);
    } else {
      if (!(await auth.userExists(body.username))) throw new HeraldError('userNotFound');
      if (body.password) await auth.changePassword(body.username, body.password, ctx);
      if (body.hash) await auth.changePasswordHash(body.username, body.hash, ctx);
      if (body.role) await auth.changeRole(body.username, body.role, ctx);
    }
    if (body.tier && tiers) await tiers.setUserTier(body.username, body.tier, ctx);
    onAccessChange();
    return { success: true };
  };
  app.post('/users', {
    schema: {
      summary: 'Create a user',
      description: 'ntfy-compatible. Give `password`, or `hash` (a bcrypt hash) instead.',
      tags: TAGS,
      body: withExample(UserCreateBody, { username: 'ben', password: 'correct-horse', role: 'user', tier: 'pro' }),
      response: SUCCESS,
    },
    ...ADMIN_ONLY,
  }, async (request, reply) => reply.send(await createOrUpdate(true, request.body, auditContext(request))));
  app.put('/users', {
    schema: {
      summary: 'Change a user',
      description: 'ntfy-compatible. Changes what is given: password (or hash), role, tier.',
      tags: TAGS,
      body: withExample(UserCreateBody, { username: 'ben', role: 'admin' }),
      response: SUCCESS,
    },
    ...ADMIN_ONLY,
  }, async (request, reply) => reply.send(await createOrUpdate(false, request.body, auditContext(request))));

  app.delete('/users', {
    schema: { summary: 'Remove a user', description: 'ntfy-compatible.', tags: TAGS, body: withExample(UserDeleteBody, { username: 'ben' }), response: SUCCESS },
    ...ADMIN_ONLY,
  }, async (request, reply) => {
    await auth.removeUser(request.body.username, auditContext(request));
    onAccessChange();
    return reply.send({ success: true });
  });

  const grant = {
    schema: {
      summary: 'Grant a user access to topics',
      description: 'ntfy-compatible. `topic` may end in `*`; `permission` is read-write, read-only, write-only or deny-all (or rw, ro, wo, deny). POST and PUT do the same.',
      tags: TAGS,
      body: withExample(AccessGrantBody, { username: 'ben', topic: 'backups*', permission: 'read-only' }),
      response: SUCCESS,
    },
    ...ADMIN_ONLY,
  };
  const grantHandler = async (body: AccessGrantBody, ctx: AuditContext): Promise<{ success: true }> => {
    await auth.grant(body.username, body.topic, parsePermission(body.permission), ctx);
    onAccessChange();
    return { success: true };
  };
  app.put('/users/access', grant, async (request, reply) => reply.send(await grantHandler(request.body, auditContext(request))));
  app.post('/users/access', grant, async (request, reply) => reply.send(await grantHandler(request.body, auditContext(request))));

  app.delete('/users/access', {
    schema: {
      summary: "Reset a user's access",
      description: 'ntfy-compatible. Removes the grant for `topic`, or every grant of the user without one.',
      tags: TAGS,
      body: withExample(AccessResetBody, { username: 'ben', topic: 'backups*' }),
      response: SUCCESS,
    },
    ...ADMIN_ONLY,
  }, async (request, reply) => {
    await auth.resetAccess(request.body.username, request.body.topic, auditContext(request));
    onAccessChange();
    return reply.send({ success: true });
  });
}
