/** Per-route flags read by the app-wide hooks (declared next to each route). */
declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route spends a token of the visitor's request bucket (ntfy's "RL" routes). */
    rateLimited?: boolean;
    /** The body is a JSON publish (`PUT/POST /`): a too-large body is 41303, not 41301. */
    jsonPublish?: boolean;
    /**
     * Where the route's caller puts its credentials, when not where Herald reads them
     * (`Authorization`, `?auth=`): a compatible face hands them over in Herald's form.
     */
    credentials?: (request: import('fastify').FastifyRequest) => { headers: import('node:http').IncomingHttpHeaders; query: unknown };
  }
  interface FastifyRequest {
    /** The limits account of the caller, set for every request. */
    visitor: import('../../core/limits/visitor.js').Visitor;
  }
}

export {};
