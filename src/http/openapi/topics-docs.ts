import type { FastifySchema } from 'fastify';

/** Documentation of topics-face routes, which parse their own bodies and so carry no schemas. */
export function topicsFaceDocs(_methods: readonly string[], _url: string): FastifySchema | undefined {
  return undefined;
}
