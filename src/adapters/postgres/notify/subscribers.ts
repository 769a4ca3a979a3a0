import type { Selectable } from 'kysely';
import type { NotifyStore, SubscriberRecord } from '../../../ports/notify-store.js';
import type { NotifyContext } from './context.js';
import { subscriberOf, time, type SubscriberRow } from './schema.js';

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';

/**
 * Subscriber profiles and their preferences (Kysely: a few writes per API call).
 *
 * putSubscriber must say whether it created the profile even when two nodes put the same new id
 * at once, so it inserts first (ON CONFLICT DO NOTHING tells who inserted) and only then updates:
 * exactly one of the racing calls sees its insert go in. An update that finds the row gone (erased
 * in between) tries the insert again.
 */
export function prepareSubscribers(ctx: NotifyContext): Pick<NotifyStore, 'putSubscriber' | 'getSubscriber' | 'getSubscribers' | 'listSubscribers' | 'setPreferences'> {
  const { db } = ctx;
  return {
    async putSubscriber(s) {
      const profile = {
        email: s.email ?? null, phone: s.phone ?? null, name: s.name ?? null, locale: s.locale ?? null,
        timezone: s.timezone ?? null, webhook_url: s.webhookUrl ?? null, data: JSON.stringify(s.data), updated_at: time(s.updatedAt),
      };
      for (;;) {
        const inserted = await db.insertInto('subscribers')
          .values({ id: s.id, ...profile, preferences: null, created_at: time(s.updatedAt) })
          .onConflict((oc) => oc.column('id').doNothing())
          .returning('id')
          .executeTakeFirst();
        if (inserted) return { created: true };
        const updated = await db.updateTable('subscribers').set(profile).where('id', '=', s.id).executeTakeFirst();
        if (updated.numUpdatedRows > 0n) return { created: false };
      }
    },
    async getSubscriber(id) {
      const row = await db.selectFrom('subscribers').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? subscriberOf(row) : undefined;
    },
    async getSubscribers(ids) {
      const out = new Map<string, SubscriberRecord>();
      if (ids.length === 0) return out;
      const rows = await db.selectFrom('subscribers').selectAll().where('id', '=', (eb) => eb.fn.any(eb.val([...new Set(ids)]))).execute();
      for (const row of rows) out.set(row.id, subscriberOf(row));
      return out;
    },
    async listSubscribers(query) {
      // Folded like SQLite's lower() (ASCII only), so both stores find the same subscribers.
      const search = query.search ? query.search.replace(/[A-Z]/g, (c) => c.toLowerCase()) : null;
      const { rows } = await ctx.query<Selectable<SubscriberRow>>('list_subscribers', `SELECT * FROM subscribers WHERE id > $1 AND ($2::text IS NULL
          OR strpos(translate(id, '${UPPER}', '${LOWER}'), $2) > 0 OR strpos(translate(coalesce(email, ''), '${UPPER}', '${LOWER}'), $2) > 0
          OR strpos(translate(coalesce(name, ''), '${UPPER}', '${LOWER}'), $2) > 0 OR strpos(coalesce(phone, ''), $2) > 0)
        ORDER BY id COLLATE "C" LIMIT $3`, [query.after ?? '', search, query.limit]);
      return rows.map(subscriberOf);
    },
    async setPreferences(id, preferences, now) {
      const result = await db.updateTable('subscribers').set({ preferences: JSON.stringify(preferences), updated_at: time(now) }).where('id', '=', id).executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
  };
}
