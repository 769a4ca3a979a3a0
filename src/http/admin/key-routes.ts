import type { FastifyRequest } from 'fastify';
import type { ApiKeyRecord } from '../../ports/api-key-store.js';
import type { KeyIssuer } from '../../core/keys/grants.js';
import { parseScopes } from '../../core/keys/scopes.js';
import { parseHumanDuration } from '../../util/durations.js';
import { HeraldError } from '../../errors/index.js';
import type { HttpDeps } from '../deps.js';
import { ERROR_ANSWERS } from '../openapi/error-schema.js';
import { auditContext } from '../plugins/audit-context.js';
import { withExample, type SchemaApp } from '../plugins/schema-routes.js';
import { keyCreateExample, keyExample, newKeyExample } from './examples.js';
import { KeyListAnswer, NewKeyAnswer, SuccessAnswer, type KeyAnswer } from './responses.js';
import { KeyCreateBody, KeyParams, KeyRotateBody } from './schemas.js';

const DEFAULT_OVERLAP_MS = 24 * 3600_000;
const TAGS = ['admin'];
const WRITE = { scope: 'keys:write' as const };
const NEW_KEY = withExample(NewKeyAnswer, newKeyExample);

/** Key listings never carry secrets or their hashes. */
export function keyJson(k: ApiKeyRecord): KeyAnswer {
  return {
    id: k.id, name: k.name, prefix: k.prefix, scopes: k.scopes, categories: k.categories, created: k.created,
    ...(k.expires ? { expires: k.expires } : {}), ...(k.lastUsed ? { last_used: k.lastUsed } : {}), ...(k.revoked ? { revoked: k.revoked } : {}),
  };
}

function duration(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseHumanDuration(text);
  if (ms === undefined) throw new HeraldError('badRequest', { detail: `invalid ${what} duration '${text}'` });
  return ms;
}

/** The key asking, when an API key asks; admin users issue keys without limits. */
function issuerOf(request: FastifyRequest): KeyIssuer | undefined {
  const p = request.principal;
  return p.role !== 'admin' && p.apiKey ? { scopes: p.apiKey.scopes, categories: p.apiKey.categories, ...(p.apiKey.expiresAt !== undefined ? { expiresAt: p.apiKey.expiresAt } : {}) } : undefined;
}

/** `/v1/keys`: create, list, revoke and rotate API keys (admins and keys with `keys:write`). */
export function registerKeyRoutes(app: SchemaApp, deps: HttpDeps): void {
  const { keys } = deps;

  app.get('/keys', {
    schema: { summary: 'List API keys', description: 'Every key, revoked ones too; never their secrets.', tags: TAGS, response: { 200: withExample(KeyListAnswer, [keyExample]), ...ERROR_ANSWERS } },
    config: WRITE,
  }, async (_request, reply) => reply.send((await keys.list()).map(keyJson)));

  app.post('/keys', {
    schema: {
      summary: 'Create an API key',
      description: 'The secret is in this answer only. A key may create keys with no more than it holds itself: its scopes, its categories, its expiry.',
      tags: TAGS,
      body: withExample(KeyCreateBody, keyCreateExample),
      response: { 200: NEW_KEY, ...ERROR_ANSWERS },
    },
    config: WRITE,
  }, async (request, reply) => {
    const body = request.body;
    const expiresMs = duration(body.expires, 'expires');
    const created = await keys.create(auditContext(request), {
      name: body.name,
      scopes: parseScopes(body.scopes.join(',')),
      ...(body.categories ? { categories: body.categories } : {}),
      ...(expiresMs !== undefined ? { expiresMs } : {}),
    }, issuerOf(request));
    return reply.send({ ...keyJson(created.key), key: created.secret });
  });

  app.delete('/keys/:id', {
    schema: { summary: 'Revoke an API key', description: 'Its open streams end at once.', tags: TAGS, params: KeyParams, response: { 200: withExample(SuccessAnswer, { success: true }), ...ERROR_ANSWERS } },
    config: WRITE,
  }, async (request, reply) => {
    await keys.revoke(auditContext(request), request.params.id);
    deps.onAccessChange();
    return reply.send({ success: true });
  });

  app.post('/keys/:id/rotate', {
    schema: {
      summary: 'Rotate an API key',
      description: 'A new key with the same name, scopes and categories; the old one keeps working for `overlap`, then is revoked.',
      tags: TAGS,
      params: KeyParams,
      body: withExample(KeyRotateBody, { overlap: '1h' }),
      response: { 200: NEW_KEY, ...ERROR_ANSWERS },
    },
    config: WRITE,
  }, async (request, reply) => {
    const created = await keys.rotate(auditContext(request), request.params.id, duration(request.body.overlap, 'overlap') ?? DEFAULT_OVERLAP_MS, issuerOf(request));
    // With no overlap the old key ends now; otherwise the stream guard's timer ends its streams later.
    deps.onAccessChange();
    return reply.send({ ...keyJson(created.key), key: created.secret });
  });
}
