import type { ChannelDeliveryRecord, RecipientPatch } from '../../../ports/notify-store.js';
import type { NotifyContext } from './context.js';
import type { Row } from './schema.js';

/**
 * The three writes a channel attempt makes, alone or together in one `writeBatch`: the channel's
 * row, the recipient's state, and the send that frequency caps count. Synchronous, so a batch
 * runs them in one transaction; the caller takes the write lock.
 */
export interface LedgerWrites {
  upsertChannel(c: ChannelDeliveryRecord): void;
  updateRecipient(seq: number, subscriberId: string, patch: RecipientPatch, now: number): void;
  recordSend(subscriberId: string, at: number, category: string): void;
}

export function prepareLedgerWrites(ctx: NotifyContext): LedgerWrites {
  const upsertChannel = ctx.prepare<Row>(`INSERT INTO notify_channels (notification_seq, subscriber_id, channel, state, reason, address, provider_id, attempts, created_at, updated_at, sent_at)
    VALUES (:seq, :subscriber, :channel, :state, :reason, :address, :provider_id, :attempts, :created, :updated, :sent_at)
    ON CONFLICT DO UPDATE SET state = :state, reason = :reason, address = coalesce(:address, address), provider_id = coalesce(:provider_id, provider_id),
      attempts = :attempts, updated_at = :updated, sent_at = coalesce(:sent_at, sent_at)`);
  const updateRecipient = ctx.prepare<Row>(`UPDATE notify_recipients SET state = coalesce(:state, state), reason = CASE WHEN :set_reason THEN :reason ELSE reason END,
    plan = coalesce(:plan, plan), updated_at = :now WHERE notification_seq = :seq AND subscriber_id = :subscriber`);
  const recordSend = ctx.prepare<[string, number, string]>('INSERT INTO notify_sends (subscriber_id, at, category) VALUES (?, ?, ?)');

  return {
    upsertChannel(c) {
      upsertChannel.run({
        seq: c.notificationSeq, subscriber: c.subscriberId, channel: c.channel, state: c.state, reason: c.reason ?? null,
        address: c.address ?? null, provider_id: c.providerId ?? null, attempts: c.attempts, created: c.createdAt, updated: c.updatedAt, sent_at: c.sentAt ?? null,
      });
    },
    updateRecipient(seq, subscriberId, patch, now) {
      updateRecipient.run({
        seq, subscriber: subscriberId, state: patch.state ?? null, set_reason: 'reason' in patch ? 1 : 0, reason: patch.reason ?? null,
        plan: patch.plan ? JSON.stringify(patch.plan) : null, now,
      });
    },
    recordSend(subscriberId, at, category) {
      recordSend.run(subscriberId, at, category);
    },
  };
}
