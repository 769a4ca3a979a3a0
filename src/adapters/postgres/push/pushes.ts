import type { PushIdScope, PushStore } from '../../../ports/push-store.js';
import type { PushSql } from './context.js';
import { acceptedPushRecord } from '../../sql/push/rows.js';
import { hasNul, laneIndex, pushFromRow, time, validSeq, type PushRow } from './schema.js';

const INSERT_SQL = `INSERT INTO pushes (id, created_at, send_at, expires_at, content, audience, lane, phase, actor, category, analytics_id)
  VALUES ($1, $2, $3, $4, $5, $6, $7, 'accepted', $8, $9, $10) RETURNING seq`;
const BY_SEQ_SQL = 'SELECT * FROM pushes WHERE seq = $1';
// Ids are the caller's and may repeat over time: the newest push with the id wins, the later seq on a tie.
const BY_ID_SQL = 'SELECT * FROM pushes WHERE id = $1 ORDER BY created_at DESC, seq DESC LIMIT 1';
const BY_ID_OF_SQL = 'SELECT * FROM pushes WHERE id = $1 AND actor = $2 ORDER BY created_at DESC, seq DESC LIMIT 1';
const BY_ID_IN_SQL = 'SELECT * FROM pushes WHERE id = $1 AND category = ANY($2::text[]) ORDER BY created_at DESC, seq DESC LIMIT 1';
// `analytics_id = $1` implies IS NOT NULL, so these read the partial index.
const BY_ANALYTICS_SQL = 'SELECT * FROM pushes WHERE analytics_id = $1 ORDER BY created_at DESC, seq DESC LIMIT 1';
const BY_ANALYTICS_OF_SQL = 'SELECT * FROM pushes WHERE analytics_id = $1 AND actor = $2 ORDER BY created_at DESC, seq DESC LIMIT 1';
const BY_ANALYTICS_IN_SQL = 'SELECT * FROM pushes WHERE analytics_id = $1 AND category = ANY($2::text[]) ORDER BY created_at DESC, seq DESC LIMIT 1';
const RECENT_SQL = 'SELECT * FROM pushes WHERE id = $1 AND actor = $2 AND created_at >= $3 ORDER BY created_at DESC, seq DESC LIMIT 1';
const UNROUTED_SQL = "SELECT * FROM pushes WHERE phase IN ('accepted', 'routing') ORDER BY seq";
// Newest first along the primary key: each page is a range scan below the last seq seen.
const PAGE_SQL = 'SELECT * FROM pushes WHERE seq < $1 ORDER BY seq DESC LIMIT $2';
const PAGE_IN_SQL = 'SELECT * FROM pushes WHERE seq < $1 AND category = ANY($3::text[]) ORDER BY seq DESC LIMIT $2';

/** A prepared statement's name and text. */
type Statement = [name: string, text: string];

/** The push rows themselves: accepting a push, and finding it again by id, scope or seq. */
export function preparePushes(sql: PushSql): Pick<PushStore, 'create' | 'byId' | 'byAnalyticsId' | 'recent' | 'bySeq' | 'unrouted' | 'list'> {
  const one = async (name: string, text: string, values: unknown[]) => {
    const { rows } = await sql.query<PushRow>(name, text, values);
    return rows[0] && pushFromRow(rows[0]);
  };
  /** The newest push under a key (push id or analytics id), scoped as PushStore.byId describes. */
  const newest = async (key: string, scope: PushIdScope | undefined, all: Statement, of: Statement, inCategories: Statement) => {
    // No stored push has a NUL in these (create refuses it), and PostgreSQL would refuse the statement.
    if (hasNul(key, scope?.actor ?? '')) return undefined;
    if (scope?.actor !== undefined) {
      const push = await one(...of, [key, scope.actor]);
      // The sender's newest push is the one the key names; the categories only decide whether it may be seen.
      return push && scope.categories && !scope.categories.includes(push.category ?? '') ? undefined : push;
    }
    if (scope?.categories) return one(...inCategories, [key, scope.categories.filter((c) => !hasNul(c))]);
    return one(...all, [key]);
  };
  return {
    async create(push) {
      // Free text that reaches a column as it is: refused here with a clear message rather than by the server mid-statement.
      if (hasNul(push.id, push.actor, push.category ?? '', push.analyticsId ?? '')) throw new RangeError('a push id, analytics id, actor or category cannot contain U+0000');
      const { rows } = await sql.query<{ seq: string }>('create', INSERT_SQL, [
        push.id, time(push.createdAt), push.sendAt === null ? null : time(push.sendAt), push.expiresAt === null ? null : time(push.expiresAt),
        JSON.stringify(push.content), JSON.stringify(push.audience), laneIndex(push.lane), push.actor, push.category ?? null, push.analyticsId ?? null,
      ]);
      return acceptedPushRecord(Number(rows[0]!.seq), push);
    },
    async byId(id, scope) {
      return newest(id, scope, ['by_id', BY_ID_SQL], ['by_id_of', BY_ID_OF_SQL], ['by_id_in', BY_ID_IN_SQL]);
    },
    async byAnalyticsId(analyticsId, scope) {
      return newest(analyticsId, scope, ['by_analytics', BY_ANALYTICS_SQL], ['by_analytics_of', BY_ANALYTICS_OF_SQL], ['by_analytics_in', BY_ANALYTICS_IN_SQL]);
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
    async list(query) {
      const before = query.beforeSeq ?? Number.MAX_SAFE_INTEGER;
      const { rows } = query.categories
        ? await sql.query<PushRow>('page_in', PAGE_IN_SQL, [before, query.limit, query.categories.filter((c) => !hasNul(c))])
        : await sql.query<PushRow>('page', PAGE_SQL, [before, query.limit]);
      return rows.map(pushFromRow);
    },
  };
}
