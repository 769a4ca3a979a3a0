import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../deps.js';
import { useRawBodies } from '../plugins/body-parsers.js';
import { registerDeviceRoutes } from './device-routes.js';
import { registerDlqRoutes } from './dlq-routes.js';
import { registerPushRoutes } from './push-routes.js';
import { registerWebPushRoutes } from './webpush-routes.js';

/** The push API: `/v1/push`, `/v1/devices`, `/v1/users/{user}/topics`, `/v1/dlq`, `/v1/webpush`. */
export function registerPushFace(app: FastifyInstance, deps: HttpDeps): void {
  useRawBodies(app);
  registerDeviceRoutes(app, deps);
  registerPushRoutes(app, deps);
  registerDlqRoutes(app, deps);
  registerWebPushRoutes(app, deps);
}
