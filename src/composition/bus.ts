import { LocalBus } from '../adapters/local/local-bus.js';
import { createRedisBus } from '../adapters/redis/redis-bus.js';
import type { Bus } from '../ports/bus.js';
import type { Logger } from '../ports/logger.js';
import type { RedisSettings } from './redis-settings.js';

/**
 * The bus `redis-url` asks for: over Redis when it is set (scale-out mode), else in-process.
 * Redis unreachable at start is a start-up error, so a node never runs cut off from the others.
 */
export function openBus(redis: RedisSettings | undefined, logger: Logger): Promise<Bus> {
  if (!redis) return Promise.resolve(new LocalBus(logger));
  return createRedisBus({
    url: redis.url, prefix: redis.prefix, logger, commandTimeoutMs: redis.commandTimeoutMs,
    ...(redis.ca === undefined ? {} : { ca: redis.ca }),
  });
}
