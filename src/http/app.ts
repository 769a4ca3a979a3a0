import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';
import { HeraldError } from '../errors/index.js';
import { registerFaces } from './faces.js';
import { registerDocsFace, registerOpenApi } from './openapi/openapi.js';
import { registerAuth } from './plugins/auth.js';
import { ignoreBodies } from './plugins/body-parsers.js';
import { registerKeyRateLimit } from './plugins/key-rate-limit.js';
import { registerScopes } from './plugins/scopes.js';
import type { HttpDeps } from './deps.js';
import { clientIp, clientIpSettings } from './plugins/client-ip.js';
import { frameworkErrorHandler, registerErrorHandler } from './plugins/error-handler.js';
import { registerNulGuard } from './plugins/nul-guard.js';
import { registerResponseCheck } from './plugins/response-check.js';
import { registerTierVisitor } from './plugins/tier-visitor.js';
import './plugins/route-config.js';
import { attachWebSocket } from './topics/ws.js';

/** Node's default header limit; larger header blocks get a JSON 431. */
const MAX_HEADER_BYTES = 16 * 1024;

/**
 * Builds the HTTP app with every route, unstarted: `main.ts` listens, tests use `inject()` or
 * listen on port 0.
 */
export interface TlsOptions {
  key: Buffer;
  cert: Buffer;
}

/**
 * `request.log` made on first use. pino's child() (bindings serialised, redaction set up) cost as
 * much as a whole publish's routing, for a logger most requests never write to.
 */
function lazyRequestLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  let child: FastifyBaseLogger | undefined;
  const made = () => (child ??= logger.child(bindings, options));
  return new Proxy(logger, {
    get(target, property) {
      // Methods are looked up on every request (Fastify checks that a child logger has them):
      // hand out one that makes the child when called, not when looked at.
      if (typeof Reflect.get(target, property, target) === 'function') {
        return (...args: unknown[]) => {
          const own = made();
          return (Reflect.get(own, property) as (...a: unknown[]) => unknown).apply(own, args);
        };
      }
      return Reflect.get(made(), property) as unknown;
    },
    set(_target, property, value) {
      return Reflect.set(made(), property, value);
    },
  });
}

export function buildApp(deps: HttpDeps, tls?: TlsOptions): FastifyInstance {
  const { config, clock, metrics } = deps;
  // With TLS, HTTP/2 for API clients; HTTP/1.1 stays on for older clients and WebSocket upgrades.
  const transport = tls ? { http2: true as const, https: { key: tls.key, cert: tls.cert, allowHTTP1: true } } : { http: { maxHeaderSize: MAX_HEADER_BYTES } };
  // Fastify types its options per server kind; both kinds get the same options object here.
  const createFastify = Fastify as unknown as (options: Record<string, unknown>) => FastifyInstance;
  const app = createFastify({
    ...transport,
    loggerInstance: deps.logger,
    // Per-request log lines would cost more than the publish itself; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyRequestLogger,
    // A multi-topic path (`/a,b,c/json`) is one long parameter: room for the most topics a request
    // may name, each of the longest name and its comma.
    routerOptions: { maxParamLength: Math.max(8192, config.subscriptionTopicLimit * 65) },
    frameworkErrors: frameworkErrorHandler(config.accessControlAllowOrigin),
    // While closing, requests get 503 50301 from the first hook below, in the usual error shape.
    return503OnClosing: false,
    clientErrorHandler: (err: Error, socket: Socket) => {
      if (!socket.writable) return void socket.destroy();
      const error = (err as NodeJS.ErrnoException).code === 'HPE_HEADER_OVERFLOW' ? new HeraldError('headersTooLarge') : new HeraldError('badRequest');
      const body = `${JSON.stringify(error.toJSON())}\n`;
      socket.end(`HTTP/1.1 ${error.http} ${error.http === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    },
  });

  // Each face decides how its bodies are read (faces.ts); the routes left here read none.
  ignoreBodies(app);
  registerErrorHandler(app, deps.isOutage);

  const ipSettings = clientIpSettings(config);
  const origin = config.accessControlAllowOrigin;
  app.decorateRequest('visitor', null as never);
  let closing = false;
  // The hooks that never wait are plain callbacks: an async hook costs every request a promise
  // and a turn of the microtask queue, and a publish passes six onRequest hooks.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('access-control-allow-origin', origin);
    if (closing) throw new HeraldError('unavailable');
    request.visitor = deps.visitors.forIp(clientIp(request.raw, ipSettings));
    done();
  });
  registerNulGuard(app);
  registerAuth(app, { auth: deps.auth, keys: deps.keys }, clock);
  registerTierVisitor(app, deps.auth, deps.visitors, clock);
  registerKeyRateLimit(app, deps.counters, clock, { burst: config.apiKeyRequestLimitBurst, refillMs: config.apiKeyRequestLimitReplenish });
  registerScopes(app);
  if (tls) {
    // HTTP/2 clients may stream a body with neither Content-Length nor Content-Type, which Fastify
    // would read as "no body". The stream itself says whether a body follows its headers.
    app.addHook('onRequest', async (request) => {
      const raw = request.raw as unknown as { httpVersionMajor: number; stream?: { endAfterHeaders?: boolean }; headers: Record<string, string | undefined> };
      if (raw.httpVersionMajor === 2 && raw.stream && !raw.stream.endAfterHeaders && !raw.headers['content-length'] && !raw.headers['content-type']) {
        raw.headers['content-type'] = 'application/octet-stream';
      }
    });
  }
  // Label lookups in prom-client hash the label set; resolving each combination once keeps the
  // per-request cost to one Map lookup.
  const latencyByLabels = new Map<string, { observe(seconds: number): void }>();
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const key = `${request.method} ${route} ${reply.statusCode}`;
    let child = latencyByLabels.get(key);
    if (!child) {
      child = metrics.httpDuration.labels(request.method, route, String(reply.statusCode));
      latencyByLabels.set(key, child);
    }
    child.observe(reply.elapsedTime / 1000);
  });

  app.options('*', { config: { rateLimited: true, scope: 'public' } }, async (_request, reply) =>
    reply
      .header('access-control-allow-methods', 'GET, PUT, POST, PATCH, DELETE')
      .header('access-control-allow-headers', '*')
      .send(),
  );

  if (deps.checkResponses) registerResponseCheck(app);
  registerOpenApi(app, deps.build);
  registerFaces(app, deps);
  registerDocsFace(app);
  attachWebSocket(app.server as Server, deps, app.log);
  // Node answers an Expect other than 100-continue with a bare 417 of its own; RFC 9110 lets a
  // server ignore an expectation it does not know, so the request is served as usual instead.
  app.server.on('checkExpectation', (req: unknown, res: unknown) => app.server.emit('request', req, res));

  app.addHook('preClose', async () => {
    closing = true;
    for (const subscriber of deps.hub.all()) subscriber.close();
  });
  return app;
}
