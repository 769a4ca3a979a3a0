import type { FastifyInstance } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { HeraldError } from '../../errors/index.js';

/**
 * Holds routes to their word: an answer of a route that declares its answers (`schema.response`)
 * must match the schema for its status (exact, then `4xx`-style, then `default`). A mismatch, or
 * a status the route does not declare, becomes a 500 naming the problem, so a test that meets
 * it fails where it happened. Meant for tests: each answer is parsed once more.
 */
export function registerResponseCheck(app: FastifyInstance): void {
  const checks = new WeakMap<TSchema, TypeCheck<TSchema>>();
  app.addHook('onSend', async (request, reply, payload) => {
    const responses = request.routeOptions.schema?.response as Record<string, TSchema> | undefined;
    if (!responses || typeof payload !== 'string') return payload;
    const status = String(reply.statusCode);
    const where = `${request.method} ${request.routeOptions.url ?? request.url} answered ${status}`;
    const declared = responses[status] ?? responses[`${status[0]}xx`] ?? responses.default;
    if (!declared) throw new HeraldError('internal', { detail: `${where}, a status its schema does not declare` });
    // An answer declared per media type (`content`, as for JSON-or-HTML answers) is checked against
    // the schema of the type it was sent as; a non-JSON one is checked as the text it is.
    const media = String(reply.getHeader('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const perMedia = (declared as { content?: Record<string, { schema: TSchema }> }).content;
    const schema = perMedia ? perMedia[media]?.schema : declared;
    if (!schema) throw new HeraldError('internal', { detail: `${where} as ${media || 'no media type'}, which its schema does not declare` });
    const asText = perMedia !== undefined && media !== 'application/json';
    let check = checks.get(schema);
    if (!check) checks.set(schema, check = TypeCompiler.Compile(schema));
    let body: unknown = payload;
    if (!asText) {
      try {
        body = JSON.parse(payload);
      } catch {
        throw new HeraldError('internal', { detail: `${where} with a body that is not JSON` });
      }
    }
    const first = check.Errors(body).First();
    if (first) throw new HeraldError('internal', { detail: `${where}, not matching its schema at ${first.path || '/'}: ${first.message}` });
    return payload;
  });
}
