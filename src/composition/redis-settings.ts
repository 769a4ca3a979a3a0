import { readFile } from 'node:fs/promises';
import type { Config } from '../config/index.js';

/** What every Redis connection of this process is opened with, from the `redis-*` keys. */
export interface RedisSettings {
  url: string;
  prefix: string;
  ca?: string;
  commandTimeoutMs: number;
}

/**
 * The Redis settings of `config`, the CA file read once; undefined without `redis-url`. An
 * unreadable `redis-ca-file` is a start-up error naming the key.
 */
export async function redisSettings(config: Config): Promise<RedisSettings | undefined> {
  if (config.redisUrl === '') return undefined;
  let ca: string | undefined;
  if (config.redisCaFile !== '') {
    try {
      ca = await readFile(config.redisCaFile, 'utf8');
    } catch (err) {
      throw new Error(`cannot read redis-ca-file ${config.redisCaFile}: ${(err as Error).message}`);
    }
  }
  return { url: config.redisUrl, prefix: config.redisPrefix, commandTimeoutMs: config.redisCommandTimeout, ...(ca === undefined ? {} : { ca }) };
}
