import type { FastifyInstance } from 'fastify';
import { HeraldError } from '../../errors/index.js';
import { isValidTopicName } from '../../core/topics/topic-name.js';
import { parseBoolean } from '../../util/booleans.js';
import type { HttpDeps } from '../deps.js';
import { param } from './params.js';
import { topicPage } from './web-page.js';
import { webAppRoot } from './web-app-root.js';
import { registerWebConfigRoute } from './web-config.js';

const PUBLIC = { config: { scope: 'public' as const } };

/**
 * The web app's root (`/`, or what `web-root` names, e.g. `/app`), `GET /<topic>` (the small
 * built-in web page, a live view of a topic), `/config.js` for ntfy's web app, and UnifiedPush
 * discovery (`?up=1`). All exist only while the web app is on (`web-root` is not `disable`).
 */
export function registerWebRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const root = webAppRoot(deps.config.webRoot);
  if (root === undefined) return;

  // With the app elsewhere, `/` is not served (as in ntfy), but HEAD / still answers health probes.
  const page = async (_request: unknown, reply: import('fastify').FastifyReply) => reply.type('text/html; charset=utf-8').send(topicPage(undefined));
  if (root === '/') app.get('/', PUBLIC, page);
  else {
    app.head('/', PUBLIC, async (_request, reply) => reply.type('text/html; charset=utf-8').send(''));
    app.get(root, PUBLIC, page);
  }
  registerWebConfigRoute(app, deps, root);

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
