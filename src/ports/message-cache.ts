import type { Message } from './message.js';

/**
 * Which cached messages a subscriber asks for (the parsed `since=` parameter). `all`: every one;
 * `none`: none; `latest`: the last one added to each topic; `id`: those added after that message
 * (in the order they were added, whatever their times; an unknown id gives all); `time`: those
 * whose time (Unix seconds) is at or after it.
 */
export type Since =
  | { kind: 'all' }
  | { kind: 'none' }
  | { kind: 'latest' }
  | { kind: 'id'; id: string }
  | { kind: 'time'; time: number };

export interface CacheQuery {
  topics: readonly string[];
  since: Since;
  /** Also return scheduled messages that are not yet due. */
  scheduled: boolean;
}

/**
 * The durable message cache behind the topics face.
 *
 * Contract: `add` resolves only after the message is committed to storage (writes are grouped
 * into one transaction per batch, so many concurrent publishes share one commit). A crash after
 * `add` resolved never loses the message; a crash before leaves the publish unacknowledged.
 */
export interface MessageCache {
  /**
   * Stores a message; resolves after the commit that includes it. A `scheduled` message is kept
   * back from `messages()` until `markPublished` (or a query with `scheduled: true`). Messages and
   * the `message_clear`/`message_delete` events are cached (poll requests never are): each reads
   * back with its event and every other field as given, fields left unset staying unset (an
   * empty string or list, or a zero, counts as unset).
   */
  add(message: Message, scheduled: boolean): Promise<void>;
  /**
   * Deletes the topic's scheduled messages that are not yet published and belong to the sequence
   * (ntfy 2.16): those whose `sequence_id` is `sequenceId`, and those without one whose id is.
   * Returns the deleted messages, so the caller can remove their uploads. A message a concurrent
   * `markPublished` took first is published, not deleted; it is not returned.
   */
  deleteScheduled(topic: string, sequenceId: string): Promise<Message[]>;
  /**
   * Cached messages of the topics, as selected by `since`, by time, ties in the order they were
   * added. Only published ones unless `scheduled` (`latest` always looks at published ones).
   */
  messages(query: CacheQuery): Promise<Message[]>;
  /** Scheduled messages whose time has come (time <= nowSeconds) and that were not yet published, oldest first. */
  dueMessages(nowSeconds: number): Promise<Message[]>;
  /**
   * Marks scheduled messages as published, so they are handed out once, and returns the ids this
   * call published. Unknown and already published ids are ignored and not returned: of several
   * callers (or nodes sharing the cache) marking the same message at once, exactly one gets its id
   * back, and only that one hands the message out.
   */
  markPublished(ids: readonly string[]): Promise<string[]>;
  /** One message by id (scheduled or not), for attachment downloads. */
  messageById(id: string): Promise<Message | undefined>;
  /**
   * Deletes messages (scheduled ones too) whose `expires` is before nowSeconds (strictly; without
   * `expires` never); returns the ids of those whose uploaded attachment (one with a `size`) was
   * not yet handed out by `expiredAttachmentIds`.
   */
  pruneExpired(nowSeconds: number): Promise<string[]>;
  /**
   * Makes every cached message of the topic (scheduled ones too) expire before nowSeconds, so the
   * next `pruneExpired(nowSeconds)` deletes them and names their files (ntfy's "delete messages"
   * when a reservation ends).
   */
  expireTopic(topic: string, nowSeconds: number): Promise<void>;
  /** Total bytes of a sender's uploaded attachments (scheduled messages' too) whose expiry is at or after nowSeconds and that were not handed out for deletion. */
  attachmentBytesBySender(sender: string, nowSeconds: number): Promise<number>;
  /**
   * Ids of messages whose attachment expired before nowSeconds (strictly): the files to delete.
   * Each is handed out once and no longer counts anywhere; the message keeps its attachment fields
   * until it expires itself.
   */
  expiredAttachmentIds(nowSeconds: number): Promise<string[]>;
  /** Ids of cached messages whose uploaded attachment is not deleted: the files that should exist. */
  attachmentIds(): Promise<string[]>;
  /** The number of messages ever published (persisted across restarts). */
  publishedCount(): Promise<number>;
  /** Adds to the persisted published-message counter, atomically: additions made at once all count. */
  countPublished(n: number): Promise<void>;
  /** Flushes pending writes and closes storage. Idempotent. */
  close(): Promise<void>;
}
