import type { FastifyInstance } from 'fastify';
import type { AuthService } from '../../core/auth/auth-service.js';
import type { Principal } from '../../core/auth/principal.js';
import type { Visitor, VisitorRegistry } from '../../core/limits/visitor.js';
import type { Clock } from '../../ports/clock.js';

/**
 * The visitor a caller counts against, as in ntfy: a user with a tier is their own visitor
 * (`user:<id>`, the tier's limits); everyone else, users without a tier included, is the visitor of
 * their address.
 */
export async function visitorOf(auth: AuthService | undefined, visitors: VisitorRegistry, principal: Principal, byAddress: Visitor): Promise<Visitor> {
  if (!auth || principal.userId === null || principal.tierId === undefined) return byAddress;
  const tier = await auth.tierOf(principal);
  return tier ? visitors.forUser(principal.userId, tier) : byAddress;
}

/**
 * Once the caller is known, picks their visitor and spends a token of its request bucket on
 * rate-limited routes. It runs after authentication so a tier's bigger bucket applies to its
 * users; failed credentials are limited by the address's auth-failure bucket before that.
 */
export function registerTierVisitor(app: FastifyInstance, auth: AuthService | undefined, visitors: VisitorRegistry, clock: Clock): void {
  app.addHook('onRequest', async (request) => {
    request.visitor = await visitorOf(auth, visitors, request.principal, request.visitor);
    if (request.routeOptions.config?.rateLimited) await request.visitor.takeRequest(clock.now());
  });
}
