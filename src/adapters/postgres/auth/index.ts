/**
 * The AuthStore port on PostgreSQL: the tables `users`, `tokens` and `access` in the schema of the
 * connection's search_path, with the queries SQLite uses too (src/adapters/sql/auth/), numbered
 * migrations run under an advisory lock, and the PostgreSQL answers to SQLite's two specifics.
 *
 * The change counter. On SQLite, the server notices the CLI's commits through `PRAGMA
 * data_version`. Here every node and the CLI write the same database, so a change committed by any
 * connection must move the counter every node reads. It is one row, `auth_changes`, bumped by a
 * statement trigger on each of the three tables in the writing transaction: transactional, so a
 * reader sees the new number exactly when the change is visible (a sequence moves before the
 * commit, and a node that re-read the ACL then would miss the change for good); durable and
 * polled, so a node that lost its connection for a while still sees that something changed (with
 * LISTEN/NOTIFY it would have missed the notification); and one primary-key read per poll. Like
 * SQLite's, it moves on every write to the account tables, a token's last-access bookkeeping
 * included (SQLite's data_version and its own write count both move on that write too).
 *
 * Concurrency. The trigger fires BEFORE each statement, so the counter row is the first lock
 * every account write takes: account writes from all processes are serialised in one order, which
 * rules out deadlocks among them and makes addToken's cap exact (two nodes adding a user's 61st
 * token at once end with 60, not 61: the second one's prune runs after the first one committed).
 * Two nodes adding the same user name meet the UNIQUE index; the second gets `duplicate`.
 *
 * Time. A token's `created` (which decides pruning order) comes from the injected Clock; ties
 * within a second are broken by an identity column, `seq`, PostgreSQL's stand-in for rowid.
 */
export { createPostgresAuthStore, type PostgresAuthStoreOptions } from './postgres-auth-store.js';
