import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../deps.js';

/** `POST /v1/notify`, its status and cancel. */
export function registerNotifyRoutes(app: FastifyInstance, deps: HttpDeps): void {
  void app;
  void deps;
}
