/**
 * The MessageCache port on PostgreSQL: `messages` and `stats` in the schema of the connection's
 * search_path, the same tables and columns as the SQLite cache (plus `nul_escaped`, schema.ts).
 * The reads (topic and `since` queries, due messages, attachment sums, the counter) are the
 * dialect-neutral Kysely code of adapters/sql/message-cache, shared with SQLite; the hot insert and
 * the writes nodes race on are SQL here, one file per operation.
 *
 * Durable publish, the hot path. `add` queues the row in an AsyncGroupCommit (sql/async-group-commit.ts):
 * a batch of up to `cache-batch-size` messages, or what arrived within `cache-batch-timeout` (by
 * default one event-loop turn), goes as ONE autocommitted INSERT … SELECT FROM unnest($1..$24)
 * (insert.ts): one round trip and one commit (WAL flush) per batch, however many messages, and
 * every caller's promise resolves after that commit. One batch is in flight per process; what
 * arrives meanwhile forms the next batch, so batches grow with the load instead of queueing round
 * trips. The statement's advisory lock makes nodes' inserts commit in seq order, so `since=<id>`
 * on any node never skips a message another node committed late.
 *
 * Several nodes. Every node runs the delayed sender and the manager on the same rows:
 * - dueMessages reads; markPublished (scheduled.ts) flips `published` with FOR UPDATE SKIP LOCKED
 *   and returns the ids it flipped, so each due message is handed to live subscribers by one node
 *   (TopicService fans out only what it got back);
 * - pruneExpired and expiredAttachmentIds (expiry.ts) take their rows with SKIP LOCKED and act in
 *   the same statement, so each expired file is named once cluster-wide;
 * - countPublished is `value = value + n` in one UPDATE, so concurrent additions all count.
 *
 * Time. The cache never reads a clock: every time is a caller's Unix seconds (Herald's injected
 * Clock), never the server's now(). Reads do not flush pending writes (unlike SQLite's, which are
 * synchronous): an acknowledged add is already committed, so nothing acknowledged is missed.
 */
export { createPostgresMessageCache, type PostgresMessageCacheOptions } from './postgres-message-cache.js';
