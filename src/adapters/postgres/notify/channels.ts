import type { NotifyStore } from '../../../ports/notify-store.js';
import type { NotifyContext } from './context.js';
import type { LedgerWrites } from './ledger-writes.js';
import { channelOf, time, type ChannelRow } from './schema.js';

/**
 * Each (notification, subscriber, channel) attempt, and the log of sends that frequency caps read.
 * Every write goes through the one ledger statement (ledger-writes.ts). A cap send is an appended
 * row, never a counter updated in place, so sends recorded at once by several nodes are all kept;
 * deciding atomically that a send still fits under a cap is the shared counters' reservation, and
 * this log is its durable record.
 */
export function prepareChannels(ctx: NotifyContext, write: LedgerWrites): Pick<NotifyStore,
  'upsertChannel' | 'writeBatch' | 'getChannel' | 'channelsOf' | 'channelByProviderId' | 'recordSend' | 'sendsSince'> {
  return {
    async upsertChannel(c) {
      await write({ channels: [c] }, c.updatedAt);
    },
    writeBatch: write,
    async getChannel(seq, subscriberId, channel) {
      const { rows } = await ctx.query<ChannelRow>('channel',
        'SELECT * FROM notify_channels WHERE notification_seq = $1 AND subscriber_id = $2 AND channel = $3', [seq, subscriberId, channel]);
      return rows[0] ? channelOf(rows[0]) : undefined;
    },
    async channelsOf(seq, subscriberIds) {
      if (subscriberIds.length === 0) return [];
      const { rows } = await ctx.query<ChannelRow>('channels_of',
        'SELECT * FROM notify_channels WHERE notification_seq = $1 AND subscriber_id = ANY($2::text[]) ORDER BY subscriber_id, created_at, channel',
        [seq, [...new Set(subscriberIds)]]);
      return rows.map(channelOf);
    },
    async channelByProviderId(channel, providerId) {
      const { rows } = await ctx.query<ChannelRow>('channel_by_provider',
        'SELECT * FROM notify_channels WHERE channel = $1 AND provider_id = $2 LIMIT 1', [channel, providerId]);
      return rows[0] ? channelOf(rows[0]) : undefined;
    },
    async recordSend(subscriberId, category, at) {
      await write({ sends: [{ subscriberId, category, at }] }, at);
    },
    async sendsSince(subscriberId, since) {
      const { rows } = await ctx.query<{ at: string; category: string }>('sends_since',
        'SELECT at, category FROM notify_sends WHERE subscriber_id = $1 AND at >= $2 ORDER BY at, category', [subscriberId, time(since)]);
      return rows.map((r) => ({ at: Number(r.at), category: r.category }));
    },
  };
}
