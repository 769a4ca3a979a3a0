import type { ChannelDeliveryRecord, NotifyWriteBatch, RecipientPatch } from '../../../ports/notify-store.js';
import type { NotifyContext } from './context.js';
import { optionalTime, time } from './schema.js';

/**
 * The three writes a channel attempt makes (the channel's row, the recipient's state, the send
 * that frequency caps count), alone or together, as ONE statement: each kind is a data-modifying
 * CTE fed by arrays (one bind per column however many rows), so a job of fifty sends is one round
 * trip and one atomic commit, and no other node ever sees its channel rows without its recipient
 * changes or cap sends.
 *
 * Locks are taken in key order: channel rows are inserted sorted, and recipient rows are locked
 * sorted (FOR UPDATE in a CTE the update joins) before they are changed. Two jobs of one
 * notification that touch the same recipients at once (its push and e-mail jobs, on two nodes)
 * then wait for each other instead of deadlocking.
 *
 * A row named twice in one batch is folded in JS first into what applying the two in turn would
 * leave (one multi-row upsert may not touch a row twice).
 */
export type LedgerWrites = (batch: NotifyWriteBatch, now: number) => Promise<void>;

const CHANNELS_CTE = (p: (n: number) => string) => `channels AS (
    INSERT INTO notify_channels (notification_seq, subscriber_id, channel, state, reason, address, provider_id, attempts, created_at, updated_at, sent_at)
    SELECT * FROM unnest(${p(1)}::bigint[], ${p(2)}::text[], ${p(3)}::text[], ${p(4)}::text[], ${p(5)}::text[], ${p(6)}::text[], ${p(7)}::text[],
      ${p(8)}::integer[], ${p(9)}::bigint[], ${p(10)}::bigint[], ${p(11)}::bigint[])
      AS t(notification_seq, subscriber_id, channel, state, reason, address, provider_id, attempts, created_at, updated_at, sent_at)
    ORDER BY notification_seq, subscriber_id COLLATE "C", channel COLLATE "C"
    ON CONFLICT (notification_seq, subscriber_id, channel) DO UPDATE SET state = excluded.state, reason = excluded.reason,
      address = coalesce(excluded.address, notify_channels.address), provider_id = coalesce(excluded.provider_id, notify_channels.provider_id),
      attempts = excluded.attempts, updated_at = excluded.updated_at, sent_at = coalesce(excluded.sent_at, notify_channels.sent_at)
  )`;

const RECIPIENTS_CTE = (p: (n: number) => string) => `patches AS (
    SELECT * FROM unnest(${p(1)}::bigint[], ${p(2)}::text[], ${p(3)}::text[], ${p(4)}::boolean[], ${p(5)}::text[], ${p(6)}::text[])
      AS t(seq, subscriber_id, state, set_reason, reason, plan)
  ), locked AS (
    SELECT r.notification_seq, r.subscriber_id FROM notify_recipients r
    JOIN patches p ON r.notification_seq = p.seq AND r.subscriber_id = p.subscriber_id
    ORDER BY r.notification_seq, r.subscriber_id
    FOR UPDATE OF r
  ), recipients AS (
    UPDATE notify_recipients r SET state = coalesce(p.state, r.state), reason = CASE WHEN p.set_reason THEN p.reason ELSE r.reason END,
      plan = coalesce(p.plan, r.plan), updated_at = ${p(7)}::bigint
    FROM locked l JOIN patches p ON p.seq = l.notification_seq AND p.subscriber_id = l.subscriber_id
    WHERE r.notification_seq = l.notification_seq AND r.subscriber_id = l.subscriber_id
  )`;

const SENDS_CTE = (p: (n: number) => string) => `sends AS (
    INSERT INTO notify_sends (subscriber_id, at, category)
    SELECT * FROM unnest(${p(1)}::text[], ${p(2)}::bigint[], ${p(3)}::text[])
  )`;

type Patch = { seq: number; subscriberId: string; patch: RecipientPatch };

export function prepareLedgerWrites(ctx: NotifyContext): LedgerWrites {
  // One SQL text per combination of parts present, built once.
  const statements = new Map<number, string>();
  const statement = (mask: number): string => {
    let text = statements.get(mask);
    if (text === undefined) {
      const parts: string[] = [];
      let next = 0;
      const add = (cte: (p: (n: number) => string) => string, count: number): void => {
        const base = next;
        parts.push(cte((n) => `$${base + n}`));
        next += count;
      };
      if (mask & 1) add(CHANNELS_CTE, 11);
      if (mask & 2) add(RECIPIENTS_CTE, 7);
      if (mask & 4) add(SENDS_CTE, 3);
      text = `WITH ${parts.join(', ')} SELECT 1`;
      statements.set(mask, text);
    }
    return text;
  };

  return async (batch, now) => {
    const channels = foldChannels(batch.channels ?? []);
    const patches = foldPatches(batch.recipients ?? []);
    const sends = batch.sends ?? [];
    let mask = 0;
    const values: unknown[] = [];
    if (channels.length > 0) {
      mask |= 1;
      values.push(
        channels.map((c) => c.notificationSeq), channels.map((c) => c.subscriberId), channels.map((c) => c.channel), channels.map((c) => c.state),
        channels.map((c) => c.reason ?? null), channels.map((c) => c.address ?? null), channels.map((c) => c.providerId ?? null),
        channels.map((c) => c.attempts), channels.map((c) => time(c.createdAt)), channels.map((c) => time(c.updatedAt)), channels.map((c) => optionalTime(c.sentAt)),
      );
    }
    if (patches.length > 0) {
      mask |= 2;
      values.push(
        patches.map((r) => r.seq), patches.map((r) => r.subscriberId), patches.map((r) => r.patch.state ?? null), patches.map((r) => 'reason' in r.patch),
        patches.map((r) => r.patch.reason ?? null), patches.map((r) => (r.patch.plan ? JSON.stringify(r.patch.plan) : null)), time(now),
      );
    }
    if (sends.length > 0) {
      mask |= 4;
      values.push(sends.map((s) => s.subscriberId), sends.map((s) => time(s.at)), sends.map((s) => s.category));
    }
    if (mask === 0) return;
    await ctx.query(`ledger_write_${mask}`, statement(mask), values);
  };
}

/** Channel rows with one key, merged into what upserting them in turn would leave. */
function foldChannels(rows: readonly ChannelDeliveryRecord[]): ChannelDeliveryRecord[] {
  const byKey = new Map<string, ChannelDeliveryRecord>();
  for (const c of rows) {
    const key = JSON.stringify([c.notificationSeq, c.subscriberId, c.channel]);
    const before = byKey.get(key);
    if (!before) {
      byKey.set(key, c);
      continue;
    }
    const merged: ChannelDeliveryRecord = { ...c, createdAt: before.createdAt };
    const address = c.address ?? before.address;
    const providerId = c.providerId ?? before.providerId;
    const sentAt = c.sentAt ?? before.sentAt;
    if (address !== undefined) merged.address = address;
    if (providerId !== undefined) merged.providerId = providerId;
    if (sentAt !== undefined) merged.sentAt = sentAt;
    byKey.set(key, merged);
  }
  return [...byKey.values()];
}

/** Patches of one recipient, merged into one: a later field wins, a field left out keeps the earlier one. */
function foldPatches(rows: readonly Patch[]): Patch[] {
  const byKey = new Map<string, Patch>();
  for (const r of rows) {
    const key = JSON.stringify([r.seq, r.subscriberId]);
    const before = byKey.get(key);
    if (!before) {
      byKey.set(key, r);
      continue;
    }
    // As the statement reads a patch: state and plan undefined mean "keep", reason counts when its key is there.
    const patch: RecipientPatch = {};
    const state = r.patch.state ?? before.patch.state;
    const plan = r.patch.plan ?? before.patch.plan;
    if (state !== undefined) patch.state = state;
    if (plan !== undefined) patch.plan = plan;
    if ('reason' in r.patch) patch.reason = r.patch.reason;
    else if ('reason' in before.patch) patch.reason = before.patch.reason;
    byKey.set(key, { seq: r.seq, subscriberId: r.subscriberId, patch });
  }
  return [...byKey.values()];
}
