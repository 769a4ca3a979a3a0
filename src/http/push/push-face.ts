import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../deps.js';
import { schemaRoutes } from '../plugins/schema-routes.js';
import { registerDeviceRoutes } from './device-routes.js';
import { registerDlqRoutes } from './dlq-routes.js';
import { registerPushRoutes } from './push-routes.js';
import { registerWebPushRoutes } from './webpush-routes.js';

/**
 * The push API, registered under `/v1`: `/push`, `/devices`, `/users/{user}/topics`, `/dlq`,
 * `/subscriber-tokens`, `/webpush`. Its routes are typed and checked by their TypeBox schemas.
 */
export function registerPushFace(app: FastifyInstance, deps: HttpDeps): void {
  const api = schemaRoutes(app);
  registerDeviceRoutes(api, deps);
  registerPushRoutes(api, deps);
  registerDlqRoutes(api, deps);
  registerWebPushRoutes(api, deps);
}
