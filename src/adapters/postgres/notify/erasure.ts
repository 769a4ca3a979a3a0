import { sql } from 'kysely';
import type { NotifyStore } from '../../../ports/notify-store.js';
import type { NotifyContext } from './context.js';
import { channelOf, inboxOf, recipientOf, suppressionOf } from './schema.js';

/** Every address a profile holds, and an e-mail address also lowercased, as suppressions keep it. */
function addressesOf(row: { email: string | null; phone: string | null; webhook_url: string | null } | undefined): string[] {
  const out = new Set<string>();
  for (const address of [row?.email, row?.phone, row?.webhook_url]) {
    if (typeof address === 'string') out.add(address).add(address.toLowerCase());
  }
  return [...out];
}

/**
 * A subscriber's rights over their data: everything held about them, and erasing it (Kysely: rare
 * calls). Erasure is one transaction, so no node ever sees half a subscriber; export reads in one
 * REPEATABLE READ snapshot, so the rows it returns belong together.
 */
export function prepareErasure(ctx: NotifyContext): Pick<NotifyStore, 'eraseSubscriber' | 'exportSubscriber'> {
  const { db } = ctx;
  return {
    async eraseSubscriber(id) {
      return db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('subscribers').select(['email', 'phone', 'webhook_url']).where('id', '=', id).forUpdate().executeTakeFirst();
        for (const table of ['notify_channels', 'notify_recipients', 'notify_sends', 'inbox', 'digests'] as const) {
          await trx.deleteFrom(table).where('subscriber_id', '=', id).execute();
        }
        // A notification sent to listed subscribers names them in its audience (the JSON text of
        // `to`, written by JSON.stringify): the id's JSON string finds the candidates, JS decides
        // exactly, and one statement writes the new audiences back. The rows stay locked until
        // commit, so a concurrent erasure of another listed subscriber cannot undo this one.
        const candidates = await trx.selectFrom('notifications').select(['seq', 'audience'])
          .where('audience', 'like', '{"subscribers":%')
          .where(sql<number>`strpos(audience, ${JSON.stringify(id)})`, '>', 0)
          .forUpdate()
          .execute();
        const seqs: string[] = [];
        const audiences: string[] = [];
        for (const n of candidates) {
          const { subscribers } = JSON.parse(n.audience) as { subscribers: string[] };
          if (!subscribers.includes(id)) continue;
          seqs.push(n.seq);
          audiences.push(JSON.stringify({ subscribers: subscribers.filter((s) => s !== id) }));
        }
        if (seqs.length > 0) {
          await sql`UPDATE notifications n SET audience = u.audience
            FROM unnest(${seqs}::bigint[], ${audiences}::text[]) AS u(seq, audience) WHERE n.seq = u.seq`.execute(trx);
        }
        await trx.updateTable('notifications').set({ route_cursor: null }).where('route_cursor', '=', id).execute();
        const addresses = addressesOf(row);
        if (addresses.length > 0) await trx.deleteFrom('suppressed_addresses').where('address', '=', (eb) => eb.fn.any(eb.val(addresses))).execute();
        const deleted = await trx.deleteFrom('subscribers').where('id', '=', id).executeTakeFirst();
        return deleted.numDeletedRows > 0n;
      });
    },
    async exportSubscriber(id) {
      return db.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
        const row = await trx.selectFrom('subscribers').select(['email', 'phone', 'webhook_url']).where('id', '=', id).executeTakeFirst();
        const addresses = addressesOf(row);
        const channels = await trx.selectFrom('notify_channels').selectAll().where('subscriber_id', '=', id).orderBy('notification_seq').orderBy('channel').execute();
        const recipients = await trx.selectFrom('notify_recipients').selectAll().where('subscriber_id', '=', id).orderBy('notification_seq').execute();
        const inbox = await trx.selectFrom('inbox').selectAll().where('subscriber_id', '=', id).orderBy('seq').execute();
        const suppressions = addresses.length === 0 ? [] : await trx.selectFrom('suppressed_addresses').selectAll()
          .where('address', '=', (eb) => eb.fn.any(eb.val(addresses))).orderBy('address').execute();
        return {
          channels: channels.map(channelOf),
          recipients: recipients.map(recipientOf),
          inbox: inbox.map(inboxOf),
          suppressions: suppressions.map(suppressionOf),
        };
      });
    },
  };
}
