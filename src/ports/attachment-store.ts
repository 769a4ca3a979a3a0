import type { Readable } from 'node:stream';

/**
 * Where uploaded attachment bodies live, keyed by message id.
 * `put` resolves once the file is fully written; a partially written file is never visible.
 */
export interface AttachmentStore {
  /**
   * True when other Herald processes use the same store (an S3 bucket every node shares). A file
   * this process knows nothing about may then be another node's upload in progress, or an uncached
   * upload another node remembers: it is no orphan until it is older than any attachment can live.
   */
  readonly shared: boolean;
  put(id: string, body: Uint8Array): Promise<void>;
  /** A readable stream and the size, or undefined when the file is gone. */
  open(id: string): Promise<{ stream: Readable; size: number } | undefined>;
  /** Deletes the files; ids that are not stored are skipped. */
  remove(ids: readonly string[]): Promise<void>;
  /**
   * Ids of every stored attachment; with `storedBefore` (ms since the epoch), only of those written
   * before then (by the store's own clock: a file system's or an S3 server's).
   */
  ids(options?: { storedBefore?: number }): Promise<string[]>;
  /**
   * Bytes used by all stored attachments. A shared store counts the other nodes' files as of its
   * last look at the whole store, which may be a little behind.
   */
  totalSize(): Promise<number>;
  /** Releases what the store holds open (connections); idempotent. */
  close(): Promise<void>;
}
