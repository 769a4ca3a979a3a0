/**
 * The PushStore port (the push delivery ledger) on PostgreSQL: the same tables as the SQLite
 * ledger (pushes, deliveries, push_counts, push_stats, push_attempts, push_latency), plus
 * push_dead (below), in the schema of the connection's search_path, with the same operation files
 * (see docs/storage.md). Everything
 * is parameterised SQL on the shared pool, one named statement per operation; whatever a broadcast
 * does per delivery (a routing page, a job's claim, a job's results) is one statement for the
 * whole batch, fed by arrays (one bind per column), so a million-device push costs a few thousand
 * round trips, not millions.
 *
 * Several Herald processes share the tables. What each race-prone operation relies on:
 * - addDeliveries (the routing cursor's compare-and-set): one statement whose first step locks the
 *   push row only if its routed cursor is still `from` and routing is not over. A second router
 *   waits on that lock and, once the first commits, PostgreSQL re-checks the condition on the new
 *   row version, which fails: it gets `false` and writes nothing of its page.
 * - claim: one statement; FOR UPDATE SKIP LOCKED picks the claimable deliveries among the job's
 *   targets, so attempts claiming at once on any nodes skip each other's rows instead of waiting, and
 *   a row claimed by a committed attempt fails the re-check ('sending' under another claim): no
 *   delivery goes to two attempts while a claim lasts. A re-run of the same claim (the job handed
 *   out again after its worker died) takes its own 'sending' rows back. The rows a claim can meet
 *   locked are other claims', a cancel's, a revive's, prune's and an erasure's: the first four
 *   take, cancel, revive or delete the row anyway; an erasure wiping the token of a device a
 *   broadcast is claiming at that very moment leaves that one delivery queued and unsent, which is
 *   what erasure wants of a device whose token is gone.
 * - record: one statement; the deliveries in flight ('sending', or cancelled with the claim still
 *   set) are locked with a waiting FOR UPDATE in key order and re-read, so a result meets the row as
 *   it is now: recorded twice, or for a row no longer in flight, it changes nothing, stats included.
 * - cancel: a transaction of two statements. Locking the push row first waits out a routing page
 *   in flight, so the second statement's snapshot holds that page's rows; it then locks every
 *   unfinished delivery in key order. In-flight ones keep their claim, and record decides.
 * - reportStatus and revive: one statement each, locking the rows they move and re-reading them, so
 *   repeats and concurrent calls move a delivery once.
 * - counts and stats: kept in `push_counts` and the per-minute tables by the same statement that
 *   moves the deliveries, as summed upserts. Every statement locks in one order (push rows by
 *   seq, deliveries by (push, target), push_counts, push_stats, push_attempts, push_latency, each
 *   by key, and last push_dead, whose triggers fire at the end of the statement), so writers that
 *   meet on a row wait for each other and never deadlock.
 * - prune: slices of deliveries with SKIP LOCKED, then the push row with its counts once no
 *   delivery is left; nodes pruning at once share the work and each push is counted by the one
 *   node that deleted its row. eraseUser: one transaction, locking the pushes naming the user first.
 *
 * Cost per delivery. A delivery row is inserted once and updated twice (claim, record); those
 * updates change no indexed column and find room on pages filled to a third, so they are HOT updates
 * (no index entries, half the WAL). That is why the dead-letter listing reads `push_dead`, kept by
 * triggers, instead of a partial index on `state` as on SQLite (migrations.ts). The hot-path
 * statements commit without waiting for the WAL flush, which is safe while the queue's own
 * synchronous commits on the same server follow them (commit-mode.ts; `waitForFlush` turns it off).
 *
 * Times are the caller's unix ms (bigint columns); no statement reads the server's now().
 * Closing the store releases nothing: the pool belongs to whoever opened the database.
 */
export { createPostgresPushStore, type PostgresPushStore, type PostgresPushStoreOptions } from './postgres-push-store.js';
