/**
 * The NotifyStore port on PostgreSQL: the same tables as the SQLite store (subscribers,
 * categories, templates, notifications, notify_recipients, notify_channels, notify_sends, inbox,
 * digests, suppressed_addresses) in the schema of the connection's search_path, with the same
 * operation files (see docs/storage.md). The directory (subscribers, catalog, suppressions,
 * erasure) is written with Kysely; everything done per notification, recipient or send is
 * parameterised SQL on the pool, one named statement per operation, fed by arrays where it writes
 * many rows.
 *
 * Several Herald processes share the tables. What each race-prone operation relies on:
 * - createNotification with an idempotency key: check and insert under a transaction-level
 *   advisory lock on (schema, actor, key), so requests with one key on any nodes store one
 *   notification (a window-scoped key cannot be a unique index).
 * - writeBatch, and each single ledger write: one statement of data-modifying CTEs, atomic by
 *   itself, taking row locks in key order so overlapping jobs wait instead of deadlocking.
 * - addRecipients: insert-or-keep and the notification's count and phase in one statement; the
 *   count grows only by rows this statement inserted.
 * - inbox marks and read-all: single UPDATEs that PostgreSQL re-evaluates on the latest row
 *   version once locked, so concurrent marks never overwrite each other and read-all counts an
 *   item once.
 * - addToDigest: one upsert, so events arriving at once open one digest and all land in it;
 *   takeDigest deletes on the carrier's seq.
 * - cap sends are appended rows (all kept); the atomic "does it still fit" is the shared counters'
 *   reservation, this log the durable record.
 * - putSubscriber: insert first, update after, so racing creators agree on who created.
 * - prune: batches with SKIP LOCKED, so nodes pruning together split the work.
 *
 * Times are the caller's unix ms (bigint columns); no statement reads the server's now().
 * Closing the store releases nothing: the pool belongs to whoever opened the database.
 */
export { createPostgresNotifyStore, type PostgresNotifyStoreOptions } from './postgres-notify-store.js';
