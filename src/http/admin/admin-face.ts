import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../deps.js';
import { schemaRoutes } from '../plugins/schema-routes.js';
import { registerAuditRoutes } from './audit-routes.js';
import { registerKeyRoutes } from './key-routes.js';
import { registerServerRoutes } from './routes.js';
import { registerStatsSeriesRoutes } from './stats-series-routes.js';
import { registerUsersRoutes } from './users-routes.js';
import { registerUserTokenRoutes } from './user-token-routes.js';

/**
 * The admin API, registered under `/v1`: `/health`, `/version`, `/stats`, `/stats/series`, `/keys`,
 * `/audit`, and ntfy's `/users` and `/users/access`, and `/users/tokens`. Its routes are typed and
 * checked by their TypeBox schemas.
 */
export function registerAdminFace(app: FastifyInstance, deps: HttpDeps): void {
  const api = schemaRoutes(app);
  registerServerRoutes(api, deps);
  registerUsersRoutes(api, deps.auth, deps.onAccessChange, deps.tiers);
  registerUserTokenRoutes(api, deps.auth, deps.onAccessChange);
  registerKeyRoutes(api, deps);
  registerAuditRoutes(api, deps);
  registerStatsSeriesRoutes(api, deps);
}
