import type { NotifyStore } from '../../../ports/notify-store.js';
import type { NotifyContext } from './context.js';
import { suppressionOf } from './schema.js';

/** Addresses that bounced, complained or opted out, and are not sent to again. */
export function prepareSuppressions(ctx: NotifyContext): Pick<NotifyStore, 'suppressAddress' | 'addressSuppressed'> {
  const suppress = ctx.prepare<[string, string, string, number]>(`INSERT INTO suppressed_addresses (address, kind, reason, at) VALUES (?, ?, ?, ?)
    ON CONFLICT (address) DO UPDATE SET kind = excluded.kind, reason = excluded.reason, at = excluded.at`);
  const suppressed = ctx.prepare<[string]>('SELECT * FROM suppressed_addresses WHERE address = ?');

  return {
    async suppressAddress(entry) {
      ctx.durable(() => suppress.run(entry.address, entry.kind, entry.reason, entry.at));
    },
    async addressSuppressed(address) {
      const row = suppressed.get(address);
      return row ? suppressionOf(row) : undefined;
    },
  };
}
