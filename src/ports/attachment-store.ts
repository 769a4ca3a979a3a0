import type { Readable } from 'node:stream';

/**
 * Where uploaded attachment bodies live, keyed by message id.
 * `put` resolves once the file is fully written; a partially written file is never visible.
 */
export interface AttachmentStore {
  put(id: string, body: Uint8Array): Promise<void>;
  /** A readable stream and the size, or undefined when the file is gone. */
  open(id: string): Promise<{ stream: Readable; size: number } | undefined>;
  remove(ids: readonly string[]): Promise<void>;
  /** Ids of every stored attachment. */
  ids(): Promise<string[]>;
  /** Bytes used by all stored attachments. */
  totalSize(): Promise<number>;
}
