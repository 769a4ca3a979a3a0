import type { TierRecord } from '../../ports/auth-store.js';
import type { VisitorLimits } from './visitor-limits.js';

const DAY_MS = 86_400_000;

/**
 * The limits of a user with a tier, by ntfy's rules: the tier's daily quotas and sizes replace the
 * config's, and the two token buckets are derived from them, only ever more generous than the
 * config's. The request bucket holds 5 % of the daily messages (at least the config's burst, at
 * most 1000) and refills twice the daily messages over a day; the e-mail bucket holds 20 % of the
 * daily e-mails (at least the config's burst, at most 150) and refills the daily e-mails over a
 * day. Subscriptions and auth failures stay as configured.
 */
export function tierVisitorLimits(base: VisitorLimits, tier: TierRecord): VisitorLimits {
  return {
    ...base,
    basis: 'tier',
    requestBurst: clamp(Math.floor(tier.messagesLimit * 0.05), base.requestBurst, 1000),
    requestRefillMs: tier.messagesLimit > 0 ? Math.min(base.requestRefillMs, DAY_MS / (2 * tier.messagesLimit)) : base.requestRefillMs,
    messagesPerDay: tier.messagesLimit,
    emailBurst: clamp(Math.floor(tier.emailsLimit * 0.2), base.emailBurst, 150),
    // A tier without e-mails refills its bucket (the config's burst) once a day rather than never.
    emailRefillMs: tier.emailsLimit > 0 ? DAY_MS / tier.emailsLimit : DAY_MS,
    callsPerDay: tier.callsLimit,
    attachmentTotalBytes: tier.attachmentTotalSizeLimit,
    attachmentBandwidthPerDay: tier.attachmentBandwidthLimit,
    // A tier's expiry cannot switch on a cache the server runs without.
    messageExpiryMs: base.messageExpiryMs > 0 ? tier.messagesExpiryDuration * 1000 : 0,
    attachmentFileSizeBytes: tier.attachmentFileSizeLimit,
    attachmentExpiryMs: tier.attachmentExpiryDuration * 1000,
    reservations: tier.reservationsLimit,
  };
}

/** `value` moved into [min, max]; min wins when the two cross (a config burst above the cap). */
function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(value, max));
}
