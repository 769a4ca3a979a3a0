import type { Redis } from 'ioredis';
import type { BucketRule, BucketTake, CapWindow, Counters, DailyAdd, Reservation } from '../../ports/counters.js';
import type { Logger } from '../../ports/logger.js';
import { checkBucketArgs, checkDailyArgs, checkReleaseArgs, checkReserveArgs } from '../../util/counter-args.js';
import { utcDay, utcDayEnd } from '../../util/daily-counter.js';
import { LocalCounters } from '../local/local-counters.js';
import { ADD_DAILY_LUA } from './counters/add-daily.js';
import { RELEASE_WINDOW_LUA, RESERVE_WINDOW_LUA } from './counters/reserve-window.js';
import { TAKE_BUCKET_LUA } from './counters/take-bucket.js';
import { openRedis } from './redis-connection.js';

/**
 * Kept beyond the moment a key stops mattering: expiry runs on Redis's clock while the arithmetic
 * runs on the callers' clocks, and a key must never expire while a caller still counts on it.
 */
const SLACK_MS = 60_000;

/** The key spaces under the prefix: buckets, daily counts (one key per day), reservation windows. */
const BUCKET = 'b:';
const DAY = 'd:';
const WINDOW = 'w:';

/** The scripts as ioredis commands (defineCommand: EVALSHA, loading the script on NOSCRIPT). */
interface CounterScripts {
  heraldTakeBucket(key: string, burst: number, refillMs: number, now: number, n: number, slackMs: number): Promise<[number, number, number, number]>;
  heraldAddDaily(key: string, limit: number, n: number, ttlMs: number): Promise<[number, number]>;
  heraldReserveWindow(keyCount: number, ...keysThenArgs: (string | number)[]): Promise<[number, number, number?]>;
  heraldReleaseWindow(keyCount: number, ...keysThenArgs: string[]): Promise<number>;
}

export interface RedisCountersOptions {
  /** `redis://[user:pass@]host:port[/db]`, or `rediss://…` for TLS. */
  url: string;
  /**
   * Prepended to every key, so several installations (or tests) can share one Redis. Every node of
   * one installation must use the same prefix, or they count apart. Default `herald:`.
   */
  keyPrefix?: string;
  /** PEM of the CA that signed the server's certificate, for `rediss://` with a private CA. */
  ca?: string;
  /** Longest wait for a Redis reply, in ms; see RedisConnectionOptions. */
  commandTimeoutMs?: number;
  logger: Logger;
}

/**
 * Shared counters on Redis: every operation is one Lua script run atomically by the server, so
 * any number of nodes share each bucket, daily count and window exactly. Keys expire once they no
 * longer change an answer (a full bucket is deleted at once), so idle visitors cost no memory.
 *
 * While Redis is unreachable (or failing), buckets and daily counts are answered by a LocalCounters
 * of this process (the limits then hold per node, never not at all) and `healthy()` is false while
 * disconnected; the local counts are dropped once Redis answers again. Reservations reject instead
 * (see the port).
 *
 * Keys of one reservation should share a hash tag (`{subscriber}`) if Redis runs as a cluster, as
 * a script may only touch keys of one slot there.
 */
export class RedisCounters implements Counters {
  readonly #client: Redis;
  readonly #scripts: CounterScripts;
  readonly #prefix: string;
  readonly #logger: Logger;
  #fallback: LocalCounters | undefined;
  #closing: Promise<void> | undefined;
  #probe: Promise<unknown> | undefined;

  constructor(client: Redis, prefix: string, logger: Logger) {
    this.#client = client;
    this.#prefix = prefix;
    this.#logger = logger;
    client.defineCommand('heraldTakeBucket', { numberOfKeys: 1, lua: TAKE_BUCKET_LUA });
    client.defineCommand('heraldAddDaily', { numberOfKeys: 1, lua: ADD_DAILY_LUA });
    client.defineCommand('heraldReserveWindow', { lua: RESERVE_WINDOW_LUA });
    client.defineCommand('heraldReleaseWindow', { lua: RELEASE_WINDOW_LUA });
    this.#scripts = client as unknown as CounterScripts;
  }

  async take(key: string, rule: BucketRule, now: number, n = 1): Promise<BucketTake> {
    this.#open();
    checkBucketArgs(rule, now, n);
    try {
      const [taken, remaining, waitMs, fullMs] = await this.#scripts.heraldTakeBucket(BUCKET + key, rule.burst, rule.refillMs, now, n, SLACK_MS);
      if (this.#fallback) this.#recovered();
      return { taken: taken === 1, remaining, waitMs, fullMs };
    } catch (err) {
      return this.#degraded(err).take(key, rule, now, n);
    }
  }

  async addDaily(key: string, limit: number, now: number, n = 1): Promise<DailyAdd> {
    this.#open();
    checkDailyArgs(limit, now, n);
    const day = utcDay(now);
    try {
      const [added, value] = await this.#scripts.heraldAddDaily(`${DAY}${key}:${day}`, limit, n, Math.max(0, utcDayEnd(day) - now) + SLACK_MS);
      if (this.#fallback) this.#recovered();
      return { added: added === 1, value };
    } catch (err) {
      return this.#degraded(err).addDaily(key, limit, now, n);
    }
  }

  async reserve(id: string, windows: readonly CapWindow[], now: number): Promise<Reservation> {
    this.#open();
    checkReserveArgs(id, windows, now);
    const keys: string[] = [];
    const args: (string | number)[] = [id, now, SLACK_MS];
    for (const w of windows) {
      let index = keys.indexOf(WINDOW + w.key);
      if (index < 0) index = keys.push(WINDOW + w.key) - 1;
      args.push(index + 1, w.limit ?? -1, w.windowMs);
    }
    try {
      const [reserved, second, retryAt] = await this.#scripts.heraldReserveWindow(keys.length, ...keys, ...args);
      if (reserved === 1) return { reserved: true, repeated: second === 1 };
      return retryAt !== undefined && retryAt >= 0 ? { reserved: false, window: second, retryAt } : { reserved: false, window: second };
    } catch (err) {
      throw this.#unreachable(err);
    }
  }

  async release(id: string, keys: readonly string[]): Promise<boolean> {
    this.#open();
    checkReleaseArgs(id, keys);
    if (keys.length === 0) return false;
    try {
      return (await this.#scripts.heraldReleaseWindow(keys.length, ...keys.map((k) => WINDOW + k), id)) > 0;
    } catch (err) {
      throw this.#unreachable(err);
    }
  }

  healthy(): boolean {
    // A connection that stays up but whose commands time out (a hung Redis) has put this node on
    // its own counts: that is not healthy either, until a command succeeds again.
    if (this.#closing !== undefined || this.#client.status !== 'ready') return false;
    if (this.#fallback === undefined) return true;
    // No request may come to prove Redis answers again, so the probe itself asks it.
    this.#probe ??= this.#client.ping().then(
      () => this.#fallback && this.#recovered(),
      () => undefined,
    ).finally(() => (this.#probe = undefined));
    return false;
  }

  close(): Promise<void> {
    this.#closing ??= this.#client.quit().then(
      () => undefined,
      () => this.#client.disconnect(),
    );
    return this.#closing;
  }

  /**
   * Deletes every counter under this prefix, e.g. when a test is done with its namespace. Not for
   * a running service: its limits would start again from nothing.
   */
  async purge(): Promise<number> {
    this.#open();
    let removed = 0;
    for (const space of [BUCKET, DAY, WINDOW]) {
      let cursor = '0';
      do {
        // SCAN patterns are not prefixed by ioredis, and the keys it returns carry the prefix.
        const [next, found] = await this.#client.scan(cursor, 'MATCH', `${this.#prefix}${space}*`, 'COUNT', 500);
        cursor = next;
        if (found.length > 0) removed += await this.#client.unlink(...found.map((k) => k.slice(this.#prefix.length)));
      } while (cursor !== '0');
    }
    return removed;
  }

  #open(): void {
    if (this.#closing) throw new Error('counters closed');
  }

  /**
   * The counters to answer from after Redis failed a call: this process's own. Any failure counts,
   * an error reply too (out of memory, a replica that turned read-only): a rate limit must never be
   * what takes the service down. Every call tries Redis first, so the first success ends this.
   */
  #degraded(err: unknown): LocalCounters {
    if (this.#closing) throw err;
    if (!this.#fallback) {
      this.#logger.warn({ error: (err as Error).message }, 'shared counters failing on redis; rate limits hold per node until it answers again');
      this.#fallback = new LocalCounters();
    }
    return this.#fallback;
  }

  /** Redis answers again: what was counted locally meanwhile is dropped. */
  #recovered(): void {
    this.#logger.info({}, 'shared counters back on redis');
    this.#fallback = undefined;
  }

  #unreachable(err: unknown): unknown {
    if (isReplyError(err)) return err;
    return new Error(`shared counters unreachable on redis: ${(err as Error).message}`, { cause: err });
  }
}

/** ioredis rejects with a ReplyError when the server answered with an error (a failing script). */
function isReplyError(err: unknown): boolean {
  return err instanceof Error && err.name === 'ReplyError';
}

/** Opens a connection of its own (`herald-counters`) and the counters on it. */
export async function createRedisCounters(options: RedisCountersOptions): Promise<RedisCounters> {
  const prefix = options.keyPrefix ?? 'herald:';
  const client = await openRedis({
    url: options.url, keyPrefix: prefix, name: 'counters', logger: options.logger,
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
    ...(options.commandTimeoutMs !== undefined ? { commandTimeoutMs: options.commandTimeoutMs } : {}),
  });
  return new RedisCounters(client, prefix, options.logger);
}
