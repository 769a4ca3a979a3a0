import type { FastifyInstance } from 'fastify';
import { HeraldError } from '../../errors/index.js';
import { jsonLimitViolation } from '../../util/json-limits.js';
import { refuseNul } from './nul-guard.js';

/**
 * The context's bodies arrive as bytes, whatever their type: topic publishes are messages or
 * attachments, and faces not yet on schema-driven routes parse their JSON by hand (jsonBody).
 */
export function useRawBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
}

/**
 * Routes with no use for a body (CORS preflight, unknown paths): any body is read within the
 * body limit and dropped, so the answer is the route's own and never a 415.
 */
export function ignoreBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, done) => done(null, undefined));
}

/**
 * Every body is JSON, whatever Content-Type says (clients such as `curl -d` send form types):
 * an empty body is `{}`, bad JSON or JSON nested past the limits 40024, U+0000 in any string or
 * key 40083, the same guarantees jsonBody gives. The route's TypeBox schema checks the shape next;
 * routes without a body schema read no body.
 */
export function useJsonBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, text, done) => {
    // A route that takes no body (DELETE /v1/devices/{id}) ignores one sent anyway, as it always has.
    if (request.routeOptions.schema?.body === undefined) return done(null, undefined);
    try {
      done(null, parseJsonBody(text as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

/** A request body as JSON with Herald's limits; see {@link useJsonBodies}. */
export function parseJsonBody(text: string): unknown {
  let parsed: unknown;
  try {
    parsed = text === '' ? {} : JSON.parse(text);
  } catch {
    throw new HeraldError('jsonInvalid');
  }
  const tooDeep = jsonLimitViolation(parsed);
  if (tooDeep) throw new HeraldError('jsonInvalid', { detail: tooDeep });
  refuseNul(parsed, 'body');
  return parsed;
}
