import { LocalBus } from '../adapters/local/local-bus.js';
import { createRedisBus } from '../adapters/redis/redis-bus.js';
import type { Config } from '../config/index.js';
import type { Bus } from '../ports/bus.js';
import type { Logger } from '../ports/logger.js';

/**
 * The bus `redis-url` asks for: over Redis when it is set (scale-out mode), else in-process.
 * Redis unreachable at start is a start-up error, so a node never runs cut off from the others.
 */
export function openBus(config: Config, logger: Logger, options: { prefix?: string } = {}): Promise<Bus> {
  if (config.redisUrl === '') return Promise.resolve(new LocalBus(logger));
  return createRedisBus({ url: config.redisUrl, logger, ...options });
}
