import type { NotifyStore, NotifyWriteBatch } from '../../../ports/notify-store.js';
import type { NotifyContext } from './context.js';
import type { LedgerWrites } from './ledger-writes.js';
import { channelOf } from './schema.js';

/** Each (notification, subscriber, channel) attempt, and the log of sends that frequency caps read. */
export function prepareChannels(ctx: NotifyContext, writes: LedgerWrites): Pick<NotifyStore,
  'upsertChannel' | 'writeBatch' | 'getChannel' | 'channelsOf' | 'channelByProviderId' | 'recordSend' | 'sendsSince'> {
  const one = ctx.prepare<[number, string, string]>('SELECT * FROM notify_channels WHERE notification_seq = ? AND subscriber_id = ? AND channel = ?');
  const ofSubscribers = ctx.prepare<[number, string]>(
    'SELECT * FROM notify_channels WHERE notification_seq = ? AND subscriber_id IN (SELECT value FROM json_each(?)) ORDER BY subscriber_id, created_at');
  const byProvider = ctx.prepare<[string, string]>('SELECT * FROM notify_channels WHERE channel = ? AND provider_id = ? LIMIT 1');
  const sendsSince = ctx.prepare<[string, number], { at: number; category: string }>('SELECT at, category FROM notify_sends WHERE subscriber_id = ? AND at >= ? ORDER BY at');

  const writeBatch = ctx.sqlite.transaction((batch: NotifyWriteBatch, now: number) => {
    for (const c of batch.channels ?? []) writes.upsertChannel(c);
    for (const r of batch.recipients ?? []) writes.updateRecipient(r.seq, r.subscriberId, r.patch, now);
    for (const x of batch.sends ?? []) writes.recordSend(x.subscriberId, x.at, x.category);
  });

  return {
    async upsertChannel(c) {
      ctx.write(() => writes.upsertChannel(c));
    },
    async writeBatch(batch, now) {
      ctx.write(() => writeBatch.immediate(batch, now));
    },
    async getChannel(seq, subscriberId, channel) {
      const row = one.get(seq, subscriberId, channel);
      return row ? channelOf(row) : undefined;
    },
    async channelsOf(seq, subscriberIds) {
      if (subscriberIds.length === 0) return [];
      return ofSubscribers.all(seq, JSON.stringify(subscriberIds)).map(channelOf);
    },
    async channelByProviderId(channel, providerId) {
      const row = byProvider.get(channel, providerId);
      return row ? channelOf(row) : undefined;
    },
    async recordSend(subscriberId, category, at) {
      ctx.write(() => writes.recordSend(subscriberId, at, category));
    },
    async sendsSince(subscriberId, since) {
      return sendsSince.all(subscriberId, since);
    },
  };
}
