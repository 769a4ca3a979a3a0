import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../deps.js';

/** What providers and subscribers report back: SMS status callbacks, bounces, one-click preference links. */
export function registerNotifyIntakeRoutes(app: FastifyInstance, deps: HttpDeps): void {
  void app;
  void deps;
}
