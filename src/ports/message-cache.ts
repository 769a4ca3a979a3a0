import type { Message } from './message.js';

/** Which cached messages a subscriber asks for (the parsed `since=` parameter). */
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
   * back from `messages()` until `markPublished` (or a query with `scheduled: true`).
   */
  add(message: Message, scheduled: boolean): Promise<void>;
  /** Cached messages of the topics, oldest first, as selected by `since`. Only published ones unless `scheduled`. */
  messages(query: CacheQuery): Promise<Message[]>;
  /** Scheduled messages whose time has come (time <= nowSeconds) and that were not yet published, oldest first. */
  dueMessages(nowSeconds: number): Promise<Message[]>;
  /** Marks scheduled messages as published, so they are handed out once. */
  markPublished(ids: readonly string[]): Promise<void>;
  /** One message by id (scheduled or not), for attachment downloads. */
  messageById(id: string): Promise<Message | undefined>;
  /** Deletes messages whose `expires` is before nowSeconds; returns the ids of those that had uploaded attachments. */
  pruneExpired(nowSeconds: number): Promise<string[]>;
  /** Total bytes of uploaded attachments still referenced by a sender's unexpired messages. */
  attachmentBytesBySender(sender: string, nowSeconds: number): Promise<number>;
  /** Ids of messages whose uploaded attachment expired before nowSeconds (files to delete). */
  expiredAttachmentIds(nowSeconds: number): Promise<string[]>;
  /** Ids of cached messages whose uploaded attachment is not deleted: the files that should exist. */
  attachmentIds(): Promise<string[]>;
  /** The number of messages ever published (persisted across restarts). */
  publishedCount(): Promise<number>;
  /** Adds to the persisted published-message counter. */
  countPublished(n: number): Promise<void>;
  /** Flushes pending writes and closes storage. Idempotent. */
  close(): Promise<void>;
}
