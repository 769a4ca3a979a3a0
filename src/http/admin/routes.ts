import type { FastifyInstance } from 'fastify';
import { HeraldError } from '../../errors/index.js';
import type { HttpDeps } from '../deps.js';
import { ERROR_ANSWERS } from '../openapi/error-schema.js';
import { withExample, type SchemaApp } from '../plugins/schema-routes.js';
import { StatsAnswer, VersionAnswer, WhoamiAnswer } from './responses.js';

const PUBLIC = { scope: 'public' as const };
const TAGS = ['server'];

/** `/v1/health`, `/v1/version` and `/v1/stats`. None of them spends the request bucket. */
export function registerServerRoutes(app: SchemaApp, deps: HttpDeps): void {
  // Readiness: 503 while the database or Redis is out of reach, so a load balancer sends the
  // traffic to nodes that can serve it; the node itself keeps running and recovers on its own.
  // Documented with the topics face's routes (openapi/topics-docs.ts).
  app.get('/health', { config: PUBLIC }, async (_request, reply) => {
    const report = await deps.health();
    return reply.code(report.healthy ? 200 : 503).send(report);
  });

  // ntfy 2.17: which build is running, for admins only (a version tells an attacker what to try).
  app.get('/version', {
    schema: {
      summary: 'The running build',
      description: 'ntfy-compatible. Admin users only: anyone else gets 401.',
      tags: TAGS,
      response: { 200: withExample(VersionAnswer, { version: '1.4.0', commit: '3f2c9e1', date: '2026-11-28T10:15:00Z' }), ...ERROR_ANSWERS },
    },
    config: { scope: 'account' },
  }, async (request, reply) => {
    if (request.principal.role !== 'admin') throw new HeraldError('unauthorized');
    const { version, commit, date } = deps.build;
    return reply.send({ version, commit, date });
  });

  // The admin console asks this at login to learn which of its screens the caller may use.
  app.get('/whoami', {
    schema: {
      summary: 'Who the credentials belong to',
      description: 'The caller as Herald sees it: a user with their role, or an API key with its scopes. Anonymous callers get 401.',
      tags: TAGS,
      response: { 200: withExample(WhoamiAnswer, { kind: 'key', name: 'key:key_3f2c9e1a', role: 'user', scopes: ['push:send', 'push:read'], categories: [] }), ...ERROR_ANSWERS },
    },
    config: { scope: 'account' },
  }, async (request, reply) => {
    const { principal } = request;
    if (principal.apiKey) {
      return reply.send({ kind: 'key', name: principal.name, role: 'user', scopes: [...principal.apiKey.scopes], categories: [...principal.apiKey.categories] });
    }
    if (principal.role === 'anonymous') throw new HeraldError('unauthorized');
    return reply.send({ kind: 'user', name: principal.name, role: principal.role, scopes: principal.role === 'admin' ? ['admin'] : [], categories: [] });
  });

  app.get('/stats', {
    schema: {
      summary: 'Message statistics',
      description: 'ntfy-compatible: messages ever published, and the recent publish rate.',
      tags: TAGS,
      response: { 200: withExample(StatsAnswer, { messages: 18233, messages_rate: 0.25 }), ...ERROR_ANSWERS },
    },
    config: PUBLIC,
  }, async (_request, reply) => reply.send(await deps.topics.stats()));
}

/** `/metrics`, unless a metrics listener of its own serves them (as in ntfy). Spends no request bucket. */
export function registerMetricsRoute(app: FastifyInstance, deps: HttpDeps): void {
  if (!deps.config.enableMetrics || deps.config.metricsListenHttp !== '') return;
  app.get('/metrics', { config: PUBLIC }, async (_request, reply) => {
    const registry = deps.metrics.registry;
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}
