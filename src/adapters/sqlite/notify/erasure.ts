import type { NotifyStore, SuppressedAddress } from '../../../ports/notify-store.js';
import type { NotifyContext } from './context.js';
import { channelOf, inboxOf, recipientOf, suppressionOf } from './schema.js';

/** A subscriber's rights over their data: everything held about them, and erasing it. */
export function prepareErasure(ctx: NotifyContext): Pick<NotifyStore, 'eraseSubscriber' | 'exportSubscriber'> {
  const subscriber = ctx.prepare<[string]>('SELECT * FROM subscribers WHERE id = ?');
  const deleteSubscriber = ctx.prepare<[string]>('DELETE FROM subscribers WHERE id = ?');
  const eraseStatements = [
    'DELETE FROM notify_channels WHERE subscriber_id = ?',
    'DELETE FROM notify_recipients WHERE subscriber_id = ?',
    'DELETE FROM notify_sends WHERE subscriber_id = ?',
    'DELETE FROM inbox WHERE subscriber_id = ?',
    'DELETE FROM digests WHERE subscriber_id = ?',
  ].map((s) => ctx.prepare<[string]>(s));
  // A notification sent to listed subscribers names them in its audience; erasure takes the id out.
  const audiencesNaming = ctx.prepare<[string], { seq: number; audience: string }>(
    `SELECT seq, audience FROM notifications WHERE audience LIKE '{"subscribers":%' AND EXISTS (SELECT 1 FROM json_each(audience, '$.subscribers') WHERE value = ?)`);
  const setAudience = ctx.prepare<[string, number]>('UPDATE notifications SET audience = ? WHERE seq = ?');
  const clearCursor = ctx.prepare<[string]>('UPDATE notifications SET route_cursor = NULL WHERE route_cursor = ?');
  const deleteSuppression = ctx.prepare<[string]>('DELETE FROM suppressed_addresses WHERE address = ?');
  const suppressed = ctx.prepare<[string]>('SELECT * FROM suppressed_addresses WHERE address = ?');
  const channels = ctx.prepare<[string]>('SELECT * FROM notify_channels WHERE subscriber_id = ? ORDER BY notification_seq, channel');
  const recipients = ctx.prepare<[string]>('SELECT * FROM notify_recipients WHERE subscriber_id = ? ORDER BY notification_seq');
  const inbox = ctx.prepare<[string]>('SELECT * FROM inbox WHERE subscriber_id = ? ORDER BY seq');

  const erase = ctx.sqlite.transaction((id: string): boolean => {
    const row = subscriber.get(id);
    for (const s of eraseStatements) s.run(id);
    for (const n of audiencesNaming.all(id)) {
      const audience = JSON.parse(n.audience) as { subscribers: string[] };
      setAudience.run(JSON.stringify({ subscribers: audience.subscribers.filter((s) => s !== id) }), n.seq);
    }
    clearCursor.run(id);
    if (row) {
      for (const address of [row.email, row.phone, row.webhook_url]) {
        if (typeof address !== 'string') continue;
        // E-mail suppressions are kept lowercased.
        deleteSuppression.run(address);
        deleteSuppression.run(address.toLowerCase());
      }
    }
    return deleteSubscriber.run(id).changes > 0;
  });

  return {
    async eraseSubscriber(id) {
      return ctx.durable(() => erase.immediate(id));
    },
    async exportSubscriber(id) {
      const row = subscriber.get(id);
      const suppressions: SuppressedAddress[] = [];
      // E-mail suppressions are kept lowercased (as erasure knows): look for both spellings.
      const addresses = new Set<string>();
      for (const address of [row?.email, row?.phone, row?.webhook_url]) {
        if (typeof address === 'string') addresses.add(address).add(address.toLowerCase());
      }
      for (const address of addresses) {
        const s = suppressed.get(address);
        if (s) suppressions.push(suppressionOf(s));
      }
      return {
        channels: channels.all(id).map(channelOf),
        recipients: recipients.all(id).map(recipientOf),
        inbox: inbox.all(id).map(inboxOf),
        suppressions,
      };
    },
  };
}
