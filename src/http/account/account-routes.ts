import type { FastifyReply } from 'fastify';
import type { AuthService } from '../../core/auth/auth-service.js';
import type { TokenRecord } from '../../ports/auth-store.js';
import { HeraldError } from '../../errors/index.js';
import type { HttpDeps } from '../deps.js';
import { ERROR_ANSWERS } from '../openapi/error-schema.js';
import { withExample, type SchemaApp } from '../plugins/schema-routes.js';
import { accountLimitParts } from './account-limits.js';
import { accountExample, tokenExample } from './examples.js';
import { prefsJson, registerPrefsRoutes } from './prefs-routes.js';
import { auditContext } from '../plugins/audit-context.js';
import { AccountAnswer, TokenAnswer } from './responses.js';
import { ACCOUNT, requireUser, SUCCESS, TAGS } from './route-parts.js';
import { AccountDeleteBody, PasswordChangeBody, SignupBody, TokenCreateBody, TokenUpdateBody } from './schemas.js';

const TOKEN = { 200: withExample(TokenAnswer, tokenExample), ...ERROR_ANSWERS };

/** JSON with ntfy's trailing newline, for routes outside the schema-driven faces. */
export function sendJson(reply: FastifyReply, body: unknown): FastifyReply {
  return reply.type('application/json').send(`${JSON.stringify(body)}\n`);
}

function tokenJson(t: TokenRecord): TokenAnswer {
  return {
    token: t.token,
    ...(t.label ? { label: t.label } : {}),
    last_access: t.lastAccess,
    ...(t.lastOrigin ? { last_origin: t.lastOrigin } : {}),
    ...(t.expires ? { expires: t.expires } : {}),
    ...(t.provisioned ? { provisioned: true as const } : {}),
  };
}

/**
 * `/v1/account*` (ntfy's account API). `GET /v1/account` answers anonymous callers too; everything
 * else needs `auth-file` (404 without it) and, except sign-up, a logged-in user.
 */
export function registerAccountRoutes(app: SchemaApp, deps: HttpDeps, auth: AuthService | undefined): void {
  const { config, clock } = deps;

  app.get('/account', {
    schema: {
      summary: 'The caller\'s account',
      description: 'ntfy\'s account: settings, synced subscriptions, reservations, tokens and phone numbers of a logged-in user, and the limits and usage of any caller (anonymous ones get `username: "*"`).',
      tags: TAGS,
      response: { 200: withExample(AccountAnswer, accountExample), ...ERROR_ANSWERS },
      security: [{}, { userBasic: [] }, { userToken: [] }],
    },
    config: ACCOUNT,
  }, async (request, reply) => {
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
    return reply.send(body as AccountAnswer);
  });

  if (!auth) return;
  registerPrefsRoutes(app, auth);

  app.post('/account', {
    schema: {
      summary: 'Sign up',
      description: 'Creates a user account; only with `enable-signup` (40022 otherwise). Counts against the caller\'s account-creation limit.',
      tags: TAGS,
      body: withExample(SignupBody, { username: 'alice', password: 'correct horse battery staple' }),
      response: SUCCESS,
      security: [],
    },
    config: ACCOUNT,
    // Before the body is read, as ntfy checks: sign-up off, then the creation limit.
    onRequest: async (request) => {
      if (!config.enableSignup) throw new HeraldError('signupDisabled');
      await request.visitor.takeAccountCreation(clock.now());
    },
  }, async (request, reply) => {
    await auth.addUser(request.body.username, request.body.password, 'user', undefined, auditContext(request));
    return reply.send({ success: true });
  });

  app.delete('/account', {
    schema: {
      summary: 'Delete the account',
      description: 'Deletes the caller\'s own account; its password confirms it.',
      tags: TAGS,
      body: withExample(AccountDeleteBody, { password: 'correct horse battery staple' }),
      response: SUCCESS,
    },
    config: ACCOUNT,
    onRequest: requireUser,
  }, async (request, reply) => {
    await auth.deleteOwnAccount(request.principal, request.body.password, auditContext(request));
    return reply.send({ success: true });
  });

  app.post('/account/password', {
    schema: {
      summary: 'Change the password',
      tags: TAGS,
      body: withExample(PasswordChangeBody, { password: 'correct horse battery staple', new_password: 'a new long passphrase' }),
      response: SUCCESS,
    },
    config: ACCOUNT,
    onRequest: requireUser,
  }, async (request, reply) => {
    await auth.changeOwnPassword(request.principal, request.body.password, request.body.new_password, auditContext(request));
    return reply.send({ success: true });
  });

  app.post('/account/token', {
    schema: {
      summary: 'Create an access token',
      description: '`expires` is in Unix seconds; 0 or absent for a token that never expires.',
      tags: TAGS,
      body: withExample(TokenCreateBody, { label: 'phone', expires: 1767171600 }),
      response: TOKEN,
    },
    config: ACCOUNT,
    onRequest: requireUser,
  }, async (request, reply) => {
    const body = request.body;
    const options: { label?: string; expiresSec?: number } = {};
    if (body.label !== undefined) options.label = body.label;
    if (body.expires !== undefined) options.expiresSec = body.expires;
    const token = await auth.createToken(request.principal, options, request.ip, auditContext(request));
    return reply.send(tokenJson(token));
  });

  app.patch('/account/token', {
    schema: {
      summary: 'Change an access token',
      description: 'Changes the label or expiry of `token`, or of the token the request authenticated with when it is absent.',
      tags: TAGS,
      body: withExample(TokenUpdateBody, { token: 'tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2', label: 'old phone' }),
      response: TOKEN,
    },
    config: ACCOUNT,
    onRequest: requireUser,
  }, async (request, reply) => {
    const body = request.body;
    const token = body.token ?? request.principal.token;
    if (!token) throw new HeraldError('noTokenProvided');
    const changes: { label?: string; expiresSec?: number } = {};
    if (body.label !== undefined) changes.label = body.label;
    if (body.expires !== undefined) changes.expiresSec = body.expires;
    return reply.send(tokenJson(await auth.updateToken(request.principal, token, changes)));
  });

  app.delete('/account/token', {
    schema: {
      summary: 'Delete an access token',
      description: 'Deletes the token named by `X-Token`, or the one the request authenticated with.',
      tags: TAGS,
      response: SUCCESS,
    },
    config: ACCOUNT,
    onRequest: requireUser,
  }, async (request, reply) => {
    const header = request.headers['x-token'];
    const token = (typeof header === 'string' && header) || request.principal.token;
    if (!token) throw new HeraldError('noTokenProvided');
    await auth.removeToken(request.principal, token, auditContext(request));
    return reply.send({ success: true });
  });
}
