import type { FastifyInstance } from 'fastify';
import { HeraldError } from '../../errors/index.js';
import type { HttpDeps } from '../deps.js';

const PUBLIC = { config: { scope: 'public' as const } };

/** `/v1/health`, `/v1/version`, `/v1/stats` and `/metrics`. None of them spends the request bucket. */
export function registerAdminRoutes(app: FastifyInstance, deps: HttpDeps): void {
  // Readiness: 503 while the database or Redis is out of reach, so a load balancer sends the
  // traffic to nodes that can serve it; the node itself keeps running and recovers on its own.
  app.get('/v1/health', PUBLIC, async (_request, reply) => {
    const report = await deps.health();
    return reply.code(report.healthy ? 200 : 503).type('application/json').send(`${JSON.stringify(report)}\n`);
  });

  // ntfy 2.17: which build is running, for admins only (a version tells an attacker what to try).
  app.get('/v1/version', { config: { scope: 'account' as const } }, async (request, reply) => {
    if (request.principal.role !== 'admin') throw new HeraldError('unauthorized');
    const { version, commit, date } = deps.build;
    return reply.type('application/json').send(`${JSON.stringify({ version, commit, date })}\n`);
  });

  app.get('/v1/stats', PUBLIC, async (_request, reply) => {
    const stats = await deps.topics.stats();
    return reply.type('application/json').send(`${JSON.stringify(stats)}\n`);
  });

  // With a metrics listener of their own, the metrics are served there and not here (as in ntfy).
  if (deps.config.enableMetrics && deps.config.metricsListenHttp === '') {
    app.get('/metrics', PUBLIC, async (_request, reply) => {
      const registry = deps.metrics.registry;
      return reply.type(registry.contentType).send(await registry.metrics());
    });
  }
}
