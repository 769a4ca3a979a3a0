import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Action } from '../../core/auth/acl.js';
import type { AuthService } from '../../core/auth/auth-service.js';
import { parseCredentials, type Credentials } from '../../core/auth/credentials.js';
import { ANONYMOUS, type Principal } from '../../core/auth/principal.js';
import { ApiKeyService } from '../../core/keys/api-key-service.js';
import type { Visitor } from '../../core/limits/visitor.js';
import { isHeraldError } from '../../errors/index.js';
import type { Clock } from '../../ports/clock.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling: a user, an API key, or the anonymous `*`. */
    principal: Principal;
  }
}

export interface Authenticators {
  /** ntfy-style accounts; undefined while `auth-file` is unset. */
  auth: AuthService | undefined;
  keys: ApiKeyService;
}

/**
 * Authenticates a request's credentials (Authorization header, or `?auth=` for browser
 * WebSockets). API keys (`hk_…`) are always checked; user credentials only with `auth-file`
 * (without it ntfy ignores them, and so do we). Bad credentials are 401 on every route and spend
 * a token of the visitor's auth-failure bucket; once that is empty, credentialed requests get
 * 429 42909.
 */
export async function authenticateRequest(
  authenticators: Authenticators,
  source: { headers: IncomingHttpHeaders; query: unknown },
  visitor: Visitor,
  clock: Clock,
  origin: string,
): Promise<Principal> {
  const header = source.headers.authorization;
  const query = source.query as Record<string, string | string[] | undefined> | undefined;
  const headerValue = typeof header === 'string' && header !== '' ? header : undefined;
  const queryValue = firstString(query?.auth) || firstString(query?.authorization) || undefined;
  if (!headerValue && !queryValue) return ANONYMOUS;
  const now = clock.now();
  try {
    const credentials = parseCredentials(headerValue, queryValue);
    // Other schemes (e.g. `WebPush …`, `vapid …`) are not ours: the caller stays anonymous.
    if (!credentials) return ANONYMOUS;
    if (credentials.kind === 'bearer' && credentials.token.startsWith('st_')) return { ...ANONYMOUS, subscriberToken: credentials.token };
    const key = apiKeyOf(credentials);
    if (key !== undefined) {
      await visitor.checkAuthFailures(now);
      const record = await authenticators.keys.authenticate(key);
      return { userId: null, name: `key:${record.id}`, role: 'anonymous', apiKey: { id: record.id, scopes: record.scopes, categories: record.categories, ...(record.expires > 0 ? { expiresAt: record.expires * 1000 } : {}) } };
    }
    if (!authenticators.auth) return ANONYMOUS;
    await visitor.checkAuthFailures(now);
    return await authenticators.auth.authenticate(credentials, origin);
  } catch (err) {
    if (isHeraldError(err) && err.http === 401) await visitor.recordAuthFailure(now);
    throw err;
  }
}

function apiKeyOf(credentials: Credentials): string | undefined {
  if (credentials.kind === 'bearer') return ApiKeyService.looksLikeKey(credentials.token) ? credentials.token : undefined;
  return credentials.username === '' && ApiKeyService.looksLikeKey(credentials.password) ? credentials.password : undefined;
}

/** A repeated query parameter arrives as an array; the first value counts. */
function firstString(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function registerAuth(app: FastifyInstance, authenticators: Authenticators, clock: Clock): void {
  app.decorateRequest('principal', null as never);
  app.addHook('onRequest', async (request) => {
    const source = request.routeOptions.config?.credentials?.(request) ?? request;
    request.principal = await authenticateRequest(authenticators, source, request.visitor, clock, request.ip);
  });
}

/** 403 unless the caller may do `action` on all topics; a no-op while access control is off. */
export async function requireAccess(auth: AuthService | undefined, request: FastifyRequest, topics: readonly string[], action: Action): Promise<void> {
  if (auth) await auth.authorize(request.principal, topics, action);
}
