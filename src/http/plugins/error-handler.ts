import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HeraldError, isHeraldError, type ErrorName } from '../../errors/index.js';

/** Errors Fastify itself raises, mapped to the registry entry a client should see. */
function fromFastify(error: FastifyError, request: FastifyRequest): HeraldError | undefined {
  // Topic-face bodies are messages or attachments (41301); JSON publishes and every /v1 API take JSON (41303).
  const jsonBody = request.routeOptions.config?.jsonPublish === true || request.url.startsWith('/v1/');
  const byCode: Record<string, ErrorName> = {
    FST_ERR_CTP_BODY_TOO_LARGE: jsonBody ? 'jsonBodyTooLarge' : 'attachmentTooLarge',
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'badRequest',
    FST_ERR_CTP_EMPTY_JSON_BODY: 'jsonInvalid',
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'badRequest',
    FST_ERR_VALIDATION: 'badRequest',
  };
  const name = error.code ? byCode[error.code] : undefined;
  if (name) return new HeraldError(name, { cause: error });
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return new HeraldError('badRequest', { detail: error.message, cause: error });
  return undefined;
}

/** Writes an error in the one JSON shape, with ntfy's trailing newline. */
export function sendError(reply: FastifyReply, error: HeraldError): FastifyReply {
  const retryAfterMs = error.details?.retryAfterMs;
  if (typeof retryAfterMs === 'number') reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
  return reply.code(error.http).type('application/json').send(`${JSON.stringify(error.toJSON())}\n`);
}

/** The only place errors become HTTP answers. Anything not known is a logged 500, a bug to fix. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = isHeraldError(error) ? error : fromFastify(error, request);
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

/** Masks credentials a URL may carry (`?auth=` holds a whole Authorization header). */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:auth|authorization)=)[^&]*/gi, '$1[redacted]');
}
