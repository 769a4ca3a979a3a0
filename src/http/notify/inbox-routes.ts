import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../deps.js';

/** `/v1/subscribers/{id}/inbox…`: the in-app inbox, called by browsers with subscriber tokens. */
export function registerInboxRoutes(app: FastifyInstance, deps: HttpDeps): void {
  void app;
  void deps;
}
