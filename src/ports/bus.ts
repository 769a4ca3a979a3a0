import type { Message } from './message.js';
import type { InboxItem } from './notify-store.js';

/**
 * What reaches an open inbox stream: a new item (with the unread count after it), a new unread
 * count, or the end (the subscriber was erased).
 */
export type InboxBusEvent =
  | { kind: 'item'; item: InboxItem; unread: number }
  | { kind: 'unread'; unread: number }
  | { kind: 'gone' };

/**
 * Every channel of the bus and what it carries. Payloads are plain JSON data: in scale-out mode
 * they cross processes.
 */
export interface BusChannels {
  /** A published topic message, for live subscribers (json/sse/raw/ws, the Web Push bridge) on every node. */
  'topic.message': Message;
  /** A change in one subscriber's in-app inbox, for that subscriber's open inbox streams. */
  'inbox.event': { subscriberId: string; event: InboxBusEvent };
  /**
   * Accounts, tokens, keys or access rules changed: every node re-checks its open streams and
   * drops what it caches about credentials.
   */
  'access.changed': { reason: string };
  /** A push was cancelled: every node stops that push's sends in flight and forgets its state. */
  'push.cancelled': { seq: number };
  /** A notification was cancelled: every node stops planning and sending it. */
  'notify.cancelled': { seq: number };
  /**
   * Jobs became due in these partitions of the named queue: nodes whose workers serve them reserve
   * at once instead of waiting out an idle poll.
   */
  'queue.wake': { queue: string; partitions: string[] };
  /** A record some node caches changed (e.g. a template): every node drops its copy. */
  'cache.invalidate': { kind: string; key: string };
}

export type BusChannel = keyof BusChannels;

export type BusHandler<C extends BusChannel> = (payload: BusChannels[C]) => void;

/**
 * The cluster bus: what one node does that every node must hear. In single-process mode it is an
 * in-process dispatcher; in scale-out mode it runs over Redis.
 *
 * Contract:
 * - `publish` reaches the channel's handlers on every node, this one included. This node's own
 *   handlers run without a network round trip (before `publish` resolves), so single-node behaviour
 *   and latency do not depend on the transport.
 * - At most once, and only to nodes connected at the time: the bus carries live copies and hints,
 *   never the only copy of anything. Durable state lives in the stores; a node that missed messages
 *   while cut off catches up from them (streams resume with `since`, queues are polled).
 * - Payloads from one node on one channel arrive in the order they were published. There is no
 *   order across channels or across nodes.
 * - A handler that throws is logged and does not stop other handlers or later payloads.
 */
export interface Bus {
  publish<C extends BusChannel>(channel: C, payload: BusChannels[C]): Promise<void>;
  /** Adds a handler for the channel; the returned function removes it (idempotent). */
  subscribe<C extends BusChannel>(channel: C, handler: BusHandler<C>): () => void;
  /** False while the transport is disconnected (readiness reports it); in-process: always true. */
  healthy(): boolean;
  /** Stops delivering and releases the transport; idempotent. */
  close(): Promise<void>;
}
