import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ApiKeyRecord } from '../../ports/api-key-store.js';
import type { KeyIssuer } from '../../core/keys/grants.js';
import { parseScopes } from '../../core/keys/scopes.js';
import { parseHumanDuration } from '../../util/durations.js';
import { HeraldError } from '../../errors/index.js';
import type { HttpDeps } from '../deps.js';
import { sendJson } from '../account/account-routes.js';
import { jsonBody } from '../account/json-body.js';
import { auditContext } from '../plugins/audit-context.js';

const KeyCreateBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  scopes: Type.Array(Type.String(), { minItems: 1, maxItems: 50 }),
  categories: Type.Optional(Type.Array(Type.String({ pattern: '^[-_.a-z0-9]{1,64}$' }), { maxItems: 100 })),
  expires: Type.Optional(Type.String({ description: 'a duration such as 90d' })),
});
const KeyRotateBody = Type.Object({ overlap: Type.Optional(Type.String({ description: 'how long the old key keeps working, e.g. 24h' })) });
const KeyParams = Type.Object({ id: Type.String({ pattern: '^key_[A-Za-z0-9]{12}$' }) });
const DEFAULT_OVERLAP_MS = 24 * 3600_000;

/** Key listings never carry secrets or their hashes. */
export function keyJson(k: ApiKeyRecord): Record<string, unknown> {
  return {
    id: k.id, name: k.name, prefix: k.prefix, scopes: k.scopes, categories: k.categories, created: k.created,
    expires: k.expires || undefined, last_used: k.lastUsed || undefined, revoked: k.revoked || undefined,
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
export function registerKeyRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const { keys } = deps;
  const scope = { scope: 'keys:write' as const };

  app.get('/v1/keys', { config: scope }, async (_request, reply) => sendJson(reply, (await keys.list()).map(keyJson)));

  app.post('/v1/keys', { config: scope }, async (request, reply) => {
    const body = jsonBody(request, KeyCreateBody);
    const expiresMs = duration(body.expires, 'expires');
    const created = await keys.create(auditContext(request), {
      name: body.name,
      scopes: parseScopes(body.scopes.join(',')),
      ...(body.categories ? { categories: body.categories } : {}),
      ...(expiresMs !== undefined ? { expiresMs } : {}),
    }, issuerOf(request));
    return sendJson(reply, { ...keyJson(created.key), key: created.secret });
  });

  app.delete('/v1/keys/:id', { schema: { params: KeyParams }, config: scope }, async (request, reply) => {
    await keys.revoke(auditContext(request), (request.params as { id: string }).id);
    deps.onAccessChange();
    return sendJson(reply, { success: true });
  });

  app.post('/v1/keys/:id/rotate', { schema: { params: KeyParams }, config: scope }, async (request, reply) => {
    const body = jsonBody(request, KeyRotateBody);
    const created = await keys.rotate(auditContext(request), (request.params as { id: string }).id, duration(body.overlap, 'overlap') ?? DEFAULT_OVERLAP_MS, issuerOf(request));
    // With no overlap the old key ends now; otherwise the stream guard's timer ends its streams later.
    deps.onAccessChange();
    return sendJson(reply, { ...keyJson(created.key), key: created.secret });
  });
}
