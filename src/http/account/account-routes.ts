import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService } from '../../core/auth/auth-service.js';
import type { TokenRecord } from '../../ports/auth-store.js';
import { HeraldError } from '../../errors/index.js';
import type { HttpDeps } from '../deps.js';
import { jsonBody } from './json-body.js';
import { accountLimitParts } from './account-limits.js';
import { prefsJson, registerPrefsRoutes } from './prefs-routes.js';
import { auditContext } from '../plugins/audit-context.js';
import { AccountDeleteBody, PasswordChangeBody, SignupBody, TokenCreateBody, TokenUpdateBody } from './schemas.js';

const ACCOUNT = { config: { scope: 'account' as const } };

export function sendJson(reply: FastifyReply, body: unknown): FastifyReply {
  return reply.type('application/json').send(`${JSON.stringify(body)}\n`);
}

function tokenJson(t: TokenRecord): Record<string, unknown> {
  return { token: t.token, label: t.label || undefined, last_access: t.lastAccess, last_origin: t.lastOrigin || undefined, expires: t.expires || undefined, provisioned: t.provisioned || undefined };
}

/** The logged-in user's own account (401 for anonymous callers). */
function requireUser(request: FastifyRequest): void {
  if (request.principal.userId === null) throw new HeraldError('unauthorized');
}

/**
 * `/v1/account*` (ntfy's account API). `GET /v1/account` answers anonymous callers too; everything
 * else needs `auth-file` (404 without it) and, except sign-up, a logged-in user.
 */
export function registerAccountRoutes(app: FastifyInstance, deps: HttpDeps, auth: AuthService | undefined): void {
  const { config, clock } = deps;

  app.get('/v1/account', ACCOUNT, async (request, reply) => {
    const p = request.principal;
    // ntfy's field order (apiAccountResponse): username, role, sync_topic, provisioned, language,
    // notification, subscriptions, reservations, tokens, phone_numbers, tier, limits, stats.
    // Fields that are unset or empty are left out, as ntfy does.
    const body: Record<string, unknown> = {
      username: p.name,
      role: p.role,
    };
    const { reservations, ...limitParts } = await accountLimitParts(deps, p, request.visitor);
    const user = auth && p.userId !== null ? await auth.userOf(p) : undefined;
    if (auth && user) {
      body.sync_topic = user.syncTopic;
      body.provisioned = user.provisioned || undefined;
      Object.assign(body, prefsJson(await auth.prefsOf(p)));
      body.reservations = reservations;
      const tokens = await auth.tokensOf(p.name);
      if (tokens.length > 0) body.tokens = tokens.map(tokenJson);
      const phones = (await deps.calls?.numbers(user.id)) ?? [];
      if (phones.length > 0) body.phone_numbers = phones;
    }
    Object.assign(body, limitParts);
    return sendJson(reply, body);
  });

  if (!auth) return;
  registerPrefsRoutes(app, auth);

  app.post('/v1/account', ACCOUNT, async (request, reply) => {
    if (!config.enableSignup) throw new HeraldError('signupDisabled');
    await request.visitor.takeAccountCreation(clock.now());
    const body = jsonBody(request, SignupBody);
    await auth.addUser(body.username, body.password, 'user', undefined, auditContext(request));
    return sendJson(reply, { success: true });
  });

  app.delete('/v1/account', ACCOUNT, async (request, reply) => {
    requireUser(request);
    const body = jsonBody(request, AccountDeleteBody);
    await auth.deleteOwnAccount(request.principal, body.password, auditContext(request));
    return sendJson(reply, { success: true });
  });

  app.post('/v1/account/password', ACCOUNT, async (request, reply) => {
    requireUser(request);
    const body = jsonBody(request, PasswordChangeBody);
    await auth.changeOwnPassword(request.principal, body.password, body.new_password, auditContext(request));
    return sendJson(reply, { success: true });
  });

  app.post('/v1/account/token', ACCOUNT, async (request, reply) => {
    requireUser(request);
    const body = jsonBody(request, TokenCreateBody);
    const options: { label?: string; expiresSec?: number } = {};
    if (body.label !== undefined) options.label = body.label;
    if (body.expires !== undefined) options.expiresSec = body.expires;
    const token = await auth.createToken(request.principal, options, request.ip, auditContext(request));
    return sendJson(reply, tokenJson(token));
  });

  app.patch('/v1/account/token', ACCOUNT, async (request, reply) => {
    requireUser(request);
    const body = jsonBody(request, TokenUpdateBody);
    const token = body.token ?? request.principal.token;
    if (!token) throw new HeraldError('noTokenProvided');
    const changes: { label?: string; expiresSec?: number } = {};
    if (body.label !== undefined) changes.label = body.label;
    if (body.expires !== undefined) changes.expiresSec = body.expires;
    return sendJson(reply, tokenJson(await auth.updateToken(request.principal, token, changes)));
  });

  app.delete('/v1/account/token', ACCOUNT, async (request, reply) => {
    requireUser(request);
    const header = request.headers['x-token'];
    const token = (typeof header === 'string' && header) || request.principal.token;
    if (!token) throw new HeraldError('noTokenProvided');
    await auth.removeToken(request.principal, token, auditContext(request));
    return sendJson(reply, { success: true });
  });
}
