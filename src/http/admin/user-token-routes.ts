import type { FastifyRequest } from 'fastify';
import type { AuthService } from '../../core/auth/auth-service.js';
import { TOKEN_SHOWN_PREFIX, tokenId } from '../../core/auth/tokens.js';
import type { TokenRecord } from '../../ports/auth-store.js';
import { HeraldError } from '../../errors/index.js';
import { ERROR_ANSWERS } from '../openapi/error-schema.js';
import { auditContext } from '../plugins/audit-context.js';
import { withExample, type SchemaApp } from '../plugins/schema-routes.js';
import { userTokenExample } from './examples.js';
import { NewUserTokenAnswer, SuccessAnswer, UserTokensAnswer, type UserTokenAnswer } from './responses.js';
import { UserTokenCreateBody, UserTokenDeleteBody, UserTokensQuery } from './schemas.js';

const TAGS = ['users'];

async function requireAdmin(request: FastifyRequest): Promise<void> {
  if (request.principal.role !== 'admin') throw new HeraldError('unauthorized');
}
const ADMIN_ONLY = { config: { scope: 'account' as const }, preParsing: requireAdmin };

/** A token as an admin listing shows it: an id and a few leading characters, never the token. */
function userTokenJson(t: TokenRecord): UserTokenAnswer {
  return {
    id: tokenId(t.token),
    prefix: t.token.slice(0, TOKEN_SHOWN_PREFIX),
    ...(t.label ? { label: t.label } : {}),
    last_access: t.lastAccess,
    ...(t.lastOrigin ? { last_origin: t.lastOrigin } : {}),
    ...(t.expires ? { expires: t.expires } : {}),
    ...(t.provisioned ? { provisioned: true as const } : {}),
  };
}

/**
 * `/v1/users/tokens` (Herald's, beside ntfy's `/v1/users`): an admin lists, creates and deletes
 * a user's access tokens, as `herald token` does on the command line. Listings name tokens by a
 * one-way id; the token itself is shown once, when an admin creates it.
 */
export function registerUserTokenRoutes(app: SchemaApp, auth: AuthService | undefined, onAccessChange: () => void): void {
  if (!auth) return;

  app.get('/users/tokens', {
    schema: {
      summary: "List a user's access tokens",
      description: 'Admin users only. Each token by its id and first characters, never the token itself.',
      tags: TAGS,
      querystring: UserTokensQuery,
      response: { 200: withExample(UserTokensAnswer, [userTokenExample]), ...ERROR_ANSWERS },
    },
    ...ADMIN_ONLY,
  }, async (request, reply) => reply.send((await auth.tokensOf(request.query.username)).map(userTokenJson)));

  app.post('/users/tokens', {
    schema: {
      summary: 'Create an access token for a user',
      description: 'Admin users only. The token is in this answer only.',
      tags: TAGS,
      body: withExample(UserTokenCreateBody, { username: 'ben', label: 'backup script', expires: 1772355600 }),
      response: { 200: withExample(NewUserTokenAnswer, { ...userTokenExample, token: 'tk_x7b2qkd93mfa0zpe1c8wn5rv4tyhs' }), ...ERROR_ANSWERS },
    },
    ...ADMIN_ONLY,
  }, async (request, reply) => {
    const { username, label, expires } = request.body;
    const record = await auth.createTokenFor(username, { ...(label !== undefined ? { label } : {}), expiresSec: expires ?? 0 }, '', auditContext(request));
    return reply.send({ ...userTokenJson(record), token: record.token });
  });

  app.delete('/users/tokens', {
    schema: {
      summary: "Delete a user's access token",
      description: 'Admin users only. Streams opened with the token end at once.',
      tags: TAGS,
      body: withExample(UserTokenDeleteBody, { username: 'ben', id: 'tok_5d41402abc4b2a76' }),
      response: { 200: withExample(SuccessAnswer, { success: true }), ...ERROR_ANSWERS },
    },
    ...ADMIN_ONLY,
  }, async (request, reply) => {
    await auth.removeTokenWithId(request.body.username, request.body.id, auditContext(request));
    onAccessChange();
    return reply.send({ success: true });
  });
}
