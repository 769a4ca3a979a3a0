import type { FastifyInstance } from 'fastify';
import { HeraldError } from '../../errors/index.js';
import { isValidTopicName } from '../../core/topics/topic-name.js';
import { parseBoolean } from '../../util/booleans.js';
import type { HttpDeps } from '../deps.js';
import { param } from './params.js';
import { topicPage } from './web-page.js';

const PUBLIC = { config: { scope: 'public' as const } };

/**
 * `GET /` and `GET /<topic>`: the small built-in web page (a live view of a topic), and
 * UnifiedPush discovery (`?up=1`). Both exist only while the web app is on (`web-root`).
 */
export function registerWebRoutes(app: FastifyInstance, deps: HttpDeps): void {
  if (deps.config.webRoot === 'disable') return;

  app.get('/', PUBLIC, async (_request, reply) => reply.type('text/html; charset=utf-8').send(topicPage(undefined)));

  const topicRoute = async (request: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => {
    const topic = (request.params as { topic: string }).topic;
    if (!isValidTopicName(topic)) throw new HeraldError('notFound');
    if (parseBoolean(param(request, 'up', 'UnifiedPush', 'X-UnifiedPush'), false)) {
      return reply.type('application/json').send('{"unifiedpush":{"version":1}}\n');
    }
    return reply.type('text/html; charset=utf-8').send(topicPage(topic));
  };
  app.get('/:topic', PUBLIC, topicRoute);
  // ntfy also serves `/<host.tld>/<topic>` so that links copied from other servers resolve.
  app.get('/:host/:topic', PUBLIC, async (request, reply) => {
    if (!(request.params as { host: string }).host.includes('.')) throw new HeraldError('notFound');
    return topicRoute(request, reply);
  });
}
