import type { ChannelDeliveryRecord, NotificationRecord, RecipientPatch, SuppressedAddress } from '../../ports/notify-store.js';
import type { DispatchResult } from './channel-dispatch.js';

/** What has to happen once a send's rows are written. */
export type FollowUp =
  /** A fallback push or SMS went out: look for its confirmation at `runAt`, give up at `deadline`. */
  | { kind: 'confirm'; deadline: number; runAt: number }
  /** The channel ended without reaching the subscriber: mark a dead address first, if any, then fall back. */
  | { kind: 'move-on'; suppress?: SuppressedAddress };

/** One send's result, as written: its row, the recipient's new state, and what follows. */
export interface Settled {
  row: ChannelDeliveryRecord;
  recipient?: RecipientPatch;
  follow?: FollowUp;
}

export interface SettleRules {
  /** Attempts per channel delivery before it fails. */
  maxAttempts: number;
  /** How long a sent fallback push or SMS may go unconfirmed. */
  fallbackTimeoutMs: number;
}

/** How often an unconfirmed fallback push or SMS is looked at: a tenth of the timeout, within 0.2-5 s. */
export function confirmPollMs(fallbackTimeoutMs: number): number {
  return Math.max(200, Math.min(5000, Math.floor(fallbackTimeoutMs / 10)));
}

/**
 * What one send attempt's result makes of its channel row (a pure function of the row, the
 * result and the time). The writes of a whole channel job go out in one transaction; the
 * follow-ups run after it. A send that found the notification cancelled or expired leaves the
 * attempt uncounted: nothing went out.
 */
export function settleSend(n: Pick<NotificationRecord, 'strategy'>, row: ChannelDeliveryRecord, result: DispatchResult, rules: SettleRules, now: number): Settled {
  const attempts = row.attempts + 1;
  const next: ChannelDeliveryRecord = { ...row, attempts, updatedAt: now };
  if (result.kind === 'failed' && (result.reason === 'cancelled' || result.reason === 'expired')) {
    return { row: { ...next, attempts: row.attempts, state: result.reason, reason: result.reason === 'expired' ? 'expires_at passed before it could be sent' : 'the notification was cancelled' } };
  }
  switch (result.kind) {
    case 'sent': {
      const confirm = n.strategy === 'fallback' && (row.channel === 'push' || row.channel === 'sms');
      // A reason left from an earlier attempt ("retry: 503") no longer applies.
      const { reason: _earlier, ...fresh } = next;
      void _earlier;
      const sent: ChannelDeliveryRecord = {
        ...fresh, state: confirm ? 'awaiting' : 'sent', sentAt: now, ...(result.note !== undefined ? { reason: result.note } : {}),
        ...(result.providerId !== undefined ? { providerId: result.providerId } : {}), ...(result.address !== undefined ? { address: result.address } : {}),
      };
      if (!confirm) return { row: sent, recipient: { state: 'sent', reason: `sent by ${row.channel}` } };
      return { row: sent, follow: { kind: 'confirm', deadline: now + rules.fallbackTimeoutMs, runAt: now + confirmPollMs(rules.fallbackTimeoutMs) } };
    }
    case 'retry':
      if (attempts < rules.maxAttempts) return { row: { ...next, state: 'retrying', reason: result.reason } };
      return { row: { ...next, state: 'failed', reason: `${result.reason} (after ${attempts} attempts)` }, follow: { kind: 'move-on' } };
    case 'unavailable':
      return { row: { ...next, attempts: row.attempts, state: 'unavailable', reason: result.reason }, follow: { kind: 'move-on' } };
    case 'failed': {
      const failed: ChannelDeliveryRecord = { ...next, state: 'failed', reason: result.reason, ...(result.address !== undefined ? { address: result.address } : {}) };
      if (!result.addressDead || !result.address) return { row: failed, follow: { kind: 'move-on' } };
      // E-mail addresses compare without case; numbers and URLs as given.
      const address = row.channel === 'email' ? result.address.toLowerCase() : result.address;
      return { row: failed, follow: { kind: 'move-on', suppress: { address, kind: 'invalid', reason: result.reason, at: now } } };
    }
  }
}
