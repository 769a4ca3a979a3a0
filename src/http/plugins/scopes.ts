import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isApiScope, scopeAllows, type RouteScope } from '../../core/keys/scopes.js';
import { HeraldError } from '../../errors/index.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** How the route is protected; every route declares one (checked when routes are added). */
    scope?: RouteScope;
  }
  interface FastifyInstance {
    /** Every route with the scope it declared (`GET /v1/audit` → `audit:read`), for listings and tests. */
    routeScopes: Map<string, RouteScope>;
    /** The scope of routes a context adds without one (set by {@link publicRoutes}); none elsewhere. */
    defaultRouteScope?: RouteScope;
  }
}

/**
 * The one place API scopes are enforced. Routes declare `config.scope`; a route added without
 * one fails at start-up, so nothing can slip through unprotected. (Each API key's request bucket
 * is spent just before, by key-rate-limit.ts.)
 */
export function registerScopes(app: FastifyInstance): void {
  const routeScopes = new Map<string, RouteScope>();
  app.decorate('routeScopes', routeScopes);
  app.addHook('onRoute', function (route) {
    const scope = (route.config as { scope?: RouteScope } | undefined)?.scope ?? this.defaultRouteScope;
    if (!scope) throw new Error(`route ${String(route.method)} ${route.url} declares no scope`);
    route.config = { ...route.config, scope };
    for (const method of [route.method].flat()) routeScopes.set(`${method} ${route.url}`, scope);
  });
  // A callback, not async: it never waits (see app.ts). A throw here reaches the error handler all the same.
  app.addHook('onRequest', (request, _reply, done) => {
    checkScope(request.principal, request.routeOptions.config?.scope);
    done();
  });
}

/** Throws 401 or 403 unless the principal may call a route of this scope. */
function checkScope(principal: FastifyRequest['principal'], scope: RouteScope | undefined): void {
  if (!scope || !isApiScope(scope)) return;
  if (principal.role === 'admin') return;
  if (!principal.apiKey) throw new HeraldError('unauthorized');
  if (!scopeAllows(principal.apiKey.scopes, scope)) throw new HeraldError('scopeMissing', { detail: `needs ${scope}` });
}

/**
 * Routes a third-party plugin adds in this context (which cannot declare a scope) are public:
 * for plugins that serve only public material, such as the API reference's pages and assets.
 */
export function publicRoutes(app: FastifyInstance): void {
  app.decorate('defaultRouteScope', 'public');
}
