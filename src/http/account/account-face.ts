import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../deps.js';
import { schemaRoutes } from '../plugins/schema-routes.js';
import { registerAccountRoutes } from './account-routes.js';
import { registerPhoneRoutes } from './phone-routes.js';
import { registerReservationRoutes } from './reservation-routes.js';
import { registerTierRoutes } from './tier-routes.js';

/**
 * ntfy's account API, registered under `/v1`: `/account…` and `/tiers`. ntfy's web app and apps
 * call it, so its answers keep ntfy's fields; its routes are typed and checked by their TypeBox
 * schemas.
 */
export function registerAccountFace(app: FastifyInstance, deps: HttpDeps): void {
  const api = schemaRoutes(app);
  registerAccountRoutes(api, deps, deps.auth);
  registerPhoneRoutes(api, deps.calls, deps.auth ? (userId) => deps.auth!.accountChanged(userId) : undefined);
  registerReservationRoutes(api, deps);
  registerTierRoutes(api, deps);
}
