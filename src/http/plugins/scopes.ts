import type { FastifyInstance } from 'fastify';
import { TokenBucket } from '../../core/limits/token-bucket.js';
import { isApiScope, scopeAllows, type RouteScope } from '../../core/keys/scopes.js';
import { HeraldError } from '../../errors/index.js';
import type { Clock } from '../../ports/clock.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** How the route is protected; every route declares one (checked when routes are added). */
    scope?: RouteScope;
  }
  interface FastifyInstance {
    /** Every route with the scope it declared (`GET /v1/audit` → `audit:read`), for listings and tests. */
    routeScopes: Map<string, RouteScope>;
  }
}

export interface KeyRateLimit {
  burst: number;
  refillMs: number;
}

/**
 * The one place API scopes are enforced. Routes declare `config.scope`; a route added without
 * one fails at start-up, so nothing can slip through unprotected. API-key callers are also rate
 * limited per key, with IETF RateLimit-* headers on every answer.
 */
export function registerScopes(app: FastifyInstance, clock: Clock, limit: KeyRateLimit): void {
  const routeScopes = new Map<string, RouteScope>();
  app.decorate('routeScopes', routeScopes);
  app.addHook('onRoute', (route) => {
    const scope = (route.config as { scope?: RouteScope } | undefined)?.scope;
    if (!scope) throw new Error(`route ${String(route.method)} ${route.url} declares no scope`);
    for (const method of [route.method].flat()) routeScopes.set(`${method} ${route.url}`, scope);
  });
  const buckets = new Map<string, TokenBucket>();
  app.addHook('onRequest', async (request, reply) => {
    const principal = request.principal;
    if (principal.apiKey) {
      const now = clock.now();
      let bucket = buckets.get(principal.apiKey.id);
      if (!bucket) {
        if (buckets.size > 10_000) buckets.clear();
        buckets.set(principal.apiKey.id, (bucket = new TokenBucket(limit.burst, limit.refillMs, now)));
      }
      const allowed = bucket.tryTake(now);
      reply.header('ratelimit-limit', String(limit.burst));
      reply.header('ratelimit-remaining', String(bucket.available(now)));
      reply.header('ratelimit-reset', String(Math.ceil(bucket.waitMs(now) / 1000)));
      if (!allowed) throw new HeraldError('tooManyRequests', { details: { retryAfterMs: bucket.waitMs(now) } });
    }
    const scope = request.routeOptions.config?.scope;
    if (!scope || !isApiScope(scope)) return;
    if (principal.role === 'admin') return;
    if (!principal.apiKey) throw new HeraldError('unauthorized');
    if (!scopeAllows(principal.apiKey.scopes, scope)) throw new HeraldError('scopeMissing', { detail: `needs ${scope}` });
  });
}
