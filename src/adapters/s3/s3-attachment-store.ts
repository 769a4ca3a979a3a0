import { HeraldError } from '../../errors/index.js';
import type { AttachmentStore } from '../../ports/attachment-store.js';
import { systemClock, type Clock } from '../../ports/clock.js';
import { describeS3Location, type S3Location } from '../../util/s3-url.js';
import { createS3Client, S3ResponseError, type S3ClientOptions } from './s3-client.js';

const ID = /^[A-Za-z0-9]{1,64}$/;
/** Deletes in flight at once when many files expire together. */
const DELETE_CONCURRENCY = 8;

export interface S3AttachmentStoreOptions {
  location: S3Location;
  clock?: Clock;
  /**
   * How old the count of all stored bytes may get before `totalSize` lists the bucket again, to
   * take in what the other nodes stored and deleted. Default 30 s.
   */
  totalRefreshMs?: number;
  /** Timeouts and retries of the S3 requests. */
  client?: Omit<S3ClientOptions, 'location'>;
}

/**
 * Attachments as objects `<prefix><message id>` in an S3 bucket that every Herald node shares.
 *
 * An upload reaches the store as one buffer (the HTTP layer reads the body, at most
 * `attachment-file-size-limit`, before the quota checks) and goes up in one signed PUT: S3 makes
 * the object visible only once it is complete. Downloads stream from S3 to the client; a HEAD
 * opens the object like a GET and drops that connection once the size is known.
 *
 * The server-wide total (`attachment-total-size-limit`) counts every node's files: the bucket is
 * listed at start and again when the count is older than `totalRefreshMs`; this node's own
 * uploads and deletions are added at once.
 */
export async function createS3AttachmentStore(options: S3AttachmentStoreOptions): Promise<AttachmentStore> {
  const { location } = options;
  const clock = options.clock ?? systemClock;
  const refreshMs = options.totalRefreshMs ?? 30_000;
  const client = createS3Client({ location, ...options.client });
  const where = describeS3Location(location);
  const keyOf = (id: string): string => `${location.prefix}${id}`;

  let sizes = new Map<string, number>();
  let total = 0;
  let listedAtMs = -Infinity;
  let listing: Promise<{ id: string; writtenMs: number }[]> | undefined;
  // This node's puts (size) and deletes (undefined) while a listing runs, which it may have missed.
  const changedWhileListing = new Map<string, number | undefined>();

  const unavailable = (err: unknown): HeraldError =>
    err instanceof HeraldError ? err : new HeraldError('attachmentStoreUnavailable', {
      cause: err, details: { store: where, ...(err instanceof S3ResponseError ? { status: err.status, s3Code: err.s3Code } : {}) },
    });

  /** Lists the bucket (one listing at a time, shared by concurrent callers) and recounts from it. */
  const listAll = (): Promise<{ id: string; writtenMs: number }[]> =>
    (listing ??= (async () => {
      changedWhileListing.clear();
      try {
        const found: { id: string; size: number; writtenMs: number }[] = [];
        for await (const object of client.listObjects(location.prefix)) {
          const id = object.key.slice(location.prefix.length);
          // Keys deeper under the prefix, or not named like a message id, are not Herald's files.
          if (ID.test(id)) found.push({ id, size: object.size, writtenMs: object.lastModified });
        }
        const next = new Map(found.map((f) => [f.id, f.size]));
        for (const [id, size] of changedWhileListing) {
          if (size === undefined) next.delete(id);
          else next.set(id, size);
        }
        sizes = next;
        total = [...next.values()].reduce((sum, size) => sum + size, 0);
        listedAtMs = clock.now();
        return found;
      } catch (err) {
        throw unavailable(err);
      } finally {
        listing = undefined;
      }
    })());

  const remember = (id: string, size: number | undefined): void => {
    total += (size ?? 0) - (sizes.get(id) ?? 0);
    if (size === undefined) sizes.delete(id);
    else sizes.set(id, size);
    if (listing) changedWhileListing.set(id, size);
  };

  try {
    await listAll();
  } catch (err) {
    client.close();
    // At start a failure is a configuration problem far more often than an outage: say where.
    throw new Error(`attachment-s3-url: cannot list ${where}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`, { cause: err });
  }

  return {
    shared: true,
    async put(id, body) {
      if (!ID.test(id)) throw new Error(`invalid attachment id ${JSON.stringify(id)}`);
      try {
        await client.putObject(keyOf(id), body);
      } catch (err) {
        throw unavailable(err);
      }
      remember(id, body.length);
    },
    async open(id) {
      if (!ID.test(id)) return undefined;
      try {
        const object = await client.getObject(keyOf(id));
        return object && { stream: object.body, size: object.size };
      } catch (err) {
        throw unavailable(err);
      }
    },
    async remove(ids) {
      const queue = ids.filter((id) => ID.test(id));
      const failures: unknown[] = [];
      const worker = async () => {
        for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
          try {
            await client.deleteObject(keyOf(id));
            remember(id, undefined);
          } catch (err) {
            failures.push(err);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, queue.length) }, worker));
      // The others are gone; the next expiry pass or orphan sweep finds the rest again.
      if (failures.length > 0) throw unavailable(failures[0]);
    },
    async ids(options = {}) {
      const before = options.storedBefore;
      return (await listAll()).filter((f) => before === undefined || f.writtenMs < before).map((f) => f.id);
    },
    async totalSize() {
      if (clock.now() - listedAtMs >= refreshMs) await listAll();
      return total;
    },
    async close() {
      client.close();
    },
  };
}
