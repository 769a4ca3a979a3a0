/**
 * The Queue port on PostgreSQL: `queue_jobs` (live jobs) and `queue_dead` (dead letters) in the
 * schema of the connection's search_path, one SQL statement per operation, one file per operation
 * (enqueue, reserve, settle, dead-letters, inspect), numbered migrations run under an advisory lock.
 *
 * Why not pg-boss or graphile-worker. Both were installed (pg-boss 10.4.2 and graphile-worker
 * 0.17.3, the newest that run on Node 20; pg-boss 11+ needs Node 22.12, graphile-worker 0.18 Node
 * 22.18) and their SQL read against the port and test/helpers/queue-conformance.ts. Neither can
 * pass it through its API:
 * - Time: both compare against the database's now() (pg-boss everywhere; graphile-worker's
 *   `useNodeTime` swaps in Date.now()), so an injected Clock cannot drive run-at or visibility.
 * - Stale receipts: pg-boss `complete(name, id)` and graphile-worker's completeJobs take only a
 *   job id, so the holder of a timed-out reservation can complete a job that someone else has
 *   since re-reserved; the port's per-reservation token that makes such an ack a no-op has no
 *   counterpart.
 * - Visibility timeout: pg-boss expires active jobs from its maintenance loop (`expire_in`,
 *   counted as a failure with retry delay), not at the next fetch; graphile-worker's lock expiry is
 *   a fixed 4 hours in its SQL, not a per-reserve `visibilityMs`.
 * - Order within a lane: pg-boss fetches by `priority desc, created_on`, not by due time, so a job
 *   retried to an earlier time does not come first (fails "drains lanes … then by runAt").
 * - Dedup keys: pg-boss singleton keys are unique only per queue policy (`short` while created,
 *   `singleton` while active, `stately` per state), never across waiting + active and freed on
 *   ack/dead; a duplicate `send` returns null and batch `insert` returns nothing, so the holder's
 *   id (EnqueueResult.ids) is unknowable. graphile-worker's job keys replace the waiting job by
 *   default, `unsafe_dedupe` keeps the key on permanently failed jobs, and `addJobs` reports no
 *   duplicates.
 * - Dead letters: graphile-worker keeps failed jobs in the jobs table with no reason, dead time,
 *   paged listing or replay; pg-boss keeps them as `failed` rows until its retention deletes them
 *   (a `deadLetter` queue gets copies under new ids), with no listing API, and its `retry(ids)`
 *   has no rule for a dead job whose dedup key is live again.
 * - Partitions and batches: reserving a batch of one partition with strict lane order means one
 *   pg-boss queue per partition (created up front) and nothing like `partitions()` with next due
 *   times; graphile-worker reserves by task identifier and serialises named queues one job at a
 *   time, and its batch fetch is internal, behind a runner that calls handlers.
 * - Cancel by dedup-key prefix: neither has it (both cancel by id only).
 * Scratch runs against this machine's PostgreSQL confirmed the first points: pg-boss handed out
 * [1, 2] where the suite wants [2, 1] (2 was due earlier), accepted two jobs with one singletonKey
 * on a standard queue, and let a stale holder complete a job another fetch held; graphile-worker
 * replaced the waiting job's payload on a repeated jobKey (same id, no duplicate reported) and
 * completed a job nobody had reserved.
 * Each gap would need its own tables or SQL beside the library's, bypassing its API, so the
 * adapter is Herald's own: about the size of those workarounds, and the SQLite adapter's twin.
 *
 * Time. "Now" is Herald's injected Clock, passed to every statement as a parameter; no statement
 * reads the server's now(). run_at, visible_at and dead_at are unix ms from the same clock as the
 * SQLite queue and every other time in Herald, so tests move a ManualClock instead of sleeping,
 * and `reserve({ now })` means what the port says. The cost is that nodes must keep their clocks
 * in step (NTP), as any lease-based queue must: a node whose clock runs ahead by s sees other
 * nodes' reservations end s early. Using the server's clock instead would make it the only clock
 * but would split Herald's time in two (the scheduler, quiet hours and retry backoff all read the
 * Clock) and make the queue untestable without real waits.
 *
 * Concurrency. reserve locks the rows it picks with FOR UPDATE SKIP LOCKED inside the one
 * statement that claims them, so concurrent reserves, in this process or another, skip each
 * other's rows and never hand out a job twice while its reservation lasts; every settle matches
 * on (id, token), so a stale receipt changes nothing.
 */
export { createPostgresQueue, type PostgresQueue, type PostgresQueueOptions } from './postgres-queue.js';
