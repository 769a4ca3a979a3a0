import type { FastifyInstance } from 'fastify';
import { registerAccountFace } from './account/account-face.js';
import { registerAdminFace } from './admin/admin-face.js';
import { registerMetricsRoute } from './admin/routes.js';
import { registerCentrifugoApi } from './centrifugo/centrifugo-api.js';
import type { HttpDeps } from './deps.js';
import { registerEventsFace } from './events/event-endpoint-routes.js';
import { registerNotifyFace } from './notify/notify-face.js';
import { registerInboxFace, registerIntakeFace } from './notify/subscriber-face.js';
import { ignoreBodies, useRawBodies } from './plugins/body-parsers.js';
import { registerPushFace } from './push/push-face.js';
import { registerFileRoutes } from './topics/file-routes.js';
import { registerMatrixRoutes } from './topics/matrix-routes.js';
import { registerPublishRoutes } from './topics/publish-routes.js';
import { registerSubscribeRoutes } from './topics/subscribe-routes.js';
import { registerWebFace } from './web/web-face.js';

/**
 * Each face of Herald is its own encapsulated plugin: its body parser, validator and route
 * options stay inside it, while the hooks on the root (auth, limits, scopes, NUL guard, error
 * handler), registered before these, apply to all of them.
 *
 * The faces still on hand-parsed JSON keep raw bodies; their routes use full paths, so they are
 * registered without a prefix until they move onto schema-driven routes as the push face did.
 */
export function registerFaces(app: FastifyInstance, deps: HttpDeps): void {
  void app.register(async (topics) => {
    useRawBodies(topics);
    registerPublishRoutes(topics, deps);
    registerSubscribeRoutes(topics, deps);
    registerFileRoutes(topics, deps);
    registerMatrixRoutes(topics, deps);
  });
  void app.register(async (push) => registerPushFace(push, deps), { prefix: '/v1' });
  void app.register(async (notify) => registerNotifyFace(notify, deps), { prefix: '/v1' });
  void app.register(async (inbox) => registerInboxFace(inbox, deps), { prefix: '/v1' });
  void app.register(async (intake) => registerIntakeFace(intake, deps), { prefix: '/v1' });
  void app.register(async (account) => registerAccountFace(account, deps), { prefix: '/v1' });
  void app.register(async (admin) => registerAdminFace(admin, deps), { prefix: '/v1' });
  void app.register(async (metrics) => {
    ignoreBodies(metrics);
    registerMetricsRoute(metrics, deps);
  });
  void app.register(async (events) => registerEventsFace(events, deps), { prefix: '/v1' });
  void app.register(async (web) => {
    ignoreBodies(web);
    await registerWebFace(web, deps);
  });
  void app.register(async (centrifugo) => {
    useRawBodies(centrifugo);
    registerCentrifugoApi(centrifugo, deps);
  });
}
