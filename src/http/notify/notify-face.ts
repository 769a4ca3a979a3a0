import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../deps.js';
import { schemaRoutes } from '../plugins/schema-routes.js';
import { registerDirectoryRoutes } from './directory-routes.js';
import { registerConsoleRoutes } from './console-routes.js';
import { registerNotifyRoutes } from './notify-routes.js';

/**
 * The notify API on schema-driven routes, registered under `/v1`: `/notify`, `/subscribers/{id}`
 * (with its export and preferences), `/categories` and `/templates`. The inbox and the provider
 * callbacks are registered apart, in a raw-body context, until they move too.
 */
export function registerNotifyFace(app: FastifyInstance, deps: HttpDeps): void {
  const api = schemaRoutes(app);
  registerDirectoryRoutes(api, deps);
  registerNotifyRoutes(api, deps);
  registerConsoleRoutes(api, deps);
}
