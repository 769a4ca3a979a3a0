import type { FastifyRequest } from 'fastify';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { HeraldError } from '../../errors/index.js';
import { jsonLimitViolation } from '../../util/json-limits.js';
import { refuseNul } from '../plugins/nul-guard.js';

/**
 * Parses and checks a JSON request body against its schema: 40024 for bad JSON or a wrong shape,
 * 40083 for U+0000 in any string or key (every body read here is stored in some form).
 */
export function jsonBody<S extends TSchema>(request: FastifyRequest, schema: S): Static<S> {
  const parsed = parsedJsonBody(request);
  if (!Value.Check(schema, parsed)) {
    const first = [...Value.Errors(schema, parsed)][0];
    throw new HeraldError('jsonInvalid', { detail: first ? `${first.path || 'body'}: ${first.message}` : undefined });
  }
  return parsed;
}

/**
 * The request body as JSON, before any schema: `{}` for an empty body (with `blankIsEmpty`, for
 * one of only whitespace too), 40024 for bad JSON or JSON nested past the limits, 40083 for U+0000.
 */
export function parsedJsonBody(request: FastifyRequest, options: { blankIsEmpty?: boolean } = {}): unknown {
  const raw = Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
  let parsed: unknown;
  try {
    parsed = (options.blankIsEmpty ? raw.trim() : raw) === '' ? {} : JSON.parse(raw);
  } catch {
    throw new HeraldError('jsonInvalid');
  }
  const tooDeep = jsonLimitViolation(parsed);
  if (tooDeep) throw new HeraldError('jsonInvalid', { detail: tooDeep });
  refuseNul(parsed, 'body');
  return parsed;
}
