import { encodeFrame, type Envelope, type StreamFormat } from '../../core/hub/envelope.js';
import type { Hub, LiveSubscriber } from '../../core/hub/hub.js';
import type { Message } from '../../core/messages/message.js';
import { passesFilters } from '../../core/subscriptions/filters.js';
import type { TopicService } from '../../core/topics/topic-service.js';
import type { Clock } from '../../ports/clock.js';
import type { Principal } from '../../core/auth/principal.js';
import type { Logger } from '../../ports/logger.js';
import { MESSAGE_ID_LENGTH, randomId } from '../../util/ids.js';
import type { SubscribeRequest } from './subscribe-request.js';

/** The socket side of one live stream: the HTTP streams and WebSocket each provide one. */
export interface StreamTransport {
  readonly format: StreamFormat;
  write(frame: Uint8Array): void;
  /** Bytes handed to the socket but not yet sent. */
  buffered(): number;
  /** Keeps an idle connection alive (a keepalive event, or a ping frame on WebSocket). */
  keepalive(event: Uint8Array): void;
  /** Ends the connection: after sending what is queued when graceful, at once otherwise. */
  close(graceful: boolean): void;
}

export interface LiveStreamDeps {
  hub: Hub;
  topics: TopicService;
  clock: Clock;
  logger: Logger;
  keepaliveMs: number;
  /** A subscriber with more than this many bytes unsent is dropped: it can resume with since=. */
  bufferLimit: number;
  onDrop?(reason: string): void;
  /** Counts each message handed to the transport. */
  onDeliver?(): void;
}

/** A control event (open, keepalive) for a stream: a fresh id, the URL's topic list. */
export function controlEvent(event: 'open' | 'keepalive', topicList: string, nowMs: number): Message {
  return { id: randomId(MESSAGE_ID_LENGTH), time: Math.floor(nowMs / 1000), event, topic: topicList };
}

function frameOf(format: StreamFormat, message: Message): Uint8Array {
  return Buffer.from(encodeFrame(format, message), 'utf8');
}

/**
 * One subscriber's live stream: registers with the hub before reading the cache (so nothing
 * published in between is missed), sends `open`, replays cached messages, then live ones.
 */
export class LiveStream implements LiveSubscriber {
  readonly topics: readonly string[];
  readonly principal: Principal;
  readonly #request: SubscribeRequest;
  readonly #transport: StreamTransport;
  readonly #d: LiveStreamDeps;
  /** Live messages that arrived while the cache replay was running, sent right after it. */
  #held: Envelope[] | undefined = [];
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(request: SubscribeRequest, principal: Principal, transport: StreamTransport, deps: LiveStreamDeps) {
    this.topics = request.topics;
    this.principal = principal;
    this.#request = request;
    this.#transport = transport;
    this.#d = deps;
  }

  accepts(message: Message): boolean {
    return passesFilters(message, this.#request.filters);
  }

  deliver(envelope: Envelope): void {
    if (this.#stopped) return;
    if (this.#held) {
      this.#held.push(envelope);
      return;
    }
    this.#send(envelope.frame(this.#transport.format));
    this.#d.onDeliver?.();
  }

  async start(): Promise<void> {
    const d = this.#d;
    const req = this.#request;
    d.hub.add(this);
    this.#send(frameOf(this.#transport.format, controlEvent('open', req.topicList, d.clock.now())));
    const replayed = new Set<string>();
    if (req.since.kind !== 'none') {
      const cached = await d.topics.cached({ topics: req.topics, since: req.since, scheduled: req.scheduled });
      for (const m of cached) {
        if (this.#stopped) return;
        if (!this.accepts(m)) continue;
        replayed.add(m.id);
        this.#send(frameOf(this.#transport.format, m));
      }
    }
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const envelope of held) if (!replayed.has(envelope.message.id)) this.#send(envelope.frame(this.#transport.format));
    if (!this.#stopped && d.keepaliveMs > 0) {
      this.#timer = setInterval(() => this.#keepalive(), d.keepaliveMs);
      this.#timer.unref();
    }
  }

  /** Ends the stream for good (shutdown): unregisters, then closes the connection after what is queued. */
  close(): void {
    this.stop();
    this.#transport.close(true);
  }

  /** Unregisters and stops timers. Idempotent; the transport closes its own socket. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#d.hub.remove(this);
    if (this.#timer) clearInterval(this.#timer);
  }

  #keepalive(): void {
    if (this.#stopped) return;
    const event = controlEvent('keepalive', this.#request.topicList, this.#d.clock.now());
    this.#transport.keepalive(frameOf(this.#transport.format, event));
  }

  #send(frame: Uint8Array): void {
    if (this.#stopped) return;
    if (this.#transport.buffered() > this.#d.bufferLimit) {
      const reason = 'slow subscriber: send buffer limit exceeded';
      this.#d.logger.warn({ topics: this.#request.topicList, buffered: this.#transport.buffered() }, reason);
      this.#d.onDrop?.(reason);
      this.stop();
      this.#transport.close(false);
      return;
    }
    this.#transport.write(frame);
  }
}
