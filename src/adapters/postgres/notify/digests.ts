import type { NotifyStore } from '../../../ports/notify-store.js';
import type { NotifyContext } from './context.js';
import { digestOf, time, type DigestRow } from './schema.js';

/**
 * Opening a digest or appending to the open one is a single upsert: concurrent events for one
 * (subscriber, category), on any node, queue on the row and each lands in it, and exactly one of
 * them opens it. Which one is told by the array's length after the statement: opening writes one
 * event, appending adds to at least one (a digest is never empty: the table checks it), so a
 * length of one means this statement inserted the row.
 */
const ADD_SQL = `
  INSERT INTO digests (subscriber_id, category, carrier_seq, flush_at, events) VALUES ($1, $2, $3, $4, ARRAY[$5::text])
  ON CONFLICT (subscriber_id, category) DO UPDATE SET events = digests.events || excluded.events
  RETURNING *, cardinality(events) = 1 AS opened`;

/** Only the job that carries the digest takes it: the carrier is part of the delete's condition. */
const TAKE_SQL = 'DELETE FROM digests WHERE subscriber_id = $1 AND category = $2 AND carrier_seq = $3 RETURNING *';

/** Digests: events gathered per (subscriber, category) until the carrier job flushes them. */
export function prepareDigests(ctx: NotifyContext): Pick<NotifyStore, 'addToDigest' | 'takeDigest'> {
  return {
    async addToDigest(subscriberId, category, event, opening) {
      const { rows: [row] } = await ctx.query<DigestRow & { opened: boolean }>('digest_add', ADD_SQL,
        [subscriberId, category, opening.carrierSeq, time(opening.flushAt), JSON.stringify(event)]);
      return { opened: row.opened, digest: digestOf(row) };
    },
    async takeDigest(subscriberId, category, carrierSeq) {
      const { rows } = await ctx.query<DigestRow>('digest_take', TAKE_SQL, [subscriberId, category, carrierSeq]);
      return rows[0] ? digestOf(rows[0]) : undefined;
    },
  };
}
