import type { PushStore } from '../../../ports/push-store.js';
import type { PushSql } from './context.js';
import { hasNul, laneIndex, pushFromRow, time, validSeq, type PushRow } from './schema.js';

const INSERT_SQL = `INSERT INTO pushes (id, created_at, send_at, expires_at, content, audience, lane, phase, actor, category)
  VALUES ($1, $2, $3, $4, $5, $6, $7, 'accepted', $8, $9) RETURNING *`;
const BY_SEQ_SQL = 'SELECT * FROM pushes WHERE seq = $1';
// Ids are the caller's and may repeat over time: the newest push with the id wins, the later seq on a tie.
const BY_ID_SQL = 'SELECT * FROM pushes WHERE id = $1 ORDER BY created_at DESC, seq DESC LIMIT 1';
const BY_ID_OF_SQL = 'SELECT * FROM pushes WHERE id = $1 AND actor = $2 ORDER BY created_at DESC, seq DESC LIMIT 1';
const BY_ID_IN_SQL = 'SELECT * FROM pushes WHERE id = $1 AND category = ANY($2::text[]) ORDER BY created_at DESC, seq DESC LIMIT 1';
const RECENT_SQL = 'SELECT * FROM pushes WHERE id = $1 AND actor = $2 AND created_at >= $3 ORDER BY created_at DESC, seq DESC LIMIT 1';
const UNROUTED_SQL = "SELECT * FROM pushes WHERE phase IN ('accepted', 'routing') ORDER BY seq";

/** The push rows themselves: accepting a push, and finding it again by id, scope or seq. */
export function preparePushes(sql: PushSql): Pick<PushStore, 'create' | 'byId' | 'recent' | 'bySeq' | 'unrouted'> {
  const one = async (name: string, text: string, values: unknown[]) => {
    const { rows } = await sql.query<PushRow>(name, text, values);
    return rows[0] && pushFromRow(rows[0]);
  };
  return {
    async create(push) {
      // Free text that reaches a column as it is: refused here with a clear message rather than by the server mid-statement.
      if (hasNul(push.id, push.actor, push.category ?? '')) throw new RangeError('a push id, actor or category cannot contain U+0000');
      const { rows } = await sql.query<PushRow>('create', INSERT_SQL, [
        push.id, time(push.createdAt), push.sendAt === null ? null : time(push.sendAt), push.expiresAt === null ? null : time(push.expiresAt),
        JSON.stringify(push.content), JSON.stringify(push.audience), laneIndex(push.lane), push.actor, push.category ?? null,
      ]);
      return pushFromRow(rows[0]!);
    },
    async byId(id, scope) {
      // No stored push has a NUL in these (create refuses it), and PostgreSQL would refuse the statement.
      if (hasNul(id, scope?.actor ?? '')) return undefined;
      if (scope?.actor !== undefined) {
        const push = await one('by_id_of', BY_ID_OF_SQL, [id, scope.actor]);
        // The sender's newest push is the one the id names; the categories only decide whether it may be seen.
        return push && scope.categories && !scope.categories.includes(push.category ?? '') ? undefined : push;
      }
      if (scope?.categories) return one('by_id_in', BY_ID_IN_SQL, [id, scope.categories.filter((c) => !hasNul(c))]);
      return one('by_id', BY_ID_SQL, [id]);
    },
    async recent(id, actor, since) {
      if (hasNul(id, actor)) return undefined;
      return one('recent', RECENT_SQL, [id, actor, time(since)]);
    },
    async bySeq(seq) {
      return validSeq(seq) ? one('by_seq', BY_SEQ_SQL, [seq]) : undefined;
    },
    async unrouted() {
      const { rows } = await sql.query<PushRow>('unrouted', UNROUTED_SQL, []);
      return rows.map(pushFromRow);
    },
  };
}
