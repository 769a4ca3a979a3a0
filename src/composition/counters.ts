import { LocalCounters } from '../adapters/local/local-counters.js';
import { createRedisCounters } from '../adapters/redis/redis-counters.js';
import type { Counters } from '../ports/counters.js';
import type { Logger } from '../ports/logger.js';
import type { RedisSettings } from './redis-settings.js';

/**
 * The rate-limit counters `redis-url` asks for: shared by every node on Redis when it is set, else
 * this process's own. Redis unreachable at start is a start-up error, like the bus: a node that
 * started without it would count alone without anyone noticing.
 */
export function openCounters(redis: RedisSettings | undefined, logger: Logger): Promise<Counters> {
  if (!redis) return Promise.resolve(new LocalCounters());
  return createRedisCounters({
    url: redis.url, keyPrefix: redis.prefix, logger, commandTimeoutMs: redis.commandTimeoutMs,
    ...(redis.ca === undefined ? {} : { ca: redis.ca }),
  });
}
