import type { HttpDeps } from '../deps.js';
import { ERROR_ANSWERS } from '../openapi/error-schema.js';
import { withExample, type SchemaApp } from '../plugins/schema-routes.js';
import { limitsJson } from './account-limits.js';
import { tiersExample } from './examples.js';
import { TiersAnswer } from './responses.js';
import { TAGS } from './route-parts.js';

/**
 * `GET /v1/tiers`: the limits without a tier first (ntfy's "free" entry, no code), then every
 * tier by code with its limits. ntfy serves it only with Stripe, for the upgrade dialog; Herald
 * has no payments and serves it whenever accounts exist, without prices.
 */
export function registerTierRoutes(app: SchemaApp, deps: HttpDeps): void {
  const { tiers } = deps;
  if (!deps.auth || !tiers) return;
  app.get('/tiers', {
    schema: {
      summary: 'Tiers and their limits',
      description: 'The limits without a tier first (no `code`), then every tier. No prices: Herald has no payments.',
      tags: TAGS,
      response: { 200: withExample(TiersAnswer, tiersExample), ...ERROR_ANSWERS },
    },
    config: { scope: 'public' as const },
  }, async (_request, reply) => {
    const base = deps.visitors.baseLimits;
    const list = await tiers.list();
    return reply.send([
      { limits: limitsJson(base, undefined) },
      ...list.map((tier) => ({ code: tier.code, name: tier.name, limits: limitsJson(deps.visitors.forTierLimits(tier), tier) })),
    ]);
  });
}
