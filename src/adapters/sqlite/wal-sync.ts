import { closeSync, fstatSync, fsync, fsyncSync, openSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Makes a WAL-mode database's commits durable without blocking the event loop.
 *
 * With `synchronous = FULL`, SQLite fsyncs the WAL inside every commit, on the calling thread:
 * for the message cache that is the main thread, which then serves nobody for the length of the
 * fsync. Instead the connection commits with `synchronous = NORMAL` (frames reach the OS, no
 * fsync) and this fsyncs the WAL file on libuv's thread pool before the commit is acknowledged.
 * fsync covers every write made to the file before it was called, so a commit acknowledged after
 * it survives a power cut as under FULL. SQLite only overwrites WAL frames after a checkpoint has
 * synced them into the database, so a frame is never lost between its commit and this fsync.
 */
export class WalSync {
  readonly #walFile: string;
  readonly #dbFile: string;
  #fd: number | undefined;
  #inode = 0;
  #inflight: Promise<void> | undefined;
  #next: Promise<void> | undefined;

  constructor(dbFile: string) {
    this.#dbFile = dbFile;
    this.#walFile = `${dbFile}-wal`;
    this.#reopen();
    // The WAL's directory entry must be durable too, or a synced file could vanish with it.
    syncDirectory(dirname(dbFile));
  }

  /**
   * Resolves once everything committed before the call is on disk. One fsync runs at a time:
   * callers during one wait for the next, which all of them share.
   */
  sync(): Promise<void> {
    if (this.#inflight) {
      this.#next ??= this.#inflight.catch(() => undefined).then(() => {
        this.#next = undefined;
        return this.sync();
      });
      return this.#next;
    }
    const run = this.#syncNow().finally(() => {
      this.#inflight = undefined;
    });
    this.#inflight = run;
    return run;
  }

  /** Waits for the syncs under way, then lets go of the file. */
  async close(): Promise<void> {
    while (this.#inflight || this.#next) await (this.#next ?? this.#inflight)?.catch(() => undefined);
    this.#closeFd();
  }

  #syncNow(): Promise<void> {
    // SQLite deletes the WAL when the last connection closes and recreates it on the next open;
    // if that happened under us, the fd would sync a file nobody reads.
    if (this.#fd === undefined || this.#walReplaced()) this.#reopen();
    // Without a WAL, everything is in the database file: sync that (the rare case, so opened per call).
    return this.#fd === undefined ? syncFile(this.#dbFile) : syncFd(this.#fd);
  }

  #closeFd(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #walReplaced(): boolean {
    try {
      return statSync(this.#walFile).ino !== this.#inode;
    } catch {
      return true;
    }
  }

  #reopen(): void {
    this.#closeFd();
    try {
      this.#fd = openSync(this.#walFile, 'r');
      this.#inode = fstatSync(this.#fd).ino;
    } catch {
      this.#fd = undefined;
    }
  }
}

function syncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
}

async function syncFile(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
