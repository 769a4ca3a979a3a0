import type { Pool } from 'pg';
import type { Message } from '../../../ports/message.js';
import type { MessageRow } from '../../sql/message-cache/schema.js';
import { storedRowToMessage } from './schema.js';

/**
 * Publishes scheduled messages, once cluster-wide: every node's delayed sender reads the same due
 * messages (dueMessages), then each marks them here and fans out only the ids it got back. The
 * subquery locks the rows it takes (FOR UPDATE SKIP LOCKED) and re-checks `published = 0` on the
 * row's newest version, so of two nodes marking the same message one flips it and the other either
 * skips the locked row or finds it published: no id is returned twice, and no two markers wait on
 * each other's locks (so none can deadlock). A row skipped because something else held it is
 * still due, and the next tick publishes it.
 */
const MARK_SQL = `
  UPDATE messages SET published = 1
  WHERE seq IN (SELECT seq FROM messages WHERE mid = ANY($1::text[]) AND published = 0 FOR UPDATE SKIP LOCKED)
  RETURNING mid`;

export function prepareMarkPublished(pool: Pool): (ids: readonly string[]) => Promise<string[]> {
  return async (ids) => {
    if (ids.length === 0) return [];
    const result = await pool.query<{ mid: string }>({ name: 'herald_cache_mark_published', text: MARK_SQL, values: [ids] });
    return result.rows.map((row) => row.mid);
  };
}

/**
 * Deletes a topic's waiting messages of one sequence (a publish with the same sequence ID replaces
 * them). The rows are taken like markPublished takes them, FOR UPDATE SKIP LOCKED with
 * `published = 0`: a message a node is publishing right now is left to that node and delivered,
 * the other outcome a client could see had the two requests come a moment apart.
 */
const DELETE_WAITING_SQL = `
  DELETE FROM messages
  WHERE seq IN (
    SELECT seq FROM messages
    WHERE published = 0 AND topic = $1 AND (sequence_id = $2 OR (sequence_id = '' AND mid = $2))
    FOR UPDATE SKIP LOCKED)
  RETURNING *`;

export function prepareDeleteScheduled(pool: Pool): (topic: string, sequenceId: string) => Promise<Message[]> {
  return async (topic, sequenceId) => {
    const result = await pool.query<MessageRow>({ name: 'herald_cache_delete_waiting', text: DELETE_WAITING_SQL, values: [topic, sequenceId] });
    return result.rows.map(storedRowToMessage);
  };
}
