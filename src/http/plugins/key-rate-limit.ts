import type { FastifyInstance } from 'fastify';
import { HeraldError } from '../../errors/index.js';
import type { Clock } from '../../ports/clock.js';
import type { BucketRule, Counters } from '../../ports/counters.js';

/**
 * API-key callers are rate limited per key, with IETF RateLimit-* headers on every answer. The
 * buckets live in the shared counters, so in scale-out mode a key has one burst for the whole
 * service. Register after authentication (it reads `request.principal`) and before the scope check.
 */
export function registerKeyRateLimit(app: FastifyInstance, counters: Counters, clock: Clock, rule: BucketRule): void {
  const limit = String(rule.burst);
  app.addHook('onRequest', async (request, reply) => {
    const key = request.principal.apiKey;
    if (!key) return;
    const result = await counters.take(`key:${key.id}`, rule, clock.now());
    reply.header('ratelimit-limit', limit);
    reply.header('ratelimit-remaining', String(result.remaining));
    reply.header('ratelimit-reset', String(Math.ceil(result.waitMs / 1000)));
    if (!result.taken) throw new HeraldError('tooManyRequests', { details: { retryAfterMs: result.waitMs } });
  });
}
