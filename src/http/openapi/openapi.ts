import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import type { BuildInfo } from '../deps.js';
import { sendJson } from '../account/account-routes.js';
import { publicRoutes } from '../plugins/scopes.js';
import { SECURITY_SCHEMES, securityOf } from './security.js';
import { topicsFaceDocs } from './topics-docs.js';

/** Where the OpenAPI document and the API reference are served. */
export const OPENAPI_PATH = '/v1/openapi.json';
export const API_REFERENCE_PREFIX = '/docs/api';

const TAGS = [
  { name: 'push', description: 'Sending pushes and following their deliveries.' },
  { name: 'devices', description: 'The device registry: tokens, users and topics.' },
  { name: 'dlq', description: 'Dead deliveries and their replay.' },
  { name: 'webpush', description: 'Browser subscriptions to topics (ntfy\'s shape).' },
  { name: 'notify', description: 'Sending notifications through templates to subscribers, on every channel.' },
  { name: 'subscribers', description: 'The subscribers of the notify API: their addresses, preferences and data.' },
  { name: 'templates', description: 'Templates and the categories notifications belong to.' },
  { name: 'inbox', description: 'The in-app inbox of each subscriber, for their own clients.' },
  { name: 'subscriber-links', description: 'Preference links, delivery status callbacks and bounce reports.' },
  { name: 'topics', description: 'The ntfy-compatible topics face: publish and subscribe.' },
  { name: 'account', description: 'The ntfy-compatible account API: sign-up, tokens, settings, reservations, tiers.' },
  { name: 'server', description: 'The server itself.' },
  { name: 'admin', description: 'API keys and the audit log.' },
  { name: 'users', description: 'Topics-face (ntfy) users and their access, as ntfy\'s admin API has them.' },
  { name: 'events', description: 'Event webhooks: endpoints that receive delivery outcomes as signed POSTs.' },
];

/**
 * Collects the route schemas into an OpenAPI 3.1 document. Register on the root before the faces:
 * it learns routes as they are added. Documented are the routes with response schemas (the faces
 * on schema-driven routes) and the topics face's routes described in topics-docs.ts; the rest
 * is left out until its face is migrated.
 */
export function registerOpenApi(app: FastifyInstance, build: BuildInfo): void {
  void app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Herald',
        version: build.version || '0.0.0',
        description: 'The HTTP API of Herald. Every error answer has one shape: `{ code, http, error, link? }`.',
      },
      components: { securitySchemes: SECURITY_SCHEMES },
      tags: TAGS,
    },
    transform: ({ schema, url, route }) => ({ schema: documented(schema, route), url }),
  });
}

/**
 * The route as the document shows it: with the security its scope implies (unless its schema
 * names its own), or hidden when it is not documented yet.
 */
function documented(schema: FastifySchema | undefined, route: RouteOptions): FastifySchema {
  const docs = topicsFaceDocs([route.method].flat(), route.url) ?? schema;
  if (!docs?.response || docs.hide) return { ...schema, hide: true };
  const scope = route.config?.scope ?? 'public';
  return { ...schema, ...docs, security: docs.security ?? securityOf(scope) };
}

/** `GET /v1/openapi.json` and the API reference at `/docs/api`, all from Herald's own assets. */
export function registerDocsFace(app: FastifyInstance): void {
  void app.register(async (docs) => {
    // The reference's pages and assets are added by @fastify/swagger-ui, which declares no scopes.
    publicRoutes(docs);
    docs.get(OPENAPI_PATH, { schema: { hide: true } }, async (_request, reply) => sendJson(reply, docs.swagger()));
    // Its scripts, styles and icons come from the package; the validator badge (which would send
    // the document to swagger.io) stays off, as it is by default.
    await docs.register(swaggerUi, { routePrefix: API_REFERENCE_PREFIX });
  });
}
