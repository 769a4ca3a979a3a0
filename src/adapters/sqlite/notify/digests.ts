import type { NotifyStore } from '../../../ports/notify-store.js';
import type { NotifyContext } from './context.js';
import { digestOf } from './schema.js';

/** Digests: events gathered per (subscriber, category) until the carrier job flushes them. */
export function prepareDigests(ctx: NotifyContext): Pick<NotifyStore, 'addToDigest' | 'takeDigest'> {
  const select = ctx.prepare<[string, string]>('SELECT * FROM digests WHERE subscriber_id = ? AND category = ?');
  const open = ctx.prepare<[string, string, number, number, string]>('INSERT INTO digests (subscriber_id, category, carrier_seq, flush_at, events) VALUES (?, ?, ?, ?, ?)');
  const append = ctx.prepare<[string, string, string]>('UPDATE digests SET events = json_insert(events, \'$[#]\', json(?)) WHERE subscriber_id = ? AND category = ?');
  const remove = ctx.prepare<[string, string]>('DELETE FROM digests WHERE subscriber_id = ? AND category = ?');

  const add = ctx.sqlite.transaction((subscriberId: string, category: string, event: string, opening: { carrierSeq: number; flushAt: number }) => {
    const existing = select.get(subscriberId, category);
    if (existing) {
      append.run(event, subscriberId, category);
      return { opened: false, digest: digestOf(select.get(subscriberId, category)!) };
    }
    open.run(subscriberId, category, opening.carrierSeq, opening.flushAt, `[${event}]`);
    return { opened: true, digest: digestOf(select.get(subscriberId, category)!) };
  });
  // Only the job that carries the digest (its carrierSeq) takes it; any other job leaves it alone.
  const take = ctx.sqlite.transaction((subscriberId: string, category: string, carrierSeq: number) => {
    const row = select.get(subscriberId, category);
    if (!row || row.carrier_seq !== carrierSeq) return undefined;
    remove.run(subscriberId, category);
    return digestOf(row);
  });

  return {
    async addToDigest(subscriberId, category, event, opening) {
      return ctx.write(() => add.immediate(subscriberId, category, JSON.stringify(event), opening));
    },
    async takeDigest(subscriberId, category, carrierSeq) {
      return ctx.write(() => take.immediate(subscriberId, category, carrierSeq));
    },
  };
}
