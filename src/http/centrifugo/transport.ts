import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { ApiScope } from '../../core/keys/scopes.js';
import { HeraldError, isHeraldError, type ErrorName } from '../../errors/index.js';
import { parsedJsonBody } from '../account/json-body.js';
import { fromFastify, redactUrl } from '../plugins/error-handler.js';

/**
 * The transport of the Centrifugo-compatible server API (`POST /api/<method>`): where its key is
 * read, how Herald's errors become Centrifugo's numbered ones, and the two error modes. The
 * methods themselves live in one file per group and call the same core services as /v1.
 */

/** A Centrifugo server API error: its number, and the HTTP status of the transport error mode. */
export interface CentrifugoError {
  code: number;
  http: number;
  message: string;
}

const INTERNAL = { code: 100, http: 500 };
const UNAUTHORIZED = { code: 101, http: 401 };
const PERMISSION_DENIED = { code: 103, http: 403 };
const NOT_FOUND = { code: 104, http: 404 };
const LIMIT_EXCEEDED = { code: 106, http: 429 };
const BAD_REQUEST = { code: 107, http: 400 };
const NOT_AVAILABLE = { code: 108, http: 400 };
const CONFLICT = { code: 113, http: 409 };

/** Errors whose Centrifugo twin is not the one their HTTP status suggests. */
const BY_NAME: Partial<Record<ErrorName, { code: number; http: number }>> = {
  // An app or provider Herald was not configured with: the feature is off here, not a bad request.
  appUnknown: NOT_AVAILABLE,
  webPushDisabled: NOT_AVAILABLE,
};

/** Every other error by its HTTP status; anything unlisted in 4xx is the client's bad request. */
function byStatus(http: number): { code: number; http: number } {
  if (http === 401) return UNAUTHORIZED;
  if (http === 403) return PERMISSION_DENIED;
  if (http === 404) return NOT_FOUND;
  if (http === 409) return CONFLICT;
  if (http === 429) return LIMIT_EXCEEDED;
  if (http >= 400 && http < 500) return BAD_REQUEST;
  return INTERNAL;
}

/** The one table from Herald's errors to Centrifugo's codes. */
export function centrifugoError(error: HeraldError): CentrifugoError {
  const entry = BY_NAME[error.errorName] ?? byStatus(error.http);
  // Internal errors say nothing of their cause to the caller; the log has it.
  return { ...entry, message: entry === INTERNAL ? 'internal server error' : error.message };
}

/** The method the path names does not exist (Centrifugo's "method not found"). */
export function methodNotFound(method: string): HeraldError {
  return new HeraldError('notFound', { detail: `method not found: ${method}` });
}

/**
 * Where a Centrifugo backend puts its key (`X-API-Key`, `Authorization: apikey`, `?api_key=`),
 * handed to Herald's authentication as the bearer API key it is.
 */
export function centrifugoCredentials(request: FastifyRequest): { headers: IncomingHttpHeaders; query: unknown } {
  const headers = request.headers;
  const query = request.query as Record<string, unknown> | undefined;
  const fromHeader = typeof headers['x-api-key'] === 'string' ? headers['x-api-key'].trim() : '';
  const auth = typeof headers.authorization === 'string' ? headers.authorization.trim() : '';
  const fromAuthorization = /^apikey\s+/i.test(auth) ? auth.replace(/^apikey\s+/i, '') : '';
  const rawQuery = query?.api_key;
  const fromQuery = typeof rawQuery === 'string' ? rawQuery : Array.isArray(rawQuery) && typeof rawQuery[0] === 'string' ? rawQuery[0] : '';
  const key = fromHeader || fromAuthorization || fromQuery;
  // Without a Centrifugo-style key, the usual `Authorization: Bearer hk_…` still works.
  return { headers: key ? { authorization: `Bearer ${key}` } : { authorization: auth || undefined }, query: {} };
}

function transportMode(request: FastifyRequest): boolean {
  const value = request.headers['x-centrifugo-error-mode'];
  return typeof value === 'string' && value.trim().toLowerCase() === 'transport';
}

/**
 * Writes an error the way the caller asked: by default `200 {"error": {code, message}}`; with
 * `X-Centrifugo-Error-Mode: transport`, the HTTP status with `{code, message}`. A key that is
 * missing or wrong is a 401 in both modes, as Centrifugo checks the key before any method runs.
 */
export function sendCentrifugoError(request: FastifyRequest, reply: FastifyReply, error: HeraldError): FastifyReply {
  const { code, http, message } = centrifugoError(error);
  const retryAfterMs = error.details?.retryAfterMs;
  if (typeof retryAfterMs === 'number') reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
  if (transportMode(request)) return reply.code(http).type('application/json').send(`${JSON.stringify({ code, message })}\n`);
  return reply.code(code === UNAUTHORIZED.code ? 401 : 200).type('application/json').send(`${JSON.stringify({ error: { code, message } })}\n`);
}

export function sendResult(reply: FastifyReply, result: unknown): FastifyReply {
  return reply.type('application/json').send(`${JSON.stringify({ result })}\n`);
}

/**
 * The request body checked against a method's schema. A bad field is a 107 whose message names
 * it (`token: …`), so a backend's log says what to fix.
 */
export function methodBody<S extends TSchema>(request: FastifyRequest, schema: S): Static<S> {
  const parsed = parsedJsonBody(request, { blankIsEmpty: true });
  if (!Value.Check(schema, parsed)) {
    const first = [...Value.Errors(schema, parsed)][0];
    throw badField(first ? fieldName(first.path) : 'body', first?.message ?? 'invalid');
  }
  return parsed;
}

/** A 107 naming the field at fault. */
export function badField(field: string, problem: string): HeraldError {
  return new HeraldError('badRequest', { detail: `${field}: ${problem}` });
}

/** `/filter/users/0` → `filter.users[0]`. */
function fieldName(path: string): string {
  if (!path) return 'body';
  return path.slice(1).split('/').map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : `${i === 0 ? '' : '.'}${part}`)).join('');
}

/** Route options of a method: its scope, and keys read the Centrifugo way. */
export function method(scope: ApiScope): { config: { scope: ApiScope; credentials: typeof centrifugoCredentials } } {
  return { config: { scope, credentials: centrifugoCredentials } };
}

/**
 * Registers the face's transport on an encapsulated instance: its errors answer in Centrifugo's
 * shape (the app-wide handler answers the rest of Herald), and an unknown method is a 104.
 */
export function registerCentrifugoTransport(api: FastifyInstance, isOutage: (error: unknown) => boolean): void {
  api.setErrorHandler((error: FastifyError, request, reply) => {
    const known = isHeraldError(error) ? error : fromFastify(error, request)
      ?? (isOutage(error) ? new HeraldError('databaseUnavailable', { cause: error, details: { retryAfterMs: 5000 } }) : undefined);
    if (reply.raw.headersSent) {
      request.log.error({ err: error, url: redactUrl(request.url) }, 'error after the response headers were sent; connection closed');
      reply.raw.destroy();
      return;
    }
    if (!known) request.log.error({ err: error, url: redactUrl(request.url) }, 'unhandled error');
    else if (known.http >= 500) request.log.error({ err: error }, known.message);
    return sendCentrifugoError(request, reply, known ?? new HeraldError('internal', { cause: error }));
  });
  // Any method name: a caller with a valid key learns the method does not exist; others get 101.
  api.post<{ Params: { method: string } }>('/api/:method', { config: { scope: 'public', credentials: centrifugoCredentials } }, async (request) => {
    const principal = request.principal;
    if (!principal.apiKey && principal.role !== 'admin') throw new HeraldError('unauthorized');
    throw methodNotFound(request.params.method);
  });
}
