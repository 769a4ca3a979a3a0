import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../deps.js';
import { rawSchemaRoutes } from '../plugins/raw-schema-routes.js';
import { schemaRoutes } from '../plugins/schema-routes.js';
import { registerInboxRoutes } from './inbox-routes.js';
import { registerNotifyIntakeRoutes, registerPreferenceLinkRoutes } from './intake-routes.js';

/**
 * What subscribers' own clients call, under `/v1`: the in-app inbox (`/subscribers/{id}/inbox…`)
 * and the signing of preference links, typed and checked by their TypeBox schemas.
 */
export function registerInboxFace(app: FastifyInstance, deps: HttpDeps): void {
  const api = schemaRoutes(app);
  registerInboxRoutes(api, deps);
  registerPreferenceLinkRoutes(api, deps);
}

/**
 * What comes back from outside, under `/v1`: preference links opened and applied
 * (`/preferences/{token}`), Twilio status callbacks and bounce reports. These read their bodies
 * as bytes (see intake-routes.ts); their schemas check parameters and document the bodies.
 */
export function registerIntakeFace(app: FastifyInstance, deps: HttpDeps): void {
  registerNotifyIntakeRoutes(rawSchemaRoutes(app), deps);
}
