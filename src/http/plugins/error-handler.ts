import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HeraldError, isHeraldError, type ErrorName } from '../../errors/index.js';

/**
 * Every Fastify error code that can reach a client, with the registry entry it is answered with.
 * The router's own errors (bad URL, parameter too long, constraint failure) come through
 * {@link frameworkErrorHandler}; content-type parsing and validation errors through the error
 * handler. Codes Fastify raises only while routes are being set up are bugs, never answers.
 */
const FASTIFY_ERRORS: Readonly<Record<string, ErrorName | ((request: FastifyRequest) => ErrorName)>> = {
  // Topic-face bodies are messages or attachments (41301); JSON publishes and every /v1 API take JSON (41303).
  FST_ERR_CTP_BODY_TOO_LARGE: (request) => (request.routeOptions.config?.jsonPublish === true || request.url.startsWith('/v1/') ? 'jsonBodyTooLarge' : 'attachmentTooLarge'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'contentLengthMismatch',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'contentTypeInvalid',
  FST_ERR_ROUTE_MISSING_CONTENT_TYPE: 'contentTypeInvalid',
  FST_ERR_ROUTE_MISSING_CONTENT: 'badRequest',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'jsonInvalid',
  FST_ERR_CTP_INVALID_JSON_BODY: 'jsonInvalid',
  FST_ERR_VALIDATION: 'badRequest',
  // A malformed percent-escape names nothing that exists; a bad topic name is a 404 too (ntfy).
  FST_ERR_BAD_URL: 'notFound',
  // No valid name is that long; a topic list that long has too many topics.
  FST_ERR_MAX_PARAM_LENGTH: (request) => (/,|%2c/i.test(firstSegment(request.url)) ? 'tooManyTopicsInRequest' : 'notFound'),
  FST_ERR_NOT_FOUND: 'notFound',
  // Herald sets no handler timeout and registers no asynchronous route constraints: either is a bug.
  FST_ERR_HANDLER_TIMEOUT: 'internal',
  FST_ERR_ASYNC_CONSTRAINT: 'internal',
};

function firstSegment(url: string): string {
  return url.split('?', 1)[0]!.split('/')[1] ?? '';
}

/** The registry entry for an error Fastify raised, or undefined when it is not one of its client errors. */
export function fromFastify(error: FastifyError, request: FastifyRequest): HeraldError | undefined {
  const entry = error.code ? FASTIFY_ERRORS[error.code] : undefined;
  if (entry) {
    const name = typeof entry === 'function' ? entry(request) : entry;
    return new HeraldError(name, { cause: error, ...(error.code === 'FST_ERR_VALIDATION' ? { detail: error.message } : {}) });
  }
  // A request body that broke off mid-way (Fastify marks such stream errors 400).
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return new HeraldError('badRequest', { detail: error.message, cause: error });
  return undefined;
}

/** Headers that describe a body the error answer replaces; left in place they would lie about it. */
const BODY_HEADERS = ['content-length', 'content-disposition', 'content-encoding', 'content-range', 'etag', 'last-modified'];

/** Writes an error in the one JSON shape, with ntfy's trailing newline. */
export function sendError(reply: FastifyReply, error: HeraldError): FastifyReply {
  for (const name of BODY_HEADERS) {
    reply.removeHeader(name);
    // A stream reply copies its headers onto the raw response before the first byte goes out.
    if (!reply.raw.headersSent) reply.raw.removeHeader(name);
  }
  const retryAfterMs = error.details?.retryAfterMs;
  if (typeof retryAfterMs === 'number') reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
  return reply.code(error.http).type('application/json').send(`${JSON.stringify(error.toJSON())}\n`);
}

/** How long a client is asked to wait before retrying while the database is out of reach. */
const STORAGE_RETRY_AFTER_MS = 5000;

/**
 * The only place errors become HTTP answers. An error `isOutage` recognises (the database out of
 * reach) is a 503 with Retry-After: the request was fine and may succeed on another node or in a
 * moment. Anything else not known is a logged 500, a bug to fix.
 */
export function registerErrorHandler(app: FastifyInstance, isOutage: (error: unknown) => boolean = () => false): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = isHeraldError(error) ? error : fromFastify(error, request)
      ?? (isOutage(error) ? new HeraldError('databaseUnavailable', { cause: error, details: { retryAfterMs: STORAGE_RETRY_AFTER_MS } }) : undefined);
    if (reply.raw.headersSent) {
      // The status line and a Content-Length (or a stream) are already out: a second answer would
      // corrupt the connection, so it is cut instead and the client sees a truncated response.
      request.log.error({ err: error, url: redactUrl(request.url) }, 'error after the response headers were sent; connection closed');
      reply.raw.destroy();
      return;
    }
    if (known) {
      if (known.http >= 500) request.log.error({ err: error }, known.message);
      else request.log.debug({ code: known.code }, known.message);
      return sendError(reply, known);
    }
    request.log.error({ err: error, url: redactUrl(request.url) }, 'unhandled error');
    return sendError(reply, new HeraldError('internal', { cause: error }));
  });
  app.setNotFoundHandler((_request, reply) => sendError(reply, new HeraldError('notFound')));
}

/**
 * Fastify's `frameworkErrors` option: the router's errors, raised before any route or hook runs,
 * answered in the same shape (with the CORS header the hooks would have set).
 */
export function frameworkErrorHandler(allowOrigin: string): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void {
  return (error, request, reply) => {
    const known = fromFastify(error, request) ?? new HeraldError('internal', { cause: error });
    if (known.http >= 500) request.log.error({ err: error }, known.message);
    reply.header('access-control-allow-origin', allowOrigin);
    sendError(reply, known);
  };
}

/** Masks credentials a URL may carry (`?auth=` holds a whole Authorization header, `?api_key=` a key). */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:auth|authorization|api_key)=)[^&]*/gi, '$1[redacted]');
}
