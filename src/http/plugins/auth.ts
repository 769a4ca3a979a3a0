import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Action } from '../../core/auth/acl.js';
import type { AuthService } from '../../core/auth/auth-service.js';
import { parseCredentials } from '../../core/auth/credentials.js';
import { ANONYMOUS, type Principal } from '../../core/auth/principal.js';
import { isHeraldError } from '../../errors/index.js';
import type { Clock } from '../../ports/clock.js';
import type { Visitor } from '../../core/limits/visitor.js';
import type { IncomingHttpHeaders } from 'node:http';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling: a user, or the anonymous `*`. Anonymous for everyone while auth is off. */
    principal: Principal;
  }
}

/**
 * Authenticates a request's credentials (Authorization header, or `?auth=` for browser
 * WebSockets). Bad credentials are 401 on every route and spend a token of the visitor's
 * auth-failure bucket; once that is empty, credentialed requests get 429 42909.
 */
export async function authenticateRequest(
  auth: AuthService | undefined,
  source: { headers: IncomingHttpHeaders; query: unknown },
  visitor: Visitor,
  clock: Clock,
  origin: string,
): Promise<Principal> {
  if (!auth) return ANONYMOUS;
  const header = source.headers.authorization;
  const query = source.query as Record<string, string | string[] | undefined> | undefined;
  const headerValue = typeof header === 'string' && header !== '' ? header : undefined;
  const queryValue = firstString(query?.auth) || firstString(query?.authorization) || undefined;
  if (!headerValue && !queryValue) return ANONYMOUS;
  const now = clock.now();
  visitor.checkAuthFailures(now);
  try {
    const credentials = parseCredentials(headerValue, queryValue);
    // Other schemes (e.g. `WebPush …`, `vapid …`) are not ours: the caller stays anonymous.
    if (!credentials) return ANONYMOUS;
    return await auth.authenticate(credentials, origin);
  } catch (err) {
    if (isHeraldError(err) && err.http === 401) visitor.recordAuthFailure(now);
    throw err;
  }
}

export function registerAuth(app: FastifyInstance, auth: AuthService | undefined, clock: Clock): void {
  app.decorateRequest('principal', null as never);
  app.addHook('onRequest', async (request) => {
    request.principal = await authenticateRequest(auth, request, request.visitor, clock, request.ip);
  });
}

/** 403 unless the caller may do `action` on all topics; a no-op while access control is off. */
export async function requireAccess(auth: AuthService | undefined, request: FastifyRequest, topics: readonly string[], action: Action): Promise<void> {
  if (auth) await auth.authorize(request.principal, topics, action);
}

/** A repeated query parameter arrives as an array; the first value counts. */
function firstString(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
