import { randomBytes } from 'node:crypto';
import { HarnessError } from './proc.js';

/**
 * The machine's Redis, as the scale-out benchmarks use it. Each run gets a key and channel prefix
 * of its own (Herald's `redis-prefix`), so two runs, or a run and the tests, never hear each
 * other's bus traffic or share counters, and the run's keys are removed when it ends.
 */
export const BENCH_REDIS_URL = process.env.HERALD_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

export interface BenchRedisPrefix {
  prefix: string;
  /** Deletes every key under the prefix (counters; the bus keeps no keys) and disconnects. */
  drop(): Promise<void>;
}

export async function freshPrefix(name: string): Promise<BenchRedisPrefix> {
  const prefix = `herald-bench:${name}:${randomBytes(4).toString('hex')}:`;
  const { Redis } = await import('ioredis');
  const redis = new Redis(BENCH_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new HarnessError(`cannot reach Redis at ${new URL(BENCH_REDIS_URL).host} (set HERALD_BENCH_REDIS_URL): ${(err as Error).message}`);
  }
  let dropped: Promise<void> | undefined;
  return {
    prefix,
    drop() {
      dropped ??= (async () => {
        try {
          let cursor = '0';
          do {
            const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
            if (keys.length > 0) await redis.unlink(...keys);
            cursor = next;
          } while (cursor !== '0');
        } finally {
          redis.disconnect();
        }
      })();
      return dropped;
    },
  };
}
