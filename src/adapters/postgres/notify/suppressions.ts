import type { NotifyStore } from '../../../ports/notify-store.js';
import type { NotifyContext } from './context.js';
import { suppressionOf, time } from './schema.js';

/** Addresses that bounced, complained or opted out, and are not sent to again (Kysely; one upsert, so the later entry wins). */
export function prepareSuppressions(ctx: NotifyContext): Pick<NotifyStore, 'suppressAddress' | 'addressSuppressed'> {
  const { db } = ctx;
  return {
    async suppressAddress(entry) {
      const fields = { kind: entry.kind, reason: entry.reason, at: time(entry.at) };
      await db.insertInto('suppressed_addresses').values({ address: entry.address, ...fields })
        .onConflict((oc) => oc.column('address').doUpdateSet(fields))
        .execute();
    },
    async addressSuppressed(address) {
      const row = await db.selectFrom('suppressed_addresses').selectAll().where('address', '=', address).executeTakeFirst();
      return row ? suppressionOf(row) : undefined;
    },
  };
}
