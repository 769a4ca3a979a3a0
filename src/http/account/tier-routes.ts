import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../deps.js';
import { limitsJson } from './account-limits.js';
import { sendJson } from './account-routes.js';

/**
 * `GET /v1/tiers`: the limits without a tier first (ntfy's "free" entry, no code), then every
 * tier by code with its limits. ntfy serves it only with Stripe, for the upgrade dialog; Herald
 * has no payments and serves it whenever accounts exist, without prices.
 */
export function registerTierRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const { tiers } = deps;
  if (!deps.auth || !tiers) return;
  app.get('/v1/tiers', { config: { scope: 'public' as const } }, async (_request, reply) => {
    const base = deps.visitors.baseLimits;
    const list = await tiers.list();
    return sendJson(reply, [
      { limits: limitsJson(base, undefined) },
      ...list.map((tier) => ({ code: tier.code, name: tier.name, limits: limitsJson(deps.visitors.forTierLimits(tier), tier) })),
    ]);
  });
}
