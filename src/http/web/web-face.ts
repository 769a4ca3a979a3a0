import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HeraldError } from '../../errors/index.js';
import { isValidTopicName } from '../../core/topics/topic-name.js';
import { parseBoolean } from '../../util/booleans.js';
import type { HttpDeps } from '../deps.js';
import { publicRoutes } from '../plugins/scopes.js';
import { param } from '../topics/params.js';
import type { TopicParams } from '../topics/schemas.js';
import { webAppRoot } from './web-app-root.js';
import { registerWebConfigRoute } from './web-config.js';

/** Where `npm run build` puts the web app (scripts/build-web.mjs), beside dist/src. */
const WEB_DIST = fileURLToPath(new URL('../../../web/', import.meta.url));
/** Hashed names never change content: browsers may keep them for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Pages, the service worker and the manifest must be checked on every load so a new build shows. */
const REVALIDATE = 'no-cache';

/** The Cache-Control of a file, by its path (with the .br/.gz of a precompressed copy ignored). */
function cachingOf(served: string): string {
  const path = served.replace(/\.(br|gz)$/, '');
  if (path.includes('/assets/')) return IMMUTABLE;
  return /\.(html|webmanifest)$|\/sw\.js$/.test(path) ? REVALIDATE : 'public, max-age=86400';
}

interface HostTopicParams extends TopicParams { host: string }

/**
 * The web face: the topics app at `web-root` (and at `/<topic>`, `/<host.tld>/<topic>` so shared
 * links open it), the admin console at `/admin`, their hashed assets under `/static/web/`
 * (precompressed .br/.gz chosen by Accept-Encoding), the service worker at `/sw.js` (its scope
 * must be `/`), the PWA manifest, `/config.js`, and UnifiedPush discovery (`/<topic>?up=1`).
 * Nothing here exists while `web-root` is `disable`.
 */
export async function registerWebFace(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const root = webAppRoot(deps.config.webRoot);
  if (root === undefined) return;
  publicRoutes(app);
  registerWebConfigRoute(app, deps, root);

  await app.register(fastifyStatic, {
    root: WEB_DIST,
    prefix: '/static/web/',
    preCompressed: true,
    index: false,
    cacheControl: false,
    setHeaders: (res, path) => res.header('cache-control', cachingOf(path)),
  });

  const built = () => existsSync(`${WEB_DIST}index.html`);
  const page = (file: 'index.html' | 'admin.html') => async (_request: FastifyRequest, reply: FastifyReply) => {
    if (!built()) throw new HeraldError('webAppNotBuilt');
    return reply.type('text/html; charset=utf-8').sendFile(file);
  };
  const topicsApp = page('index.html');
  const console = page('admin.html');

  // With the app elsewhere, `/` is not served (as in ntfy), but HEAD / still answers health probes.
  if (root === '/') app.get('/', topicsApp);
  else {
    app.head('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(''));
    app.get(root, topicsApp);
    app.get(`${root}/*`, topicsApp);
  }
  app.get('/admin', console);
  app.get('/admin/*', console);
  for (const file of ['sw.js', 'manifest.webmanifest'] as const) {
    app.get(`/${file}`, async (_request, reply) => {
      if (!built()) throw new HeraldError('webAppNotBuilt');
      return reply.sendFile(file);
    });
  }

  app.get<{ Params: TopicParams }>('/:topic', async (request, reply) => {
    const { topic } = request.params;
    if (!isValidTopicName(topic)) throw new HeraldError('notFound');
    if (parseBoolean(param(request, 'up', 'UnifiedPush', 'X-UnifiedPush'), false)) {
      return reply.type('application/json').send('{"unifiedpush":{"version":1}}\n');
    }
    return topicsApp(request, reply);
  });
  // ntfy also serves `/<host.tld>/<topic>` so that links copied from other servers resolve.
  app.get<{ Params: HostTopicParams }>('/:host/:topic', async (request, reply) => {
    if (!request.params.host.includes('.') || !isValidTopicName(request.params.topic)) throw new HeraldError('notFound');
    return topicsApp(request, reply);
  });
}
