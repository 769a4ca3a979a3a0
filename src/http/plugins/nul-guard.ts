import type { FastifyInstance } from 'fastify';
import { HeraldError } from '../../errors/index.js';
import { nulPointer } from '../../util/nul-text.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route's path and query parameters are topic message text or filters over it (ntfy's
     * publish and subscribe routes), which may hold U+0000: nothing but the message cache stores
     * them, and it does so reversibly.
     */
    topicMessageParams?: boolean;
  }
}

/**
 * U+0000 is refused in every API input Herald stores, on every backend alike: PostgreSQL's text
 * columns cannot hold it (the driver's error would be a 500), and SQLite keeping what PostgreSQL
 * refuses would make `herald migrate --to postgres://` fail later instead. Two central checks:
 * this hook for path and query parameters, and {@link refuseNul} on every parsed JSON body
 * (jsonBody) and form. Headers need none: HTTP parsers reject a raw NUL in a header, and the
 * credentials decoded from one are checked where they are parsed (401, as for any unreadable
 * credentials).
 */
export function registerNulGuard(app: FastifyInstance): void {
  // A callback, not async: it never waits (see app.ts). A throw here reaches the error handler all the same.
  app.addHook('onRequest', (request, _reply, done) => {
    if (!request.routeOptions.config?.topicMessageParams) {
      refuseNul(request.params, 'path');
      refuseNul(request.query, 'query');
    }
    done();
  });
}

/** Throws 40083 when a string of `value` holds U+0000, naming `where` and the pointer to it. */
export function refuseNul(value: unknown, where: string): void {
  const pointer = nulPointer(value);
  if (pointer === undefined) return;
  // Parameters read better by name (`query user`) than as a pointer; bodies keep the pointer.
  const at = where === 'body' ? `${where} ${pointer || '(the whole body)'}` : `${where} ${pointer.replace(/^\//, '').replace(/\/\d+$/, '') || where}`;
  throw new HeraldError('nulInText', { detail: `${at} contains U+0000` });
}
