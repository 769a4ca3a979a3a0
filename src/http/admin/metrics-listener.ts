import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { HeraldError } from '../../errors/index.js';

/**
 * The listener of `metrics-listen-http`: `GET /metrics` and nothing else, so it can be bound to an
 * address only the Prometheus scraper reaches. Other paths and methods get Herald's error shape.
 */
export function createMetricsServer(registry: Registry): Server {
  return createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const fail = (error: HeraldError): void => {
      response.writeHead(error.http, { 'content-type': 'application/json' }).end(`${JSON.stringify(error.toJSON())}\n`);
    };
    if (path !== '/metrics') return fail(new HeraldError('notFound'));
    if (request.method !== 'GET' && request.method !== 'HEAD') return fail(new HeraldError('methodNotAllowed'));
    registry.metrics().then((text) => {
      response.writeHead(200, { 'content-type': registry.contentType });
      response.end(request.method === 'HEAD' ? undefined : text);
    }, () => fail(new HeraldError('internal')));
  });
}
