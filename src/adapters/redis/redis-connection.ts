import type { Redis, RedisOptions } from 'ioredis';
import type { Logger } from '../../ports/logger.js';

export interface RedisConnectionOptions {
  /** `redis://[user:pass@]host:port[/db]`, or `rediss://…` for TLS. */
  url: string;
  /** Prepended to every key Herald writes, so several installations can share one Redis. */
  keyPrefix?: string;
  /** PEM of the CA that signed the server's certificate, for `rediss://` with a private CA. */
  ca?: string;
  /**
   * Longest wait for any one reply, in ms (default {@link DEFAULT_COMMAND_TIMEOUT_MS}). A Redis
   * that accepts connections but stops answering (a stalled server, a half-open link) then fails
   * calls like one that is down, instead of holding every request that touches it.
   */
  commandTimeoutMs?: number;
  /** What the connection is for, in logs (`bus`, `bus-subscriber`, `counters`). */
  name: string;
  logger: Logger;
  /**
   * Client behaviour after a reconnect, for connections that must not repeat themselves: the bus
   * turns off ioredis's re-sending of unanswered commands (a PUBLISH that reached Redis just
   * before the cut would be delivered twice) and re-subscribes itself.
   */
  reconnect?: Pick<RedisOptions, 'autoResubscribe' | 'autoResendUnfulfilledCommands'>;
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 2000;

/** The URL without its password, for logs and errors. */
export function redactedRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'redis://(unparseable URL)';
  }
}

/**
 * Opens one ioredis connection. ioredis is imported here, lazily, so single-process installs never
 * load it. The connection retries for ever with a capped backoff (a node recovers by itself when
 * Redis returns); commands issued while it is down fail at once instead of queueing without bound,
 * so callers see the outage and can answer 503. Connection errors are logged without credentials,
 * once per outage.
 */
export async function openRedis(options: RedisConnectionOptions): Promise<Redis> {
  const { Redis: RedisClient } = await import('ioredis');
  const secure = options.url.startsWith('rediss://');
  const settings: RedisOptions = {
    lazyConnect: true,
    connectionName: `herald-${options.name}`,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    ...(options.keyPrefix ? { keyPrefix: options.keyPrefix } : {}),
    ...(secure ? { tls: options.ca ? { ca: options.ca } : {} } : {}),
    ...options.reconnect,
  };
  const client = new RedisClient(options.url, settings);
  const where = redactedRedisUrl(options.url);
  let down = false;
  // ioredis rejects connect() with a bare "Connection is closed" after a failed TLS handshake or
  // AUTH; the reason itself comes as an error event, so the start-up error quotes that.
  let starting = true;
  let reason: Error | undefined;
  client.on('error', (err: Error) => {
    if (starting) reason ??= err;
    if (down) return;
    down = true;
    options.logger.warn({ redis: where, connection: options.name, error: err.message }, 'redis connection lost; retrying');
  });
  client.on('ready', () => {
    if (down) options.logger.info({ redis: where, connection: options.name }, 'redis connection back');
    down = false;
  });
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    throw new Error(`cannot connect to Redis at ${where}: ${(reason ?? (err as Error)).message}`);
  } finally {
    starting = false;
  }
  return client;
}
