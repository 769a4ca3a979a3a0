/**
 * Priority lanes inside one partition. `reserve` drains them strictly in this order, so a
 * `high` job is never handed out after a `bulk` job of the same partition that is also ready.
 */
export type Lane = 'high' | 'normal' | 'bulk';

/** The lanes in the order `reserve` drains them. */
export const LANES: readonly Lane[] = ['high', 'normal', 'bulk'];

/** What a caller hands `enqueue`. `P` must survive `JSON.stringify`/`JSON.parse` unchanged. */
export interface NewJob<P> {
  payload: P;
  /**
   * Who works this job, e.g. `'app1:apns'` (one per app and provider credential). Workers reserve
   * one partition at a time, so a slow or failing partition never holds another back. Non-empty.
   */
  partition: string;
  /** Default `'normal'`. */
  lane?: Lane;
  /** Unix ms before which the job is not handed out. Default: now. */
  runAt?: number;
  /**
   * While a job holding this key is neither acked nor dead-lettered, another job with the same key
   * is not enqueued (see {@link EnqueueResult.duplicates}). Once acked or dead, the key is free again.
   */
  dedupKey?: string;
  /** How many reservations the job gets before it is dead-lettered; a positive integer, default 5. */
  maxAttempts?: number;
}

export interface EnqueueResult {
  /**
   * One id per input job, in input order. For a duplicate it is the id of the live job that holds
   * the dedup key (which may be an earlier job of the same batch).
   */
  ids: string[];
  /** Indexes into the input of the jobs that were not enqueued because their dedup key was live. */
  duplicates: number[];
}

/** What identifies one reservation of a job: its id and the token that reservation was given. */
export interface JobReceipt {
  id: string;
  token: string;
}

export interface ReservedJob<P> extends JobReceipt {
  payload: P;
  partition: string;
  lane: Lane;
  /** When the job was due (its enqueue runAt, or the time a `retry` asked for). */
  runAt: number;
  /** Reservations so far, this one included; 1 on the first. */
  attempts: number;
  maxAttempts: number;
  dedupKey?: string;
  /** The error given to the last `retry`, if any. */
  lastError?: string;
  /** Unix ms after which the job can be reserved again unless it is acked, retried or dead-lettered. */
  reservedUntil: number;
}

export interface ReserveOptions {
  partition: string;
  /** The most jobs to hand out; a positive integer. */
  limit: number;
  /** How long the reservation hides the jobs from other reserves; a positive number of ms. */
  visibilityMs: number;
  /** Unix ms; default: the queue's clock. */
  now?: number;
  /** Only these lanes (still drained in lane order); default all. Lets a busy worker still take `high` work. */
  lanes?: readonly Lane[];
}

/** What `retry` did: back to waiting, dead-lettered because attempts ran out, or nothing (stale receipt). */
export type RetryOutcome = 'waiting' | 'dead' | 'stale';

export interface DeadJob<P> {
  id: string;
  payload: P;
  partition: string;
  lane: Lane;
  attempts: number;
  maxAttempts: number;
  dedupKey?: string;
  /** Why it was dead-lettered. */
  reason: string;
  /** Unix ms. */
  deadAt: number;
}

export interface DeadLetterQuery {
  partition?: string;
  /** The most entries to return; a positive integer. */
  limit: number;
  /** Only jobs dead-lettered strictly before this unix ms, for paging back from the last page's oldest `deadAt`. */
  before?: number;
}

/** Which dead jobs `replay` brings back: these ids, or the oldest `limit` (of one partition, if given). */
export type ReplayTarget = readonly string[] | { partition?: string; limit: number };

/** Which jobs `cancel` removes: these ids, or every job whose dedup key starts with the (non-empty) prefix. */
export type CancelFilter = { ids: readonly string[] } | { dedupKeyPrefix: string };

export interface PartitionInfo {
  partition: string;
  /** Earliest unix ms at which one of its jobs can be reserved; may be in the past (work is ready) or the future. */
  nextAt: number;
}

export interface PartitionStats {
  partition: string;
  /** Not held by a live reservation: due, scheduled, or whose reservation timed out. */
  waiting: number;
  /** The waiting jobs that are due now. */
  ready: number;
  /** Held by a reservation that has not timed out. */
  reserved: number;
  dead: number;
  /** Smallest runAt among waiting jobs, for lag (`now - oldestWaitingRunAt`); null when none wait. */
  oldestWaitingRunAt: number | null;
}

/**
 * A durable job queue with partitions, priority lanes, delayed jobs, dedup keys and a dead-letter
 * store. Delivery is at least once: a job leaves the queue only through `ack`, `deadLetter`,
 * `retry` running out of attempts, or `cancel`. A worker that crashes between `reserve` and `ack`
 * loses nothing: the job is handed out again when its visibility timeout passes, so handlers must
 * tolerate repeats (Herald's deliveries carry idempotency keys for that).
 *
 * Every adapter passes `test/helpers/queue-conformance.ts`.
 */
export interface Queue<P> {
  /**
   * Adds the jobs atomically: all of them (minus duplicates) or none. Jobs with a dedup key that is
   * already live, in the queue or earlier in the same batch, are skipped and listed in `duplicates`.
   * Rejects with a RangeError, enqueuing nothing, if any job has an empty partition, an unknown lane,
   * a non-finite runAt, a maxAttempts that is not a positive integer, or a payload JSON cannot hold.
   * Callers with millions of jobs enqueue them in batches of a few thousand to keep memory flat.
   */
  enqueue(jobs: readonly NewJob<P>[]): Promise<EnqueueResult>;

  /**
   * Hands out up to `limit` due jobs (runAt <= now) of one partition, never another's: first all
   * `high`, then `normal`, then `bulk`; within a lane by the time the job became due (its runAt, or
   * the end of a timed-out reservation), then by id. The result is sorted by lane, runAt, id.
   * Each returned job is hidden from other reserves
   * for `visibilityMs`, has its `attempts` incremented and carries a fresh token. If the holder
   * neither acks, retries nor dead-letters it in time, it becomes reservable again with a new token;
   * a job whose last allowed attempt timed out is dead-lettered instead of handed out. Concurrent
   * reserves, from any process, never hand out the same job while its reservation lasts.
   * May return fewer than `limit` jobs; an empty array means nothing of this partition is due.
   */
  reserve(options: ReserveOptions): Promise<ReservedJob<P>[]>;

  /**
   * Completes the job: it is removed and its dedup key freed. Returns false, changing nothing, when
   * the receipt is stale (the job was re-reserved under another token, retried, dead-lettered,
   * cancelled or already acked). A reservation that timed out but was not yet re-reserved can still
   * be acked. Idempotent.
   */
  ack(job: JobReceipt): Promise<boolean>;

  /**
   * Ends this attempt without success. If attempts remain, the job waits again until `runAt`
   * (keeping its lane, partition, dedup key and attempt count) and `'waiting'` is returned; if its
   * attempts reached `maxAttempts`, it is dead-lettered with `error` as the reason and `'dead'` is
   * returned. A stale receipt changes nothing and yields `'stale'`.
   */
  retry(job: JobReceipt, runAt: number, error?: string): Promise<RetryOutcome>;

  /**
   * Moves the job to the dead-letter store with `reason`, whatever attempts remain, freeing its
   * dedup key. Returns false, changing nothing, for a stale receipt.
   */
  deadLetter(job: JobReceipt, reason: string): Promise<boolean>;

  /**
   * Moves dead jobs back to waiting, due now, with attempts reset to 0. Unknown ids are ignored. A
   * dead job whose dedup key is held by a live job stays dead: that job already does its work.
   * With a filter, the oldest dead jobs go first. Returns how many were replayed.
   */
  replay(target: ReplayTarget): Promise<number>;

  /** Dead-lettered jobs, most recently dead first (ties by id, descending). */
  deadLetters(query: DeadLetterQuery): Promise<DeadJob<P>[]>;

  /**
   * The partitions that hold live (waiting or reserved) jobs, by name, each with the time its next
   * job can be reserved, so a scheduler knows which partitions to run and when to wake up.
   */
  partitions(): Promise<PartitionInfo[]>;

  /** Counts per partition that has live or dead jobs, by name. May scan the whole queue: for metrics, not hot paths. */
  stats(options?: { now?: number }): Promise<PartitionStats[]>;

  /**
   * Removes jobs that are not held by a live reservation (waiting, scheduled, or timed out), e.g. a
   * scheduled notification withdrawn before it went out. Jobs being worked on are left alone: their
   * holder decides. The prefix is literal (no wildcards). Returns how many were removed.
   */
  cancel(filter: CancelFilter): Promise<number>;
}
