/**
 * How the hot-path statements (routing pages, cursors, claims, records) commit.
 *
 * With `synchronous_commit` on, every commit waits for its WAL to reach the disk: on an ordinary
 * disk a few milliseconds, and the row locks of the hot count and stats rows are held all that time,
 * so the claims and records of a broadcast would queue up behind one flush after another. These
 * statements therefore commit without waiting (`synchronous_commit = off` for their own transaction
 * only, set inside the statement so it stays one round trip). That is safe for the same reason the
 * SQLite ledger's commits need no sync: PostgreSQL writes and flushes its WAL in order, and every
 * ledger write that must survive a server crash is followed, before anything relies on it, by a
 * synchronous commit of the queue on the same server (a page's rows by their send jobs; results by
 * the job's ack), whose flush covers the earlier ledger commit too. A write lost with no such
 * commit after it (a claim, a page that added nothing, a cursor) is one the recovery paths redo.
 * A server crash loses nothing else: the WAL writer flushes on its own within wal_writer_delay.
 *
 * When the queue is not on the same server, that reasoning does not hold: `waitForFlush` keeps
 * every commit synchronous.
 */
export interface CommitMode {
  /** A CTE (with its trailing comma) to put first in the statement's WITH list; empty when synchronous. */
  readonly cte: string;
  /** A select-list item that makes the statement evaluate the CTE; `NULL` when synchronous. */
  readonly column: string;
  /** Appended to statement names, so each variant is its own prepared statement. */
  readonly suffix: string;
}

export function commitMode(waitForFlush: boolean): CommitMode {
  if (waitForFlush) return { cte: '', column: 'NULL', suffix: '_sync' };
  return {
    // is_local: the setting ends with this statement's own (implicit) transaction, so the pooled
    // connection goes back to the other stores exactly as it was.
    cte: "relaxed AS (SELECT set_config('synchronous_commit', 'off', true) AS setting),",
    column: '(SELECT setting FROM relaxed)',
    suffix: '',
  };
}
