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
    const schema = responses[status] ?? responses[`${status[0]}xx`] ?? responses.default;
    if (!schema) throw new HeraldError('internal', { detail: `${where}, a status its schema does not declare` });
    let check = checks.get(schema);
    if (!check) checks.set(schema, check = TypeCompiler.Compile(schema));
    let body: unknown;
    try {
      body = JSON.parse(payload);
    } catch {
      throw new HeraldError('internal', { detail: `${where} with a body that is not JSON` });
    }
    const first = check.Errors(body).First();
    if (first) throw new HeraldError('internal', { detail: `${where}, not matching its schema at ${first.path || '/'}: ${first.message}` });
    return payload;
  });
}
