import type { Pool } from 'pg';

/**
 * Expiry, which every node's manager runs: each statement takes its rows with FOR UPDATE SKIP
 * LOCKED and changes them in the same statement, so two nodes never both act on a row and never
 * wait on each other. Each file to delete is named once cluster-wide: by expiredAttachmentIds
 * (which marks it deleted) or, if that never did, by pruneExpired with its message. When the two
 * meet on a row, the one that locked it first acts and the other skips it this round; a skipped
 * row still matches next time, and by then the mark says whether its file was already named.
 */
const PRUNE_SQL = `
  WITH gone AS (
    DELETE FROM messages
    WHERE seq IN (SELECT seq FROM messages WHERE expires > 0 AND expires < $1 FOR UPDATE SKIP LOCKED)
    RETURNING mid, attachment_size, attachment_deleted
  )
  SELECT mid FROM gone WHERE attachment_size > 0 AND attachment_deleted = 0`;

const EXPIRED_FILES_SQL = `
  UPDATE messages SET attachment_deleted = 1
  WHERE seq IN (
    SELECT seq FROM messages
    WHERE attachment_deleted = 0 AND attachment_expires > 0 AND attachment_expires < $1
    FOR UPDATE SKIP LOCKED)
  RETURNING mid`;

export interface Expiry {
  pruneExpired(nowSeconds: number): Promise<string[]>;
  expiredAttachmentIds(nowSeconds: number): Promise<string[]>;
}

export function prepareExpiry(pool: Pool): Expiry {
  const ids = async (name: string, text: string, nowSeconds: number): Promise<string[]> => {
    if (!Number.isFinite(nowSeconds)) throw new RangeError(`${name}: nowSeconds must be a finite number`);
    // `x < now` is `x < ceil(now)` for the integer columns, and the parameter is a bigint.
    const result = await pool.query<{ mid: string }>({ name, text, values: [Math.ceil(nowSeconds)] });
    return result.rows.map((row) => row.mid);
  };
  return {
    pruneExpired: (nowSeconds) => ids('herald_cache_prune', PRUNE_SQL, nowSeconds),
    expiredAttachmentIds: (nowSeconds) => ids('herald_cache_expired_files', EXPIRED_FILES_SQL, nowSeconds),
  };
}
