import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Bus, BusChannel, BusChannels, BusHandler } from '../../ports/bus.js';
import type { Logger } from '../../ports/logger.js';
import { LocalBus } from '../local/local-bus.js';
import { openRedis } from './redis-connection.js';

export interface RedisBusOptions {
  /** `redis://[user:pass@]host:port[/db]`, or `rediss://…` for TLS. */
  url: string;
  /**
   * Starts the name of the Redis channel the bus runs on (`<prefix>bus`), so several
   * installations can share one Redis without hearing each other. Default `herald:`.
   */
  prefix?: string;
  /** PEM of the CA that signed the server's certificate, for `rediss://` with a private CA. */
  ca?: string;
  /** Longest wait for a Redis reply, in ms; see RedisConnectionOptions. */
  commandTimeoutMs?: number;
  logger: Logger;
  /** This node's name on the wire, to recognise its own messages; random by default (one per process). */
  nodeId?: string;
}

/** One message on the wire: the sending node, the bus channel and its payload. */
interface WireMessage {
  n: string;
  c: BusChannel;
  p: unknown;
}

export const DEFAULT_REDIS_PREFIX = 'herald:';

/**
 * Opens the Redis bus: one connection publishes, one subscribes (a subscribed connection can do
 * nothing else). Fails when Redis cannot be reached at start, so a misconfigured node never runs
 * deaf; once started it rides out outages by itself.
 */
export async function createRedisBus(options: RedisBusOptions): Promise<RedisBus> {
  // No keyPrefix on the connections: Redis does not prefix pub/sub channels, the bus does.
  const common = {
    url: options.url, logger: options.logger,
    ...(options.ca ? { ca: options.ca } : {}),
    ...(options.commandTimeoutMs !== undefined ? { commandTimeoutMs: options.commandTimeoutMs } : {}),
  };
  const pub = await openRedis({ ...common, name: 'bus', reconnect: { autoResendUnfulfilledCommands: false } });
  let sub: Redis;
  try {
    sub = await openRedis({ ...common, name: 'bus-subscriber', reconnect: { autoResubscribe: false } });
  } catch (err) {
    pub.disconnect();
    throw err;
  }
  const bus = new RedisBus(pub, sub, options);
  try {
    await bus.subscribed;
  } catch (err) {
    await bus.close();
    throw err;
  }
  return bus;
}

/**
 * The bus of a cluster, over Redis pub/sub. Every payload goes to one Redis channel
 * (`<prefix>bus`) tagged with the sending node's id and the bus channel: one channel keeps each
 * node's payloads in the order it published them (Redis forwards one connection's messages in
 * order), and every node listens to every bus channel anyway.
 *
 * This node's own payloads are handed to its handlers at once, before Redis sees them, and their
 * echo from Redis is ignored: local behaviour and latency are those of the in-process bus.
 *
 * At most once: a payload published while Redis is unreachable reaches this node's handlers only
 * (logged once per outage), and unanswered commands are never re-sent after a reconnect (a
 * PUBLISH that reached Redis just before the cut would otherwise arrive twice). After an outage
 * the subscriber subscribes again by itself; `healthy()` is false until it has.
 */
export class RedisBus implements Bus {
  readonly #local: LocalBus;
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #channel: string;
  readonly #node: string;
  readonly #logger: Logger;
  #subscribedNow = false;
  #closed = false;
  #closing: Promise<void> | undefined;
  /** Whether the current outage was logged already (publishes that could not reach Redis). */
  #dropLogged = false;
  /**
   * Publishes waiting for Redis's answer. When the publishing connection drops they stop waiting:
   * with re-sending off, ioredis never settles a command the connection lost.
   */
  readonly #waiting = new Set<() => void>();
  /** The first subscription (createRedisBus waits for it). */
  readonly subscribed: Promise<void>;

  constructor(pub: Redis, sub: Redis, options: RedisBusOptions) {
    this.#pub = pub;
    this.#sub = sub;
    this.#logger = options.logger;
    this.#local = new LocalBus(options.logger);
    this.#channel = `${options.prefix ?? DEFAULT_REDIS_PREFIX}bus`;
    this.#node = options.nodeId ?? randomBytes(12).toString('base64url');
    pub.on('close', () => {
      for (const done of [...this.#waiting]) done();
    });
    pub.on('ready', () => (this.#dropLogged = false));
    sub.on('message', (channel: string, text: string) => {
      if (channel === this.#channel) this.#receive(text);
    });
    sub.on('close', () => (this.#subscribedNow = false));
    // ioredis's own re-subscription is off: subscribing here tells us when it is done.
    sub.on('ready', () => void this.#subscribe().catch(() => {}));
    this.subscribed = this.#subscribe();
  }

  async publish<C extends BusChannel>(channel: C, payload: BusChannels[C]): Promise<void> {
    if (this.#closed) return;
    const text = JSON.stringify({ n: this.#node, c: channel, p: payload } satisfies WireMessage);
    this.#local.deliver(channel, payload);
    await new Promise<void>((resolve) => {
      const done = () => {
        this.#waiting.delete(done);
        resolve();
      };
      this.#waiting.add(done);
      this.#pub.publish(this.#channel, text).then(done, (err: Error) => {
        this.#dropped(channel, err);
        done();
      });
    });
  }

  subscribe<C extends BusChannel>(channel: C, handler: BusHandler<C>): () => void {
    return this.#local.subscribe(channel, handler);
  }

  healthy(): boolean {
    return !this.#closed && this.#subscribedNow && this.#pub.status === 'ready' && this.#sub.status === 'ready';
  }

  close(): Promise<void> {
    return (this.#closing ??= (async () => {
      this.#closed = true;
      this.#subscribedNow = false;
      await this.#local.close();
      await Promise.all([closeConnection(this.#pub), closeConnection(this.#sub)]);
    })());
  }

  /** A payload that could not reach Redis: the other nodes miss it (logged once per outage). */
  #dropped(channel: BusChannel, err: Error): void {
    if (this.#dropLogged || this.#closed) return;
    this.#dropLogged = true;
    this.#logger.warn({ channel, error: err.message }, 'bus: Redis unreachable; payloads reach this node only until it is back');
  }

  async #subscribe(): Promise<void> {
    if (this.#closed) return;
    await this.#sub.subscribe(this.#channel);
    if (!this.#closed && this.#sub.status === 'ready') this.#subscribedNow = true;
  }

  #receive(text: string): void {
    let message: WireMessage;
    try {
      message = JSON.parse(text) as WireMessage;
    } catch {
      this.#logger.warn({ channel: this.#channel }, 'bus: a message that is not JSON was ignored');
      return;
    }
    if (typeof message?.n !== 'string' || typeof message.c !== 'string') {
      this.#logger.warn({ channel: this.#channel }, 'bus: a message without node or channel was ignored');
      return;
    }
    // Our own publish, already handed to our handlers when it was made.
    if (message.n === this.#node) return;
    this.#local.deliver(message.c, message.p as BusChannels[BusChannel]);
  }
}

/** Quits politely when connected (what was sent before still goes out), else just drops the socket. */
async function closeConnection(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // Lost while quitting: fall through and drop it.
    }
  }
  client.disconnect();
}
