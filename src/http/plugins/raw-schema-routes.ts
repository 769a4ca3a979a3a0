import type { FastifyInstance } from 'fastify';
import { useRawBodies } from './body-parsers.js';
import { schemaRoutes, type SchemaApp } from './schema-routes.js';

/**
 * A face of routes that must read their bodies as bytes (signed forms, one-click unsubscribe
 * forms, bodies whose checks live in core), yet are documented like every schema-driven route.
 * Path and query parameters are checked against their schemas as in {@link schemaRoutes}; a
 * route's body schema only documents what its handler accepts, and `request.body` stays the
 * Buffer that arrived (undefined when none).
 */
export function rawSchemaRoutes(app: FastifyInstance): SchemaApp {
  const api = schemaRoutes(app);
  useRawBodies(app);
  const checkPart = app.validatorCompiler;
  if (!checkPart) throw new Error('schemaRoutes sets a validator compiler');
  app.setValidatorCompiler((route) => (route.httpPart === 'body' ? (body: unknown) => ({ value: body }) : checkPart(route)));
  return api;
}
